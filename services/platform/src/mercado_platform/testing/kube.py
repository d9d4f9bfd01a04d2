"""A real Kubernetes control plane for tests: etcd and kube-apiserver, no kubelet."""

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mercado_platform.testing.processes import (
    ServerError,
    free_port,
    spawn,
    stop_process,
    wait_until,
)


def tools_bin() -> Path:
    """Where `hack/tools.sh` put the Go-built tools."""
    cache = Path(os.environ.get("MERCADO_CACHE", Path.home() / ".cache" / "mercado"))
    return Path(os.environ.get("MERCADO_TOOLS_BIN", cache / "bin"))


def tool(name: str) -> str:
    """The path of a Go-built tool, or a clear error saying how to build it."""
    path = tools_bin() / name
    if not path.exists():
        raise ServerError(f"{path} is missing: run `make tools` to build the pinned Go tools.")
    return str(path)


class KubeCluster:
    """etcd + kube-apiserver on free loopback ports, with an admin token and a kubeconfig."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mercado-kube-"))
        self.etcd_port, self.etcd_peer_port, self.port = free_port(), free_port(), free_port()
        self.token = uuid.uuid4().hex
        self.kubeconfig = self.root / "kubeconfig"
        self.processes: list[subprocess.Popen] = []

    @property
    def server(self) -> str:
        """The API server's URL."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        """The self-signed serving certificate chain, usable as the CA."""
        return self.root / "certs" / "apiserver.crt"

    def start(self) -> "KubeCluster":
        """Start etcd, then the API server, then write the kubeconfig."""
        self._start_etcd()
        self._start_apiserver()
        self._write_kubeconfig()
        return self

    def destroy(self) -> None:
        """Stop both processes and remove their files."""
        for process in reversed(self.processes):
            stop_process(process)
        shutil.rmtree(self.root, ignore_errors=True)

    def _start_etcd(self) -> None:
        client = f"http://127.0.0.1:{self.etcd_port}"
        peer = f"http://127.0.0.1:{self.etcd_peer_port}"
        log = self.root / "etcd.log"
        process = spawn(
            [
                tool("etcd"),
                "--data-dir",
                str(self.root / "etcd"),
                "--name",
                "test",
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                f"test={peer}",
                "--unsafe-no-fsync",
                "--log-level",
                "warn",
            ],
            log=log,
        )
        self.processes.append(process)
        wait_until(
            lambda: requests.get(f"{client}/health", timeout=1).ok,
            timeout=60,
            what="etcd",
            process=process,
            log=log,
        )

    def _start_apiserver(self) -> None:
        key = self._service_account_key()
        tokens = self.root / "tokens.csv"
        tokens.write_text(f'{self.token},admin,admin-uid,"system:masters"\n')
        log = self.root / "kube-apiserver.log"
        process = spawn(
            [
                tool("kube-apiserver"),
                "--etcd-servers",
                f"http://127.0.0.1:{self.etcd_port}",
                "--bind-address",
                "127.0.0.1",
                "--advertise-address",
                "127.0.0.1",
                "--secure-port",
                str(self.port),
                "--cert-dir",
                str(self.root / "certs"),
                "--token-auth-file",
                str(tokens),
                "--authorization-mode",
                "RBAC",
                "--service-account-issuer",
                "https://kubernetes.default.svc",
                "--service-account-key-file",
                str(key),
                "--service-account-signing-key-file",
                str(key),
                "--service-cluster-ip-range",
                "10.96.0.0/16",
                "--enable-priority-and-fairness=false",
                "--profiling=false",
                "--v",
                "0",
            ],
            log=log,
        )
        self.processes.append(process)
        wait_until(self._ready, timeout=120, what="kube-apiserver", process=process, log=log)

    def _ready(self) -> bool:
        response = requests.get(
            f"{self.server}/readyz",
            headers={"Authorization": f"Bearer {self.token}"},
            verify=str(self.ca_file),
            timeout=2,
        )
        return response.status_code == 200

    def _service_account_key(self) -> Path:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path = self.root / "service-account.key"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
        return path

    def _write_kubeconfig(self) -> None:
        self.kubeconfig.write_text(
            f"""apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: {self.server}
    certificate-authority: {self.ca_file}
users:
- name: admin
  user:
    token: {self.token}
contexts:
- name: test
  context: {{cluster: test, user: admin, namespace: default}}
current-context: test
"""
        )
