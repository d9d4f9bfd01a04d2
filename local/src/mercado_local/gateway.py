"""The gateway outside Kubernetes: nginx run with the very configuration the platform chart
renders (`helm template`, one source of truth), its upstreams pointed at local ports."""

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from mercado_platform.testing.kube import tool
from mercado_platform.testing.processes import (
    find_binary,
    free_port,
    spawn,
    stop_process,
    wait_until,
)

CHART = Path(
    os.environ.get("MERCADO_CHART", Path(__file__).resolve().parents[3] / "charts" / "mercado")
)
FILES = ("nginx.conf", "docs.html")


def render_config(
    upstreams: dict[str, str],
    listen: int,
    *,
    config_dir: Path,
    logs: Path | None = None,
    values: dict[str, Any] | None = None,
    grpc: tuple[int, dict[str, str]] | None = None,
) -> dict[str, str]:
    """nginx.conf and docs.html as the chart renders them for services at `upstreams`
    (name -> host:port; the chart's other services are left out), listening on `listen`,
    reading docs.html from `config_dir` and logging into `logs` (default: stderr/off);
    gRPC on `grpc`'s port for the gRPC APIs at its upstreams, or not at all."""
    services = yaml.safe_load((CHART / "values.yaml").read_text())["services"]
    unknown = set(upstreams) - set(services)
    if unknown:
        raise ValueError(f"the chart has no service named {', '.join(sorted(unknown))}")
    gateway = {
        "port": listen,
        "configDir": str(config_dir),
        "upstreams": upstreams,
        "errorLog": f"{logs / 'error.log'} info" if logs else "stderr warn",
        "accessLog": str(logs / "access.log") if logs else "off",
        "grpc": {"enabled": False},
    }
    if grpc is not None:
        gateway["grpc"] = {"enabled": True, "port": grpc[0], "upstreams": grpc[1]}
    chosen = {"services": {name: {"enabled": name in upstreams} for name in services}}
    chosen["gateway"] = gateway
    rendered = _helm_template(_merge(chosen, values or {}))
    config_map = next(doc for doc in rendered if doc and doc["kind"] == "ConfigMap")
    return {name: config_map["data"][name] for name in FILES}


def _helm_template(values: dict[str, Any]) -> list[dict]:
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(values, file)
        file.flush()
        done = subprocess.run(
            [
                os.environ.get("HELM") or tool("helm"),
                *("template", "gateway", str(CHART), "--show-only", "templates/gateway.yaml"),
                *("--values", file.name),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"helm template of {CHART} failed: {done.stderr.strip()}")
    return list(yaml.safe_load_all(done.stdout))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass
class Gateway:
    """A real nginx in a temporary prefix (pid, temporary files, logs: nothing needs root)."""

    upstreams: dict[str, str]
    grpc_upstreams: dict[str, str] = field(default_factory=dict)
    """Where each service with a gRPC API serves it (name -> host:port)."""
    port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    values: dict[str, Any] = field(default_factory=dict)
    prefix: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mercado-gw-")))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Base URL of the gateway."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def grpc_target(self) -> str:
        """host:port of the gateway's gRPC routes."""
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def error_log(self) -> Path:
        return self.prefix / "error.log"

    def start(self) -> "Gateway":
        """Render the configuration, start nginx, wait until it answers."""
        # nginx's workers drop root to `nobody` when started as root: let them read it
        self.prefix.chmod(0o755)
        files = render_config(
            self.upstreams,
            self.port,
            config_dir=self.prefix,
            logs=self.prefix,
            values=self.values,
            grpc=(self.grpc_port, self.grpc_upstreams) if self.grpc_upstreams else None,
        )
        for name, text in files.items():
            (self.prefix / name).write_text(text)
        nginx = os.environ.get("NGINX") or find_binary("nginx", "/usr/sbin/nginx")
        conf = str(self.prefix / "nginx.conf")
        self.process = spawn(
            [nginx, "-p", f"{self.prefix}/", "-e", str(self.error_log), "-c", conf],
            log=self.prefix / "nginx.out",
        )
        wait_until(self._ready, timeout=30, what="nginx", process=self.process, log=self.error_log)
        return self

    def stop(self) -> None:
        """Stop nginx and remove its prefix."""
        stop_process(self.process)
        self.process = None
        shutil.rmtree(self.prefix, ignore_errors=True)

    def _ready(self) -> bool:
        return requests.get(f"{self.url}/healthz", timeout=1).status_code == 200
