"""The saga's rules on in-memory fakes: which event moves an order in which status, what it
publishes then, and with which lines. The same handlers run on the real broker and
database in test_orders_saga.py; these say the whole table fast."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mercado_orders.domain.model import Line, Order, Status, StatusChange
from mercado_orders.service_layer import saga
from mercado_platform.messaging.events import Event

from .fakes import FakeUnitOfWork

NOW = datetime(2030, 1, 1, tzinfo=UTC)
ORDER_ID = "7b0c5a4e-3f0e-4a55-9d7e-000000000001"
MUG = Line("6f1d7f1a-8d0c-4a3e-9b6a-000000000010", "Mug", 2, Decimal("19.99"))
REJECTED_LINE = {"product_id": MUG.product_id, "requested": 2, "available": 1, "reason": "short"}
EVENTS = {
    "stock.reserved": ("inventory", {"lines": [], "expires_at": None, "revision": 1}),
    "stock.rejected": ("inventory", {"lines": [REJECTED_LINE], "revision": 1}),
    "stock.released": ("inventory", {"reason": "expired", "lines": []}),
    "payment.link_created": (
        "payments",
        {"url": "https://pay/cs_1", "expires_at": "2030-01-02T00:00:00+00:00"},
    ),
    "payment.succeeded": ("payments", {}),
    "payment.failed": ("payments", {"reason": "card_declined"}),
    "payment.expired": ("payments", {}),
    "payment.refunded": ("payments", {}),
}
R, A, P, C = Status.RECEIVED, Status.AWAITING_PAYMENT, Status.PAID, Status.CANCELLED
DONE, REJ = Status.COMPLETED, Status.REJECTED
# event type: {status the order is in: (status it ends in, events orders publishes)}
TABLE = {
    "stock.reserved": {R: (A, ["payment.requested"])},
    "stock.rejected": {R: (REJ, ["order.rejected"])},
    "stock.released": {
        R: (C, ["order.cancelled"]),
        A: (C, ["order.cancelled"]),
    },
    "payment.link_created": {R: (R, []), A: (A, [])},
    "payment.succeeded": {A: (P, ["order.paid"]), C: (C, ["order.cancelled"])},
    "payment.failed": {R: (C, ["order.cancelled"]), A: (C, ["order.cancelled"])},
    "payment.expired": {R: (C, ["order.cancelled"]), A: (C, ["order.cancelled"])},
    "payment.refunded": {status: (status, []) for status in Status},
}


def an_order(status: Status, *, revision: int = 1) -> Order:
    return Order(
        id=ORDER_ID,
        customer_id="c0ffee00-0000-4000-8000-000000000001",
        status=status,
        lines=[MUG],
        currency="brl",
        created_at=NOW,
        revision=revision,
        history=[StatusChange(status, "set up by the test", NOW)],
    )


def event(kind: str, **data) -> Event:
    producer, defaults = EVENTS[kind]
    payment = {"payment_id": "pay-1", "amount": "39.98", "currency": "brl"}
    common = {"order_id": ORDER_ID, **(payment if producer == "payments" else {})}
    return Event(kind, {**common, **defaults, **data}, f"/mercado/{producer}")


def consume(uow: FakeUnitOfWork, message: Event) -> Order:
    """What the consumer does: the handler inside its transaction, then the commit."""
    with uow:
        saga.HANDLERS[message.type](message, uow)
        uow.commit()
    return uow.orders.stored[ORDER_ID]


@pytest.mark.parametrize("kind", sorted(EVENTS))
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_each_event_moves_an_order_only_from_the_statuses_it_applies_to(kind, status):
    uow = FakeUnitOfWork([an_order(status)])
    after = consume(uow, event(kind))
    ends_in, published = TABLE[kind].get(status, (status, []))
    assert (after.status, uow.kinds()) == (ends_in, published)
    assert uow.orders.saved == [(ORDER_ID, kind)], "every event is recorded as the last seen"


def test_the_table_covers_every_event_the_saga_handles():
    assert set(TABLE) == set(EVENTS) == set(saga.HANDLERS)


def test_reserved_stock_asks_payment_for_the_order_total_and_its_lines():
    uow = FakeUnitOfWork([an_order(R)])
    consume(uow, event("stock.reserved"))
    [requested] = uow.published
    assert requested.data["amount"] == "39.98" and requested.data["currency"] == "brl"
    assert requested.data["items"] == [
        {"product_id": MUG.product_id, "name": "Mug", "quantity": 2, "unit_price": "19.99"}
    ]


def test_an_answer_about_lines_since_edited_is_superseded():
    uow = FakeUnitOfWork([an_order(R, revision=2)])
    for kind in ("stock.reserved", "stock.rejected"):
        after = consume(uow, event(kind, revision=1))
        assert (after.status, uow.published) == (R, [])
    assert consume(uow, event("stock.reserved", revision=2)).status is A


def test_a_rejection_tells_the_customer_which_lines_and_why():
    uow = FakeUnitOfWork([an_order(R)])
    after = consume(uow, event("stock.rejected"))
    [rejected] = uow.published
    assert rejected.data["lines"] == [REJECTED_LINE]
    assert after.history[-1].cause == f"stock rejected: {MUG.product_id} short"


def test_only_an_expiry_releases_an_open_order():
    uow = FakeUnitOfWork([an_order(A)])
    assert consume(uow, event("stock.released", reason="cancelled")).status is A
    after = consume(uow, event("stock.released", reason="expired"))
    [cancelled] = uow.published
    assert after.status is C
    assert (cancelled.data["reason"], cancelled.data["was_paid"]) == (
        "reservation_expired",
        False,
    )


def test_a_payment_after_cancelling_is_given_back():
    uow = FakeUnitOfWork([an_order(C)])
    after = consume(uow, event("payment.succeeded"))
    [cancelled] = uow.published
    assert (cancelled.data["reason"], cancelled.data["was_paid"]) == (
        "paid_after_cancellation",
        True,
    )
    assert after.history[-1].cause == "paid after cancellation; refund requested"


def test_a_failed_or_expired_payment_cancels_with_its_own_reason():
    for kind, reason in (
        ("payment.failed", "payment_failed"),
        ("payment.expired", "payment_expired"),
    ):
        uow = FakeUnitOfWork([an_order(A)])
        consume(uow, event(kind))
        [cancelled] = uow.published
        assert (cancelled.data["reason"], cancelled.data["was_paid"]) == (reason, False)


def test_the_payment_link_is_kept_on_the_order():
    uow = FakeUnitOfWork([an_order(A)])
    assert consume(uow, event("payment.link_created")).payment_url == "https://pay/cs_1"


def test_an_event_for_an_unknown_order_changes_nothing():
    uow = FakeUnitOfWork([])
    with uow:
        saga.HANDLERS["payment.succeeded"](event("payment.succeeded"), uow)
        uow.commit()
    assert (uow.orders.stored, uow.orders.saved, uow.published) == ({}, [], [])
