"""Mercado in local mode, once for every e2e test (each makes its own customers and
products), reached only through its nginx gateway, as a client would; every process traced
into a collector and Jaeger, as `make run-local` runs it."""

import uuid

import pytest

from mercado_local.layout import Endpoints
from mercado_local.runner import LocalMercado
from mercado_local.servers import Servers
from mercado_local.tracing import TraceStore

from .client import Client, register


@pytest.fixture(scope="session")
def mercado(postgres_server, rabbitmq_server, tmp_path_factory):
    vhost = rabbitmq_server.create_vhost()
    servers = Servers(postgres_server.url(), rabbitmq_server.amqp_url(vhost))
    workdir = tmp_path_factory.mktemp("e2e")
    running = LocalMercado(
        workdir,
        servers,
        database_prefix=f"e2e_{uuid.uuid4().hex[:8]}_",
        traces=TraceStore(workdir / "traces"),
    )
    try:
        yield running.start()
    finally:
        running.stop()
        rabbitmq_server.delete_vhost(vhost)


@pytest.fixture(scope="session")
def api(mercado) -> Endpoints:
    """The one place e2e tests send requests to: the gateway."""
    assert mercado.endpoints.gateway is not None
    return mercado.endpoints


@pytest.fixture(scope="session")
def admin(mercado, api) -> Client:
    return Client(api, mercado.seeded.admin_token)


@pytest.fixture
def customer(api) -> Client:
    """A newly registered and logged-in customer, `.id` being their customer id."""
    return register(api)


AVAILABILITY_LOGS = {
    "grpc": ("inventory-grpc.log", "/mercado.inventory.v1.Inventory/CheckAvailability"),
    "http": ("inventory-serve.log", "POST /api/stock/availability"),
}


@pytest.fixture(scope="module", params=list(AVAILABILITY_LOGS))
def availability_over(request, mercado) -> str:
    """The transport of orders' availability check for the module's tests: its API is
    restarted with INVENTORY_TRANSPORT set (and set back after)."""
    orders = mercado.running["orders"]
    before = orders.env.get("INVENTORY_TRANSPORT")

    def use(transport: str | None) -> None:
        if orders.env.get("INVENTORY_TRANSPORT") != transport:
            orders.stop("serve")
            orders.env["INVENTORY_TRANSPORT"] = transport
            orders.start("serve")

    use(request.param)
    yield request.param
    use(before)


@pytest.fixture
def availability_checks(mercado, availability_over):
    """How many availability checks inventory has answered over the module's transport."""
    log, line = AVAILABILITY_LOGS[availability_over]
    return lambda: (mercado.workdir / log).read_text().count(line)
