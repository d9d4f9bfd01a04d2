"""POST /api/payments/webhook against real PostgreSQL, with checkouts made at stripe-mock:
only calls signed with our secret change anything, and each event id changes it once."""

import time

import pytest

from .payments_support import (
    SECRET,
    handle,
    order_cancelled,
    outbox,
    scalar,
    session_object,
    signature,
    stripe_event,
)


def deliver(client, payload: bytes, header: str | None):
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return client.post("/api/payments/webhook", data=payload, headers=headers)


def status(client, admin, payment: dict) -> str:
    return client.get(f"/api/payments/{payment['order_id']}", headers=admin).get_json()["status"]


def test_a_signed_completed_checkout_makes_the_payment_succeed(
    client, admin, open_payment, payments_db
):
    payload = stripe_event("checkout.session.completed", session_object(open_payment))
    answer = deliver(client, payload, signature(payload))
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "applied"
    assert status(client, admin, open_payment) == "succeeded"
    [event] = outbox(payments_db, "payment.succeeded")
    assert event["data"] == {
        "order_id": open_payment["order_id"],
        "payment_id": open_payment["payment_id"],
        "amount": "39.98",
        "currency": "brl",
    }


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "signature_missing"),
        ("t=1,v1=", "signature_malformed"),
        ("forge", "signature_mismatch"),
        ("wrong-secret", "signature_mismatch"),
        ("stale", "signature_expired"),
    ],
)
def test_unsigned_forged_or_stale_calls_are_400_and_change_nothing(
    client, admin, open_payment, payments_db, header, code
):
    payload = stripe_event("checkout.session.completed", session_object(open_payment))
    made = {
        "forge": lambda: signature(payload.replace(b"paid", b"PAID")),
        "wrong-secret": lambda: signature(payload, "whsec_someone_else"),
        "stale": lambda: signature(payload, at=int(time.time()) - 301),
    }
    answer = deliver(client, payload, made[header]() if header in made else header)
    assert answer.status_code == 400
    assert answer.get_json()["code"] == code
    assert status(client, admin, open_payment) == "open"
    assert outbox(payments_db, "payment.succeeded") == []
    assert scalar(payments_db, "SELECT count(*) FROM webhook_events") == 0


def test_a_signed_payload_that_is_not_an_event_is_400(client):
    for payload in (b"not json", b"[]", b'{"id": "evt_1", "type": "x", "data": {"object": 3}}'):
        answer = deliver(client, payload, signature(payload))
        assert (answer.status_code, answer.get_json()["code"]) == (400, "malformed_event")


def test_a_duplicated_event_is_applied_once(client, open_payment, payments_db):
    payload = stripe_event("checkout.session.completed", session_object(open_payment))
    outcomes = [deliver(client, payload, signature(payload)).get_json()["outcome"] for _ in "abc"]
    assert outcomes == ["applied", "duplicate", "duplicate"]
    assert len(outbox(payments_db, "payment.succeeded")) == 1


def test_expired_checkout_publishes_payment_expired(client, admin, open_payment, payments_db):
    payload = stripe_event("checkout.session.expired", session_object(open_payment))
    assert deliver(client, payload, signature(payload)).get_json()["outcome"] == "applied"
    assert status(client, admin, open_payment) == "expired"
    assert len(outbox(payments_db, "payment.expired")) == 1


def test_async_payment_failed_publishes_payment_failed(client, admin, open_payment, payments_db):
    unpaid = session_object(open_payment, payment_status="unpaid")
    completed = stripe_event("checkout.session.completed", unpaid)
    assert deliver(client, completed, signature(completed)).get_json()["outcome"] == "ignored"
    assert status(client, admin, open_payment) == "open", "an async method is not paid yet"
    failed = stripe_event("checkout.session.async_payment_failed", unpaid)
    assert deliver(client, failed, signature(failed)).get_json()["outcome"] == "applied"
    assert status(client, admin, open_payment) == "failed"
    [event] = outbox(payments_db, "payment.failed")
    assert event["data"]["reason"] == "async_payment_failed"


def test_charge_refunded_is_reported_once_even_after_our_own_refund(
    client, admin, open_payment, payments_db, dependencies
):
    paid = stripe_event("checkout.session.completed", session_object(open_payment))
    deliver(client, paid, signature(paid))
    order_id, customer_id = open_payment["order_id"], open_payment["customer_id"]
    handle(dependencies, order_cancelled(order_id, customer_id, was_paid=True))
    assert status(client, admin, open_payment) == "refunded"
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": session_object(open_payment)["payment_intent"],
        "refunded": True,
    }
    refunded = stripe_event("charge.refunded", charge)
    assert deliver(client, refunded, signature(refunded)).get_json()["outcome"] == "ignored"
    [event] = outbox(payments_db, "payment.refunded")
    assert event["data"]["customer_id"] == customer_id and event["data"]["amount"] == "39.98"


def test_a_refund_made_at_stripe_is_reported(client, admin, open_payment, payments_db):
    paid = stripe_event("checkout.session.completed", session_object(open_payment))
    deliver(client, paid, signature(paid))
    charge = {"id": "ch_2", "object": "charge", "refunded": True, "payment_intent": "pi_other"}
    charge["metadata"] = {"order_id": open_payment["order_id"]}
    refunded = stripe_event("charge.refunded", charge)
    assert deliver(client, refunded, signature(refunded)).get_json()["outcome"] == "applied"
    assert status(client, admin, open_payment) == "refunded"
    assert len(outbox(payments_db, "payment.refunded")) == 1


def test_unknown_types_and_other_sessions_are_200_and_ignored(client, admin, open_payment):
    for payload in (
        stripe_event("customer.created", {"id": "cus_1", "object": "customer"}),
        stripe_event("checkout.session.completed", session_object(open_payment, id="cs_other")),
    ):
        answer = deliver(client, payload, signature(payload))
        assert (answer.status_code, answer.get_json()["outcome"]) == (200, "ignored")
    assert status(client, admin, open_payment) == "open"


def test_without_a_webhook_secret_webhooks_are_503(make_client, stripe_settings):
    client = make_client(
        stripe_settings.model_copy(
            update={"stripe_webhook_secret": None, "payment_provider": "local"}
        )
    )
    payload = stripe_event("customer.created", {"id": "cus_1"})
    answer = deliver(client, payload, signature(payload, SECRET))
    assert (answer.status_code, answer.get_json()["code"]) == (503, "webhook_secret_unset")
