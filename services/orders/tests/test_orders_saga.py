"""The saga driven through the real broker: orders' consumer and relay run as processes;
the test plays inventory and payments by publishing their events."""

import pytest

from mercado_platform.testing.polling import eventually, holds

from .saga_harness import Saga
from .support import product

LINK = "https://pay.example/checkout/cs_test_1"


@pytest.fixture
def saga(orders_db, database_url, amqp_url, tmp_path):
    harness = Saga(database_url, amqp_url, tmp_path)
    yield harness
    harness.close()


@pytest.fixture
def placed(saga, shopper, orders_db, inventory):
    """An order placed through the API and seen on the broker as order.placed."""
    mug = product(orders_db, "Mug", "19.99")
    inventory.stock = {mug: ("19.99", 5)}
    order_id = shopper.order([(mug, 2, "19.99")]).get_json()["order_id"]
    [event] = saga.published("order.placed", order_id)
    return order_id, event["data"]["items"][0]["product_id"]


def status_of(shopper, order_id: str, wanted: str) -> dict:
    return eventually(
        lambda: (
            (order := shopper.get(f"/api/orders/{order_id}").get_json())["status"] == wanted
            and order
        ),
        timeout=30,
        what=f"order {order_id} {wanted}",
    )


def reserve(saga, order_id: str, product_id: str, *, revision: int = 1, **kwargs):
    line = {"product_id": product_id, "quantity": 2}
    data = {"order_id": order_id, "lines": [line], "expires_at": "2030-01-01T00:00:00+00:00"}
    return saga.publish("inventory", "stock.reserved", {**data, "revision": revision}, **kwargs)


def payment(saga, kind: str, order_id: str, **extra):
    data = {"order_id": order_id, "payment_id": "pay-1", "amount": "39.98", "currency": "brl"}
    return saga.publish("payments", kind, {**data, **extra})


def test_happy_path_reserved_paid_completed(saga, placed, shopper, staff):
    order_id, mug = placed
    reserve(saga, order_id, mug)
    [requested] = saga.published("payment.requested", order_id)
    assert requested["data"]["amount"] == "39.98" and requested["data"]["items"][0]["name"] == "Mug"
    status_of(shopper, order_id, "awaiting_payment")
    saga.publish(
        "payments",
        "payment.link_created",
        {
            "order_id": order_id,
            "payment_id": "pay-1",
            "url": LINK,
            "expires_at": "2030-01-01T00:00:00Z",
        },
    )
    assert eventually(
        lambda: shopper.get(f"/api/orders/{order_id}").get_json()["payment_url"] == LINK
    )
    payment(saga, "payment.succeeded", order_id)
    [paid] = saga.published("order.paid", order_id)
    assert paid["data"]["total"] == "39.98"
    status_of(shopper, order_id, "paid")
    completed = staff.post(f"/api/orders/{order_id}/fulfil").get_json()
    assert [h["status"] for h in completed["history"]] == [
        "received",
        "awaiting_payment",
        "paid",
        "completed",
    ]


def test_stock_rejected_rejects_the_order_with_the_reason(saga, placed, shopper):
    order_id, mug = placed
    line = {"product_id": mug, "requested": 2, "available": 1, "reason": "insufficient_stock"}
    saga.publish("inventory", "stock.rejected", {"order_id": order_id, "lines": [line]})
    [rejected] = saga.published("order.rejected", order_id)
    assert rejected["data"]["lines"] == [line]
    order = status_of(shopper, order_id, "rejected")
    assert "insufficient_stock" in order["history"][-1]["cause"]


def test_payment_expired_cancels_and_releases(saga, placed, shopper):
    order_id, mug = placed
    reserve(saga, order_id, mug)
    saga.published("payment.requested", order_id)
    payment(saga, "payment.expired", order_id)
    [cancelled] = saga.published("order.cancelled", order_id)
    assert cancelled["data"]["reason"] == "payment_expired" and not cancelled["data"]["was_paid"]
    status_of(shopper, order_id, "cancelled")


def test_reservation_expiry_cancels_an_unpaid_order(saga, placed, shopper):
    order_id, mug = placed
    reserve(saga, order_id, mug)
    saga.published("payment.requested", order_id)
    line = {"product_id": mug, "quantity": 2}
    saga.publish(
        "inventory", "stock.released", {"order_id": order_id, "reason": "expired", "lines": [line]}
    )
    [cancelled] = saga.published("order.cancelled", order_id)
    assert cancelled["data"]["reason"] == "reservation_expired"


def test_cancel_before_and_after_payment(saga, placed, shopper):
    order_id, mug = placed
    reserve(saga, order_id, mug)
    status_of(shopper, order_id, "awaiting_payment")
    payment(saga, "payment.succeeded", order_id)
    status_of(shopper, order_id, "paid")
    assert shopper.post(f"/api/orders/{order_id}/cancel").status_code == 200
    [cancelled] = saga.published("order.cancelled", order_id)
    assert cancelled["data"]["was_paid"] is True
    payment(saga, "payment.refunded", order_id)
    refunded = eventually(
        lambda: (
            "refunded" in shopper.get(f"/api/orders/{order_id}").get_json()["history"][-1]["cause"]
        )
    )
    assert refunded


def test_paid_after_cancellation_asks_for_a_refund(saga, placed, shopper):
    order_id, mug = placed
    assert shopper.post(f"/api/orders/{order_id}/cancel").status_code == 200
    reserve(saga, order_id, mug)  # late: inventory answers after the customer cancelled
    payment(saga, "payment.succeeded", order_id)
    cancellations = saga.published("order.cancelled", order_id, count=2)
    assert [c["data"]["was_paid"] for c in cancellations] == [False, True]
    assert saga.matching("payment.requested", order_id) == []
    status_of(shopper, order_id, "cancelled")


def test_duplicated_and_reordered_events_change_nothing(saga, placed, shopper):
    order_id, mug = placed
    payment(saga, "payment.succeeded", order_id)  # before the reservation: out of order
    first = reserve(saga, order_id, mug)
    reserve(saga, order_id, mug, event_id=first.id)  # the broker redelivers it
    reserve(saga, order_id, mug)  # inventory publishes it twice
    saga.published("payment.requested", order_id)
    assert holds(lambda: len(saga.matching("payment.requested", order_id)) == 1, seconds=2)
    assert saga.matching("order.paid", order_id) == []
    order = status_of(shopper, order_id, "awaiting_payment")
    assert [h["status"] for h in order["history"]] == ["received", "awaiting_payment"]


def test_an_answer_about_lines_since_edited_is_superseded(saga, placed, shopper, orders_db):
    order_id, mug = placed
    body = {"products": [{"product_id": mug, "quantity": 1, "price": 19.99}]}
    assert (
        shopper.client.patch(
            f"/api/orders/{order_id}", json=body, headers=shopper.headers
        ).status_code
        == 200
    )
    [_, again] = saga.published("order.placed", order_id, count=2)
    assert again["data"]["revision"] == 2
    reserve(saga, order_id, mug)  # inventory's answer to revision 1, crossing the edit
    assert holds(lambda: saga.matching("payment.requested", order_id) == [], seconds=2)
    reserve(saga, order_id, mug, revision=2)
    [requested] = saga.published("payment.requested", order_id)
    assert requested["data"]["amount"] == "19.99"
