"""The local provider: its own checkout page whose Pay / Cancel buttons deliver a signed
webhook through the same verification, against real PostgreSQL."""

import uuid

import pytest
from sqlalchemy import text

from mercado_payments.bootstrap import SPEC, build

from .payments_support import (
    SECRET,
    handle,
    outbox,
    payment_requested,
    session_object,
    signature,
    stripe_event,
)


@pytest.fixture
def local(make_client, local_settings, payments_db, admin):
    client = make_client(local_settings)
    dependencies = build(local_settings, SPEC.units(payments_db))

    def checkout() -> dict:
        order_id = str(uuid.uuid4())
        handle(dependencies, payment_requested(order_id, "cust-1"))
        return client.get(f"/api/payments/{order_id}", headers=admin).get_json()

    return client, checkout


def path(payment: dict) -> str:
    return payment["url"].removeprefix("http://shop.test")


def test_the_link_is_a_page_of_ours_showing_the_amount_with_pay_and_cancel(local, payments_db):
    client, checkout = local
    payment = checkout()
    assert payment["status"] == "open" and payment["provider"] == "local"
    assert payment["url"] == f"http://shop.test/api/payments/checkout/{payment['session_id']}"
    [link] = outbox(payments_db, "payment.link_created")
    assert link["data"]["url"] == payment["url"]
    page = client.get(path(payment))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "39.98 BRL" in html and "2 x Mug" in html
    assert f'action="{payment["session_id"]}/pay"' in html
    assert f'action="{payment["session_id"]}/cancel"' in html
    assert SECRET not in html


def test_pay_delivers_a_signed_completed_event_and_the_payment_succeeds(local, payments_db, admin):
    client, checkout = local
    payment = checkout()
    pressed = client.post(path(payment) + "/pay")
    assert pressed.status_code == 200 and "Payment received" in pressed.get_data(as_text=True)
    [event] = outbox(payments_db, "payment.succeeded")
    assert event["data"]["order_id"] == payment["order_id"]
    again = client.post(path(payment) + "/pay")
    assert (again.status_code, again.get_json()["code"]) == (409, "checkout_closed")
    assert len(outbox(payments_db, "payment.succeeded")) == 1
    shown = client.get(f"/api/payments/{payment['order_id']}", headers=admin).get_json()
    assert shown["status"] == "succeeded"


def test_cancel_delivers_a_signed_expired_event(local, payments_db):
    client, checkout = local
    payment = checkout()
    assert client.post(path(payment) + "/cancel").status_code == 200
    [event] = outbox(payments_db, "payment.expired")
    assert event["data"]["order_id"] == payment["order_id"]
    assert "This checkout is expired" in client.get(path(payment)).get_data(as_text=True)


def test_the_buttons_use_the_webhook_path_which_refuses_forgeries(local, payments_db):
    client, checkout = local
    payment = checkout()
    forged = stripe_event("checkout.session.completed", session_object(payment))
    headers = {"Stripe-Signature": signature(forged, "whsec_guess"), "Content-Type": "x/y"}
    refused = client.post("/api/payments/webhook", data=forged, headers=headers)
    assert (refused.status_code, refused.get_json()["code"]) == (400, "signature_mismatch")
    assert client.post(path(payment) + "/pay").status_code == 200
    with payments_db.engine.connect() as connection:
        seen = connection.execute(text("SELECT event_id, type FROM webhook_events")).all()
    assert [(row.event_id[:10], row.type) for row in seen] == [
        ("evt_local_", "checkout.session.completed")
    ]


def test_an_unknown_checkout_is_404(local):
    client, _ = local
    missing = client.get("/api/payments/checkout/cs_local_nope")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "checkout_not_found")
    assert client.post("/api/payments/checkout/cs_local_nope/pay").status_code == 404


def test_stripe_checkouts_have_no_local_page(client, open_payment):
    page = client.get(f"/api/payments/checkout/{open_payment['session_id']}")
    assert (page.status_code, page.get_json()["code"]) == (404, "checkout_not_found")


def test_the_return_page_names_the_order(client):
    order_id = str(uuid.uuid4())
    page = client.get(f"/api/payments/{order_id}/result?outcome=paid")
    assert page.status_code == 200 and order_id in page.get_data(as_text=True)
    missing = client.get("/api/payments/order-1/result")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "order_not_found")
