"""Placing and managing orders on in-memory fakes: prices, the Idempotency-Key, inactive
customers, inventory's absence, and who may cancel, fulfil or retry what. The API tests
run the same use cases on PostgreSQL."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mercado_orders.domain.errors import (
    CatalogueUnavailable,
    CustomerInactive,
    IdempotencyKeyReused,
    IllegalTransition,
    InsufficientStock,
    OrderNotFound,
    PriceChanged,
)
from mercado_orders.domain.model import Line, Order, Status, StatusChange
from mercado_orders.domain.pricing import CatalogueEntry, RequestedLine
from mercado_orders.service_layer import managing
from mercado_orders.service_layer.ordering import PlaceOrder, place_order
from mercado_platform.auth import Caller

from .fakes import FakeUnitOfWork

NOW = datetime(2030, 1, 1, tzinfo=UTC)
CUSTOMER = "c0ffee00-0000-4000-8000-000000000001"
MUG = CatalogueEntry("6f1d7f1a-8d0c-4a3e-9b6a-000000000010", "Mug", Decimal("19.99"))
TWO_MUGS = [RequestedLine(MUG.product_id, 2, Decimal("19.99"))]


def inventory_says(*entries: CatalogueEntry):
    return lambda _lines: {entry.product_id: entry for entry in entries}


def inventory_down(_lines):
    return None


def command(lines=TWO_MUGS, *, key: str | None = None, body: dict | None = None) -> PlaceOrder:
    return PlaceOrder(CUSTOMER, lines, "brl", CUSTOMER, body or {"n": 1}, idempotency_key=key)


def test_an_order_is_stored_at_the_catalogue_price_and_placed_with_its_lines():
    uow = FakeUnitOfWork()
    answer = place_order(uow, command(), inventory_says(MUG))
    assert (answer.status, answer.body["status"]) == (200, "received")
    [placed] = uow.published
    assert placed.type == "order.placed" and placed.data["total"] == "39.98"
    assert placed.data["items"][0] == {
        "product_id": MUG.product_id,
        "quantity": 2,
        "unit_price": "19.99",
        "line_total": "39.98",
    }
    assert uow.orders.stored[answer.body["order_id"]].status is Status.RECEIVED


def test_a_retry_with_the_same_key_gets_the_first_answer_and_places_nothing_more():
    uow = FakeUnitOfWork()
    first = place_order(uow, command(key="k1"), inventory_says(MUG))
    again = place_order(uow, command(key="k1"), inventory_says(MUG))
    assert again == first and uow.kinds() == ["order.placed"]
    with pytest.raises(IdempotencyKeyReused):
        place_order(uow, command(key="k1", body={"n": 2}), inventory_says(MUG))


def test_the_server_is_the_authority_on_prices_and_stock():
    cheaper = CatalogueEntry(MUG.product_id, "Mug", Decimal("17.50"))
    with pytest.raises(PriceChanged) as changed:
        place_order(FakeUnitOfWork(), command(), inventory_says(cheaper))
    assert changed.value.problems[0].current_price == Decimal("17.50")
    short = CatalogueEntry(MUG.product_id, "Mug", Decimal("19.99"), available=1)
    with pytest.raises(InsufficientStock):
        place_order(FakeUnitOfWork(), command(), inventory_says(short))


def test_without_inventory_the_local_catalogue_prices_the_order_or_it_waits():
    uow = FakeUnitOfWork(catalogue=[MUG])
    assert place_order(uow, command(), inventory_down).status == 200
    with pytest.raises(CatalogueUnavailable):
        place_order(FakeUnitOfWork(), command(), inventory_down)


@pytest.mark.parametrize("state", ["disabled", "deleted"])
def test_an_inactive_customer_cannot_order(state):
    uow = FakeUnitOfWork(customers={CUSTOMER: state})
    with pytest.raises(CustomerInactive):
        place_order(uow, command(), inventory_says(MUG))
    assert uow.published == []


def an_order(status: Status) -> Order:
    line = Line(MUG.product_id, "Mug", 2, MUG.price)
    history = [StatusChange(status, "set up by the test", NOW)]
    return Order("order-1", CUSTOMER, status, [line], "brl", NOW, history=history)


OWNER, STAFF, STRANGER = Caller(CUSTOMER), Caller("staff-1", any_owner=True), Caller("someone")


@pytest.mark.parametrize(
    ("status", "caller", "reason", "was_paid"),
    [
        (Status.AWAITING_PAYMENT, OWNER, "cancelled_by_customer", False),
        (Status.PAID, OWNER, "cancelled_by_customer", True),
        (Status.RECEIVED, STAFF, "cancelled_by_staff", False),
    ],
)
def test_cancelling_releases_the_stock_and_refunds_what_was_paid(status, caller, reason, was_paid):
    uow = FakeUnitOfWork([an_order(status)])
    assert managing.cancel_order(uow, "order-1", caller).status is Status.CANCELLED
    [cancelled] = uow.published
    assert (cancelled.data["reason"], cancelled.data["was_paid"]) == (reason, was_paid)


def test_another_customers_order_is_not_found_and_untouched():
    uow = FakeUnitOfWork([an_order(Status.PAID)])
    with pytest.raises(OrderNotFound):
        managing.cancel_order(uow, "order-1", STRANGER)
    assert (uow.orders.saved, uow.published) == ([], [])


def test_a_completed_order_cannot_be_cancelled():
    uow = FakeUnitOfWork([an_order(Status.COMPLETED)])
    with pytest.raises(IllegalTransition):
        managing.cancel_order(uow, "order-1", OWNER)
    assert uow.commits == 0


@pytest.mark.parametrize(
    ("status", "resent"),
    [(Status.RECEIVED, "order.placed"), (Status.AWAITING_PAYMENT, "payment.requested")],
)
def test_a_stuck_order_gets_the_event_it_waits_on_again(status, resent):
    uow = FakeUnitOfWork([an_order(status)])
    managing.retry_step(uow, "order-1", STAFF)
    assert uow.kinds() == [resent]


def test_an_order_that_waits_on_nothing_cannot_be_retried():
    uow = FakeUnitOfWork([an_order(Status.PAID)])
    with pytest.raises(IllegalTransition):
        managing.retry_step(uow, "order-1", STAFF)
