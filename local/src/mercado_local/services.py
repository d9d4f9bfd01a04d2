"""Mercado services run as real processes, the way an operator runs them: migrate, declare,
then the API under gunicorn, the gRPC API, the consumer and the relay, each its own
process."""

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mercado_platform.service import spec_of
from mercado_platform.testing.processes import free_port, spawn, stop_process, wait_until


def executable(name: str) -> str:
    """`mercado-<name>` installed next to this Python (its venv), else found on PATH."""
    beside = Path(sys.executable).parent / f"mercado-{name}"
    return str(beside) if beside.exists() else shutil.which(f"mercado-{name}") or beside.name


@dataclass
class ServiceProcesses:
    """One service's processes and how to reach its API."""

    name: str
    env: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL of its HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def grpc_target(self) -> str | None:
        """host:port of its gRPC API, when it has one."""
        return f"127.0.0.1:{self.grpc_port}" if spec_of(self.name).grpc else None

    def prepare(self) -> "ServiceProcesses":
        """Migrate its database and declare its exchange and queues."""
        for command in ("migrate", "declare"):
            self.command(command)
        return self

    def command(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run `mercado-<name> args` (with `env` added), failing with its output when it fails."""
        done = subprocess.run(
            [executable(self.name), *args],
            env={**self._environment(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"mercado-{self.name} {' '.join(args)}: {done.stderr}"
        return done.stdout

    def start(self, *roles: str) -> "ServiceProcesses":
        """Start the given roles (by default every role of the service: its API, consumer,
        relay and workers); wait until the API is ready."""
        for role in roles or spec_of(self.name).roles:
            log = self.logs / f"{self.name}-{role}.log"
            self.running[role] = spawn(
                [executable(self.name), role], log=log, env=self._environment()
            )
        probes = {"serve": self._ready, "grpc": self._grpc_ready}
        try:
            for role, ready in probes.items():
                if role in self.running:
                    log = self.logs / f"{self.name}-{role}.log"
                    what = f"{self.name} {role} ready"
                    wait_until(ready, timeout=60, what=what, process=self.running[role], log=log)
        except BaseException:
            self.stop()  # whoever called start has no handle yet to stop them with
            raise
        return self

    def stop(self, *roles: str) -> None:
        """Stop the given roles (all by default)."""
        for role in roles or list(self.running):
            stop_process(self.running.pop(role, None))

    def kill(self, role: str) -> None:
        """SIGKILL a role's process group, as a crash or the OOM killer would."""
        process = self.running.pop(role)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def _ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def _grpc_ready(self) -> bool:
        return grpc_serving(f"127.0.0.1:{self.grpc_port}")

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.port),
            "GRPC_HOST": "127.0.0.1",
            "GRPC_PORT": str(self.grpc_port),
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "INFO",
            **self.env,
        }


def grpc_serving(target: str) -> bool:
    """True when the gRPC server at `target` says grpc.health.v1 SERVING."""
    with grpc.insecure_channel(target) as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=1
            )
        except grpc.RpcError:
            return False
    return answer.status == health_pb2.HealthCheckResponse.SERVING
