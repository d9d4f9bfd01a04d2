"""The availability check over gRPC (INVENTORY_TRANSPORT=grpc), against a real gRPC server
standing in for inventory: the HTTP client's deadline, retries and circuit breaker."""

import time
from decimal import Decimal

import grpc
import pytest

from mercado_orders.adapters.inventory import CircuitBreaker
from mercado_orders.adapters.inventory_grpc import GrpcInventoryClient
from mercado_orders.config import Settings
from mercado_orders.domain.pricing import CatalogueEntry, RequestedLine
from mercado_platform.config import ConfigError, load_settings
from mercado_platform.testing.processes import free_port

from .support import GrpcInventoryStub, outbox, product


@pytest.fixture
def stub():
    server = GrpcInventoryStub()
    yield server
    server.server.stop(0)


def client_of(target: str, *, timeout: float = 0.3, attempts: int = 2, failures: int = 5):
    breaker = CircuitBreaker(failures, reset_seconds=30)
    return GrpcInventoryClient(target, timeout=timeout, attempts=attempts, breaker=breaker)


def test_the_answer_is_the_catalogue_inventory_gave(stub):
    stub.stock = {"p-1": ("19.99", 4)}
    answer = client_of(stub.target).availability(
        [RequestedLine("p-1", 2, "19.99"), RequestedLine("p-2", 1, "1.00")]
    )
    assert answer == {"p-1": CatalogueEntry("p-1", "", Decimal("19.99"), True, 4)}


def test_a_slow_inventory_is_asked_twice_within_the_deadlines_then_given_up(stub):
    stub.delay = 1.0
    started = time.monotonic()
    assert client_of(stub.target, timeout=0.2).availability([RequestedLine("p", 1, "1")]) is None
    assert time.monotonic() - started < 0.9, "two deadlines of 0.2 s and a backoff, no more"
    assert stub.calls == 2


def test_an_absent_inventory_is_given_up_at_once():
    started = time.monotonic()
    client = client_of(f"127.0.0.1:{free_port()}")
    assert client.availability([RequestedLine("p", 1, "1")]) is None
    assert time.monotonic() - started < 0.9


def test_ids_inventory_cannot_parse_are_products_it_does_not_know(stub):
    stub.failing = grpc.StatusCode.INVALID_ARGUMENT
    assert client_of(stub.target).availability([RequestedLine("x", 1, "1")]) == {}
    assert stub.calls == 1, "a refusal is an answer: not retried, not a failure"


@pytest.fixture
def grpc_app(make_orders_app, stub):
    def make(**settings):
        return make_orders_app(
            inventory_transport="grpc", inventory_grpc_target=stub.target, **settings
        )

    return make


def test_orders_are_priced_by_inventory_over_grpc(grpc_app, shopper_for, stub, orders_db):
    mug = product(orders_db, "Mug", "19.99")
    stub.stock = {mug: ("21.00", 3)}
    shopper = shopper_for(grpc_app().test_client())
    refused = shopper.order([(mug, 1, "19.99")])
    assert (refused.status_code, refused.get_json()["code"]) == (409, "price_changed")
    short = shopper.order([(mug, 4, "21.00")])
    assert short.get_json()["errors"][0]["available"] == 3
    assert shopper.order([(mug, 3, "21.00")]).status_code == 200
    assert stub.calls == 3


def test_a_failing_inventory_trips_the_breaker_and_orders_still_flow(
    grpc_app, shopper_for, stub, orders_db
):
    mug = product(orders_db, "Mug", "19.99")
    shopper = shopper_for(
        grpc_app(inventory_attempts=1, inventory_timeout_seconds=10).test_client()
    )
    stub.failing = grpc.StatusCode.INTERNAL
    for _ in range(7):
        assert shopper.order([(mug, 1, "19.99")]).status_code == 200
    assert stub.calls == 5, "after 5 failures in a row the breaker stops calling"
    assert len(outbox(orders_db, "order.placed")) == 7


def test_grpc_needs_a_target(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://o@127.0.0.1/o")
    monkeypatch.setenv("AMQP_URL", "amqp://o@127.0.0.1/")
    monkeypatch.setenv("INVENTORY_TRANSPORT", "grpc")
    with pytest.raises(ConfigError, match="INVENTORY_GRPC_TARGET is required when"):
        load_settings(Settings)
    monkeypatch.setenv("INVENTORY_TRANSPORT", "carrier-pigeon")
    with pytest.raises(ConfigError, match="INVENTORY_TRANSPORT"):
        load_settings(Settings)
