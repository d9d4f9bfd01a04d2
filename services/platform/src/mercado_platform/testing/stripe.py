"""stripe-mock, Stripe's own API stand-in, as a test server on a free loopback port."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import requests

from mercado_platform.testing.kube import tool
from mercado_platform.testing.processes import free_port, spawn, stop_process, wait_until

TEST_API_KEY = "sk_test_mercado"


class StripeMock:
    """One stripe-mock process; `stop()` and `start()` keep its port, to play an outage."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mercado-stripe-"))
        self.port = free_port()
        self.api_key = TEST_API_KEY
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Where it answers HTTP."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The `api_base` to give the stripe library (same as `url`)."""
        return self.url

    def start(self) -> "StripeMock":
        """Start it and wait until it answers an authenticated request."""
        log = self.root / "stripe-mock.log"
        # without -https-addr it also serves HTTPS on :12112 of every interface, and a
        # second test run on the machine (or a second instance) fails to start
        args = [tool("stripe-mock"), "-http-addr", f"127.0.0.1:{self.port}"]
        args += ["-https-addr", "127.0.0.1:"]
        self.process = spawn(args, log=log)
        wait_until(self._answers, timeout=30, what="stripe-mock", process=self.process, log=log)
        return self

    def stop(self) -> None:
        """Stop the process; the port stays reserved for a later `start()`."""
        stop_process(self.process)
        self.process = None

    def destroy(self) -> None:
        """Stop it and remove its files."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _answers(self) -> bool:
        try:
            response = requests.get(f"{self.url}/v1/balance", auth=(self.api_key, ""), timeout=1)
        except requests.RequestException:
            return False
        return response.status_code == 200
