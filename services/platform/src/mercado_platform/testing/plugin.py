"""pytest fixtures for real servers: one private server per test run, one database,
virtual host or namespace per test, so runs and tests never see each other's data."""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mercado_platform.messaging.contracts import STRICT_VARIABLE
from mercado_platform.testing.kube import KubeCluster
from mercado_platform.testing.postgres import PostgresServer
from mercado_platform.testing.rabbitmq import RabbitServer
from mercado_platform.testing.smtp import SmtpSink
from mercado_platform.testing.stripe import StripeMock
from mercado_platform.testing.tokens import JwksServer, SigningKey

SERVER_FIXTURES = {
    "postgres_server",
    "disposable_postgres",
    "rabbitmq_server",
    "kube_cluster",
    "stripe_mock",
}


def pytest_configure(config: pytest.Config) -> None:
    """Register the `servers` marker; make every event published in tests meet a contract."""
    config.addinivalue_line("markers", "servers: uses a real PostgreSQL, RabbitMQ or Kubernetes")
    os.environ[STRICT_VARIABLE] = "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a real server, so `-m "not servers"` picks the fast ones."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the whole test run."""
    server = PostgresServer().start()
    yield server
    server.destroy()


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def disposable_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own, free to be stopped and started."""
    server = PostgresServer().start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[RabbitServer]:
    """A private RabbitMQ node for the whole test run."""
    server = RabbitServer().start()
    yield server
    server.destroy()


@pytest.fixture
def amqp_url(rabbitmq_server: RabbitServer) -> Iterator[str]:
    """The URL of a new virtual host, deleted after the test."""
    vhost = rabbitmq_server.create_vhost()
    yield rabbitmq_server.amqp_url(vhost)
    rabbitmq_server.delete_vhost(vhost)


@pytest.fixture(scope="session")
def kube_cluster() -> Iterator[KubeCluster]:
    """etcd + kube-apiserver for the whole test run."""
    cluster = KubeCluster().start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    """A real JWKS endpoint; tests append the keys it publishes."""
    server = JwksServer()
    yield server
    server.stop()


@pytest.fixture
def signing_key(jwks_server: JwksServer) -> SigningKey:
    """A key published by `jwks_server`, to sign test access tokens with."""
    key = SigningKey()
    jwks_server.keys.append(key)
    return key


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on a free loopback port, keeping every message it accepts."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def make_smtp_sink() -> Iterator[Callable[..., SmtpSink]]:
    """Start SMTP sinks with other options (`security`, `username`, `password`)."""
    sinks: list[SmtpSink] = []

    def make(**options: Any) -> SmtpSink:
        sinks.append(SmtpSink(**options).start())
        return sinks[-1]

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture
def stripe_mock() -> Iterator[StripeMock]:
    """stripe-mock of the test's own (`.url`, `.api_base`, `.api_key`), free to be stopped."""
    server = StripeMock().start()
    yield server
    server.destroy()


@pytest.fixture
def make_service_app() -> Iterator[Callable[[Any, Any], Any]]:
    """Build a service's Flask app from its spec and settings, in testing mode; each app's
    database pool is closed after the test (list this fixture after the database's in a
    fixture's arguments, so that it is torn down first)."""
    from mercado_platform.service import create_app  # Flask and the app only where used

    apps: list[Any] = []

    def build(spec: Any, settings: Any) -> Any:
        app = create_app(spec, settings)
        app.testing = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["mercado.service"].close()


@pytest.fixture
def make_grpc_server() -> Iterator[Callable[[Any, Any], Any]]:
    """Start a service's real gRPC server (its `grpc` role, in this process) on a free
    loopback port from its spec and settings; `.port` is where; stopped after the test."""
    from mercado_platform.rpc.server import GrpcServer  # grpcio only where used

    servers: list[Any] = []

    def start(spec: Any, settings: Any) -> Any:
        service = spec.start(settings, pool_size=settings.grpc_threads)
        servers.append(GrpcServer(service, host="127.0.0.1", port=0).start())
        servers[-1].service = service
        return servers[-1]

    yield start
    for server in servers:
        server.stop(grace=1)
        server.service.close()
