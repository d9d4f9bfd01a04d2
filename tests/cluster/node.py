"""How the real-node tests reach the cluster: kubectl and helm with the node's kubeconfig,
exec into pods, port-forwards, and the gateway's NodePort as a client sees it."""

import base64
import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mercado_local.layout import Endpoints
from mercado_platform.testing.kube import tool, tools_bin
from mercado_platform.testing.processes import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("MERCADO_NODE_DIR", "/var/lib/mercado-node"))
NODE_IP = os.environ.get("MERCADO_NODE_IP", "10.213.0.2")
CONTEXT = os.environ.get("MERCADO_NODE_NAME", "mercado-node")
NAMESPACE = "mercado"
GATEWAY_NODE_PORT = 30080
FIGURES: dict[str, float] = {}  # what each phase took, printed at the end of the run


@dataclass
class Node:
    """The running node: its kubeconfig and where its gateway answers."""

    kubeconfig: Path
    tag: str = "dev"  # of Mercado's images this run installed

    @property
    def gateway(self) -> str:
        """The gateway's NodePort on the node's address."""
        return f"http://{NODE_IP}:{GATEWAY_NODE_PORT}"

    @property
    def endpoints(self) -> Endpoints:
        """What a client of the e2e tests sends requests to: the gateway only."""
        return Endpoints(services={}, gateway=self.gateway)

    @property
    def env(self) -> dict[str, str]:
        """The environment for kubectl, helm and the repo's scripts."""
        return {
            **os.environ,
            "PATH": f"{tools_bin()}:{os.environ['PATH']}",  # skaffold calls helm
            "KUBECONFIG": str(self.kubeconfig),
            "KUBECTL": tool("kubectl"),
            "HELM": tool("helm"),
        }

    def run(self, *args: str, timeout: float = 300, check: bool = True) -> str:
        """Run a command with the node's environment; its standard output."""
        done = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}"
                f"\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def kubectl(self, *args: str, namespace: str = NAMESPACE, **options: Any) -> str:
        """kubectl in `namespace`; its output."""
        return self.run(tool("kubectl"), "-n", namespace, *args, **options)

    def helm(self, *args: str, namespace: str = NAMESPACE, **options: Any) -> str:
        """helm in `namespace`; its output."""
        return self.run(tool("helm"), "--kube-context", CONTEXT, "-n", namespace, *args, **options)

    def get(self, *args: str, namespace: str = NAMESPACE) -> dict:
        """`kubectl get ... -o json`, parsed."""
        return json.loads(self.kubectl("get", *args, "-o", "json", namespace=namespace))

    def exec(self, target: str, *command: str, namespace: str = NAMESPACE, **options: Any) -> str:
        """A command's output in the first container of `target` (pod/..., deploy/...)."""
        return self.kubectl("exec", target, "--", *command, namespace=namespace, **options)

    @contextlib.contextmanager
    def port_forward(self, target: str, port: int, namespace: str = NAMESPACE) -> Iterator[int]:
        """`kubectl port-forward` of `target`'s `port` to a free loopback port, yielded."""
        local = free_port()
        log = STATE / "logs" / f"port-forward-{local}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            forward = subprocess.Popen(
                [
                    *(tool("kubectl"), "-n", namespace, "port-forward"),
                    *("--address", "127.0.0.1", target, f"{local}:{port}"),
                ],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until(
                lambda: "Forwarding from" in log.read_text(),
                timeout=30,
                what=f"port-forward to {target}:{port}",
                process=forward,
                log=log,
            )
            yield local
        finally:
            forward.terminate()
            forward.wait(10)
            log.unlink(missing_ok=True)

    def secret(self, name: str, key: str, namespace: str = NAMESPACE) -> str:
        """One key of a Secret, decoded."""
        data = self.get("secret", name, namespace=namespace)["data"]
        return base64.b64decode(data[key]).decode()

    def wait_rolled_out(self, timeout: float = 300) -> None:
        """Every Deployment of Mercado's namespace rolled out: new pods ready, old ones gone."""
        deadline = time.monotonic() + timeout
        for deployment in self.get("deployments")["items"]:
            left = max(1, deadline - time.monotonic())
            name = deployment["metadata"]["name"]
            self.kubectl("rollout", "status", f"deployment/{name}", f"--timeout={left:.0f}s")


def timed(what: str, *command: str, env: dict[str, str] | None = None) -> None:
    """Run one of the repo's scripts, its output shown on failure, its duration recorded."""
    start = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3000, check=False
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{what}: {' '.join(command)} exited {done.returncode}\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-6000:]}"
        )
    FIGURES[what] = time.monotonic() - start
