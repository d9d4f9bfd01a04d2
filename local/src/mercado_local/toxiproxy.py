"""A toxiproxy server and its API: TCP proxies to cut, slow down or restore a link."""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import requests

from mercado_platform.testing.kube import tool
from mercado_platform.testing.processes import free_port, spawn, stop_process, wait_until


@dataclass
class Link:
    """One proxy: clients connect to `port`, toxiproxy forwards to the upstream."""

    api: str
    name: str
    port: int

    def enable(self, enabled: bool = True) -> None:
        """Restore the link, or cut it: connections are closed and new ones refused."""
        self._post(f"/proxies/{self.name}", {"enabled": enabled})

    def delay(self, milliseconds: int, *, jitter: int = 0) -> None:
        """Add latency to data flowing back to the client (replacing any earlier delay)."""
        self.clear()
        toxic = {"name": "delay", "type": "latency", "stream": "downstream"}
        toxic["attributes"] = {"latency": milliseconds, "jitter": jitter}
        self._post(f"/proxies/{self.name}/toxics", toxic)

    def clear(self) -> None:
        """Remove the delay, if any."""
        requests.delete(f"{self.api}/proxies/{self.name}/toxics/delay", timeout=5)

    def _post(self, path: str, body: dict) -> None:
        requests.post(f"{self.api}{path}", json=body, timeout=5).raise_for_status()


@dataclass
class Toxiproxy:
    """A toxiproxy-server process on a free loopback port."""

    logs: Path
    port: int = field(default_factory=free_port)
    _process: subprocess.Popen | None = None

    @property
    def api(self) -> str:
        """Base URL of its HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Toxiproxy":
        """Run the server until its API answers."""
        log = self.logs / "toxiproxy.log"
        args = [tool("toxiproxy-server"), "-host", "127.0.0.1", "-port", str(self.port)]
        self._process = spawn(args, log=log)
        wait_until(
            lambda: requests.get(f"{self.api}/version", timeout=1).ok,
            timeout=30,
            what="toxiproxy",
            process=self._process,
            log=log,
        )
        return self

    def link(self, name: str, upstream_port: int) -> Link:
        """A new proxy to 127.0.0.1:`upstream_port`."""
        port = free_port()
        body = {
            "name": name,
            "listen": f"127.0.0.1:{port}",
            "upstream": f"127.0.0.1:{upstream_port}",
        }
        requests.post(f"{self.api}/proxies", json=body, timeout=5).raise_for_status()
        return Link(self.api, name, port)

    def stop(self) -> None:
        """Stop the server (its proxies go with it)."""
        stop_process(self._process)
        self._process = None
