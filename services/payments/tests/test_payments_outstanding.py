"""Provider work that failed is kept and done later by the retry-outstanding worker, once,
against real PostgreSQL and a stripe-mock that is stopped and started again."""

import uuid

from mercado_payments.entrypoints.consumers import now
from mercado_payments.service_layer.checkout import settle_due
from mercado_payments.service_layer.dependencies import Dependencies
from mercado_platform.testing.polling import eventually

from .payments_support import (
    handle,
    order_cancelled,
    outbox,
    payment_requested,
    session_object,
    signature,
    stripe_event,
)


def settle(payments: Dependencies) -> int:
    """One pass of the retry-outstanding worker."""
    return settle_due(payments.uow, payments.provider, payments.retry, now)


def test_a_refund_owed_while_stripe_is_down_is_made_once_when_it_is_back(
    client, admin, open_payment, payments_db, dependencies, stripe_mock
):
    paid = stripe_event("checkout.session.completed", session_object(open_payment))
    headers = {"Stripe-Signature": signature(paid), "Content-Type": "application/json"}
    assert client.post("/api/payments/webhook", data=paid, headers=headers).status_code == 200
    stripe_mock.stop()
    order_id = open_payment["order_id"]
    handle(dependencies, order_cancelled(order_id, "c", was_paid=True))
    shown = client.get(f"/api/payments/{order_id}", headers=admin).get_json()
    assert (shown["status"], shown["attempts"]) == ("refunding", 1)
    assert outbox(payments_db, "payment.refunded") == []
    stripe_mock.start()
    eventually(
        lambda: settle(dependencies) == 1,
        timeout=10,
        what="backoff over",
    )
    assert settle(dependencies) == 0, "nothing left to do"
    shown = client.get(f"/api/payments/{order_id}", headers=admin).get_json()
    assert (shown["status"], shown["attempts"]) == ("refunded", 0)
    assert len(outbox(payments_db, "payment.refunded")) == 1


def test_an_order_cancelled_while_its_link_is_pending_never_gets_one(
    client, admin, payments_db, dependencies, stripe_mock
):
    stripe_mock.stop()
    order_id = str(uuid.uuid4())
    handle(dependencies, payment_requested(order_id, "c"))
    assert client.get(f"/api/payments/{order_id}", headers=admin).get_json()["status"] == "pending"
    handle(dependencies, order_cancelled(order_id, "c", was_paid=False))
    stripe_mock.start()
    assert settle(dependencies) == 0
    assert (
        client.get(f"/api/payments/{order_id}", headers=admin).get_json()["status"] == "cancelled"
    )
    assert outbox(payments_db, "payment.link_created") == []
