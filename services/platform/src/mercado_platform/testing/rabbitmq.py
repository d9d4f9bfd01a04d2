"""A private RabbitMQ node (management plugin on) in a temporary directory."""

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import requests

from mercado_platform.testing.processes import (
    ServerError,
    find_binary,
    free_port,
    spawn,
    stop_process,
    wait_until,
)

RABBIT_BIN = "/usr/lib/rabbitmq/bin"
USER = PASSWORD = "guest"


class RabbitServer:
    """One RabbitMQ node; each test gets its own virtual host."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mercado-rabbit-"))
        self.amqp_port, self.management_port, self.dist_port = free_port(), free_port(), free_port()
        self.node = f"mercado{self.amqp_port}@localhost"
        self.process: subprocess.Popen | None = None
        self.log = self.root / "rabbitmq.log"
        self.api = requests.Session()
        self.api.auth = (USER, PASSWORD)

    @property
    def management_url(self) -> str:
        """Base URL of the management HTTP API."""
        return f"http://127.0.0.1:{self.management_port}"

    def amqp_url(self, vhost: str = "/") -> str:
        """An AMQP URL for `vhost` with the admin credentials."""
        return f"amqp://{USER}:{PASSWORD}@127.0.0.1:{self.amqp_port}/{quote(vhost, safe='')}"

    def start(self) -> "RabbitServer":
        """Start the node and wait until both AMQP and the management API answer."""
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.amqp_port}\n"
            f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {self.management_port}\n"
            "loopback_users = none\n"
        )
        (self.root / "enabled_plugins").write_text("[rabbitmq_management].\n")
        self.process = spawn(
            [find_binary("rabbitmq-server", f"{RABBIT_BIN}/rabbitmq-server")],
            log=self.log,
            env=self._env(),
        )
        wait_until(self._answers, timeout=120, what="rabbitmq", process=self.process, log=self.log)
        return self

    def stop(self) -> None:
        """Stop the node cleanly, killing it if that hangs."""
        if self.process is not None and self.process.poll() is None:
            self.ctl("stop", check=False)
        stop_process(self.process)
        self.process = None

    def destroy(self) -> None:
        """Stop and remove every file of this node."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def ctl(self, *args: str, check: bool = True) -> str:
        """Run `rabbitmqctl` against this node."""
        result = subprocess.run(
            [find_binary("rabbitmqctl", f"{RABBIT_BIN}/rabbitmqctl"), "-n", self.node, *args],
            capture_output=True,
            text=True,
            env={**os.environ, **self._env()},
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            raise ServerError(f"rabbitmqctl {' '.join(args)}: {result.stderr or result.stdout}")
        return result.stdout

    def create_vhost(self) -> str:
        """A new virtual host with a random name that the admin user may fully use."""
        vhost = f"test-{uuid.uuid4().hex[:12]}"
        self._put(f"/api/vhosts/{vhost}", {})
        self._put(
            f"/api/permissions/{vhost}/{USER}", {"configure": ".*", "write": ".*", "read": ".*"}
        )
        return vhost

    def delete_vhost(self, vhost: str) -> None:
        """Delete `vhost` and everything in it."""
        self.api.delete(f"{self.management_url}/api/vhosts/{quote(vhost, safe='')}", timeout=30)

    def _put(self, path: str, body: dict) -> None:
        response = self.api.put(f"{self.management_url}{path}", json=body, timeout=30)
        if response.status_code not in (201, 204):
            raise ServerError(f"PUT {path}: {response.status_code} {response.text}")

    def _answers(self) -> bool:
        try:
            response = self.api.get(f"{self.management_url}/api/aliveness-test/%2F", timeout=2)
        except requests.RequestException:
            return False
        return response.status_code == 200

    def _env(self) -> dict[str, str]:
        return {
            "HOME": str(self.root),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_PID_FILE": str(self.root / "rabbitmq.pid"),
            "RABBITMQ_LOGS": "-",
        }
