"""Paying as a customer does, through the gateway: the order's payment link, the local
checkout page's Pay and Cancel forms, a refund when a paid order is cancelled, and the
e-mails and notifications each step owes."""

import pytest
import requests

from mercado_platform.testing.polling import eventually

from .client import Client, mails, new_product, place, press, register, wait_status

# The order flow to its payment, with the availability check over gRPC, then over HTTP.
pytestmark = pytest.mark.usefixtures("availability_over")


def stock(api, product: str) -> tuple[int, int]:
    found = Client(api).get(f"/api/products/{product}").json()
    return found["on_hand"], found["reserved"]


def awaiting(customer: Client, order_id: str) -> str:
    """The order's payment link, once payments made it; it points at the gateway."""
    order = eventually(
        lambda: (o := wait_status(customer, order_id, "awaiting_payment")).get("payment_url") and o,
        timeout=60,
        what="payment link",
    )
    assert order["payment_url"].startswith(customer.endpoints.gateway + "/api/payments/checkout/")
    return order["payment_url"]


def payment(customer: Client, order_id: str, status: str) -> dict:
    return eventually(
        lambda: (
            (p := customer.get(f"/api/payments/{order_id}").json()).get("status") == status and p
        ),
        timeout=60,
        what=f"payment of {order_id} {status}",
    )


def test_pay_on_the_checkout_page(api, admin, customer, mercado):
    product = new_product(admin, "19.99", 10)
    order_id = place(customer, {product: (2, 19.99)})
    url = awaiting(customer, order_id)
    page = requests.get(url, timeout=15)
    assert page.status_code == 200 and "39.98" in page.text and 'action="' in page.text
    assert stock(api, product) == (10, 2)

    paid = press(url, "pay")
    assert paid.status_code == 200, paid.text
    wait_status(customer, order_id, "paid")
    eventually(lambda: stock(api, product) == (8, 0), timeout=30, what="stock sold")
    assert payment(customer, order_id, "succeeded")["amount"] == "39.98"
    again = press(url, "pay")
    assert again.status_code == 409, "a closed checkout cannot be paid twice"

    email = customer.get("/api/users/me").json()["email"]
    eventually(
        lambda: sum(order_id[:8] in s for s in mails(mercado.mailbox, email)) >= 2,
        timeout=60,
        what="link and paid e-mails in the mail log",
    )
    mine = eventually(
        lambda: (
            {
                n["event_type"]: n
                for n in customer.get(
                    "/api/notifications/me", params={"order_id": order_id}
                ).json()["items"]
                if n["status"] == "sent"
            }.keys()
            >= {"payment.link_created", "order.paid"}
        ),
        timeout=60,
        what="the customer's notifications sent",
    )
    assert mine
    everyone = admin.get("/api/notifications", params={"order_id": order_id}).json()["items"]
    assert {n["customer_id"] for n in everyone} == {customer.id}
    assert customer.get("/api/notifications").status_code == 403


def test_cancel_on_the_checkout_page_releases_the_stock(api, admin, customer):
    product = new_product(admin, "7.00", 5)
    order_id = place(customer, {product: (3, 7.00)})
    url = awaiting(customer, order_id)
    assert press(url, "cancel").status_code == 200
    wait_status(customer, order_id, "cancelled")
    eventually(lambda: stock(api, product) == (5, 0), timeout=30, what="stock released")
    assert payment(customer, order_id, "expired")


def test_cancel_after_paying_refunds_once(api, admin, customer, mercado):
    product = new_product(admin, "12.00", 4)
    order_id = place(customer, {product: (1, 12.00)})
    assert press(awaiting(customer, order_id), "pay").status_code == 200
    wait_status(customer, order_id, "paid")
    assert customer.post(f"/api/orders/{order_id}/cancel").status_code == 200
    wait_status(customer, order_id, "cancelled")
    refunded = payment(customer, order_id, "refunded")
    assert refunded["amount"] == "12.00"
    email = customer.get("/api/users/me").json()["email"]
    eventually(
        lambda: customer.get(
            "/api/notifications/me", params={"event_type": "payment.refunded"}
        ).json()["items"],
        timeout=60,
        what="the refund notification",
    )
    eventually(
        lambda: any("refund" in s.lower() for s in mails(mercado.mailbox, email)),
        timeout=60,
        what="the refund e-mail",
    )


def test_others_notifications_and_payments_are_not_yours(api, admin, customer):
    product = new_product(admin, "3.00", 3)
    order_id = place(customer, {product: (1, 3.00)})
    awaiting(customer, order_id)
    stranger = register(api)
    assert stranger.get(f"/api/payments/{order_id}").status_code in (403, 404)
    eventually(
        lambda: customer.get("/api/notifications/me", params={"order_id": order_id}).json()[
            "items"
        ],
        timeout=60,
        what="the link notification",
    )
    theirs = stranger.get("/api/notifications/me", params={"order_id": order_id}).json()
    assert theirs["items"] == []


def test_a_changed_email_reaches_notifications(admin, customer, mercado):
    new = f"{customer.login}-new@example.com"
    assert customer.patch("/api/users/me", json={"email": new}).status_code == 200
    product = new_product(admin, "6.00", 20)

    def mailed_to_new_address() -> bool:
        order_id = place(customer, {product: (1, 6.00)})
        url = awaiting(customer, order_id)
        press(url, "cancel")
        return (
            eventually(
                lambda: customer.get("/api/notifications/me", params={"order_id": order_id}).json()[
                    "items"
                ],
                timeout=60,
                what="a notification",
            )[0]["recipient"]
            == new
        )

    eventually(mailed_to_new_address, timeout=90, what="e-mail sent to the new address")
    eventually(lambda: mails(mercado.mailbox, new), timeout=60, what="e-mail in the mail log")
