"""Fixtures of the operator's tests: one operator process for the whole package, run with a
token of its chart's ServiceAccount; per test a fresh namespace, admin Secrets and vhost."""

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from kubernetes import client, config
from kubernetes.client import ApiClient

from mercado_platform.testing.kube import KubeCluster
from mercado_platform.testing.postgres import PostgresServer
from mercado_platform.testing.processes import free_port, spawn, stop_process, wait_until
from mercado_platform.testing.rabbitmq import PASSWORD, USER, RabbitServer

from .cluster import (
    CustomResources,
    container_command,
    install,
    of_kind,
    render,
    service_account_kubeconfig,
)

DRIFT_INTERVAL_SECONDS = 3
RETRY_DELAY_SECONDS = 2


@dataclass
class OperatorProcess:
    """The running operator and where to look at it."""

    process: object
    log: Path
    liveness_port: int
    metrics_port: int
    release: str
    namespace: str
    service_account: str
    pod: str
    command: list[str]
    env: dict[str, str]

    def alive(self) -> bool:
        url = f"http://127.0.0.1:{self.liveness_port}/healthz"
        return requests.get(url, timeout=2).status_code == 200

    def metrics(self) -> str:
        return requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text

    def metric(self, name: str, **labels: str) -> float:
        """The value of one sample, 0 when it was never recorded."""
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in self.metrics().splitlines():
            if line.startswith(f"{name}{{{wanted}}} "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


@dataclass
class Broker:
    """A fresh virtual host on the test RabbitMQ and the admin Secret pointing at it."""

    server: RabbitServer
    vhost: str
    secret: str

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return self.server.api.request(
            method, f"{self.server.management_url}/api/{path}", timeout=10, **kwargs
        )

    def queue(self, name: str) -> dict | None:
        response = self.api("GET", f"queues/{self.quoted}/{quote(name, safe='')}")
        return response.json() if response.ok else None

    def bindings(self, queue: str) -> set[tuple[str, str]]:
        found = self.api("GET", f"queues/{self.quoted}/{quote(queue, safe='')}/bindings").json()
        return {(b["source"], b["routing_key"]) for b in found if b["source"]}

    def permissions(self, user: str) -> dict | None:
        response = self.api("GET", f"permissions/{self.quoted}/{quote(user, safe='')}")
        return response.json() if response.ok else None

    @property
    def quoted(self) -> str:
        return quote(self.vhost, safe="")

    @property
    def admin_url(self) -> str:
        return self.server.amqp_url(self.vhost)


@pytest.fixture(scope="package")
def kube_api(kube_cluster: KubeCluster) -> Iterator[ApiClient]:
    api = config.new_client_from_config(config_file=str(kube_cluster.kubeconfig))
    yield api
    api.close()


@pytest.fixture(scope="package")
def operator(kube_cluster, kube_api, tmp_path_factory) -> Iterator[OperatorProcess]:
    """The chart installed (CRDs, RBAC, ServiceAccount, Deployment, peering) and its container
    command run here, as the chart's ServiceAccount, with short drift and retry intervals."""
    release = f"op-{uuid.uuid4().hex[:6]}"
    namespace = f"{release}-system"
    liveness, metrics = free_port(), free_port()
    docs = render(
        release,
        namespace,
        {
            "livenessPort": liveness,
            "metrics.port": metrics,
            "operator.driftIntervalSeconds": DRIFT_INTERVAL_SECONDS,
            "operator.retryDelaySeconds": RETRY_DELAY_SECONDS,
        },
    )
    client.CoreV1Api(kube_api).create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace))
    )
    install(kube_api, docs)
    deployment = of_kind(docs, "Deployment")[0]
    account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    root = tmp_path_factory.mktemp("operator")
    kubeconfig = service_account_kubeconfig(
        kube_api, kube_cluster, namespace, account, root / "kubeconfig"
    )
    pod = f"{release}-7d4b9c-x1"
    command, env = container_command(deployment, pod)
    log = root / "operator.log"
    env["KUBECONFIG"] = str(kubeconfig)
    process = spawn(command, log=log, env=env)
    running = OperatorProcess(
        process, log, liveness, metrics, release, namespace, account, pod, command, env
    )
    wait_until(running.alive, timeout=60, what="operator", process=process, log=log)
    yield running
    stop_process(process)


@pytest.fixture(scope="package")
def checked_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the package's own that checks passwords (SCRAM) of every role but
    the superuser: the shared test server trusts everyone, which would prove nothing here."""
    server = PostgresServer().start()
    (server.root / "data" / "pg_hba.conf").write_text(HBA)
    server.execute("SELECT pg_reload_conf()")
    yield server
    server.destroy()


HBA = """\
local all postgres trust
host all postgres 127.0.0.1/32 trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
"""


@pytest.fixture
def namespace(kube_api) -> Iterator[str]:
    """A fresh namespace (never finishes terminating: there is no namespace controller)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(kube_api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


@pytest.fixture
def resources(kube_api, namespace, operator) -> Iterator[CustomResources]:
    """Create Databases and MessagingTopologies; deleted (through the operator) afterwards."""
    crs = CustomResources(kube_api, namespace)
    yield crs
    crs.delete_all()


@pytest.fixture
def secrets(kube_api, namespace) -> "SecretsHelper":
    return SecretsHelper(client.CoreV1Api(kube_api), namespace)


@pytest.fixture
def postgres_secret(secrets, checked_postgres) -> str:
    """A Secret with the password-checking PostgreSQL server's admin URL under `uri`."""
    secrets.create("postgres-admin", {"uri": checked_postgres.url()})
    return "postgres-admin"


@pytest.fixture
def broker(secrets, rabbitmq_server) -> Iterator[Broker]:
    vhost = rabbitmq_server.create_vhost()
    secrets.create("rabbitmq-admin", broker_secret(rabbitmq_server.management_url, rabbitmq_server))
    yield Broker(rabbitmq_server, vhost, "rabbitmq-admin")
    rabbitmq_server.delete_vhost(vhost)


def broker_secret(management_url: str, server: RabbitServer) -> dict[str, str]:
    """The admin Secret's entries for a broker reached at `management_url`."""
    return {
        "management-uri": management_url,
        "username": USER,
        "password": PASSWORD,
        "host": "127.0.0.1",
        "port": str(server.amqp_port),
    }


@dataclass
class SecretsHelper:
    """Secrets in the test namespace, as the admin sees them."""

    core: client.CoreV1Api
    namespace: str

    def create(self, name: str, data: dict[str, str]) -> None:
        self.core.create_namespaced_secret(
            self.namespace,
            client.V1Secret(metadata=client.V1ObjectMeta(name=name), string_data=data),
        )

    def read(self, name: str) -> dict[str, str] | None:
        try:
            secret = self.core.read_namespaced_secret(name, self.namespace)
        except client.exceptions.ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}

    def raw(self, name: str) -> client.V1Secret:
        return self.core.read_namespaced_secret(name, self.namespace)

    def delete(self, name: str) -> None:
        self.core.delete_namespaced_secret(name, self.namespace)


def unique(prefix: str) -> str:
    """A random name that never collides between tests."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"
