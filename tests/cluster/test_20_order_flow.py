"""A customer's whole order through the gateway's NodePort, as a client would: register,
log in, browse, order with seed 001's body and get seed 001's answer, pay on the checkout
page; then the order is paid, the e-mail is in the SMTP sink (Mailpit, read through its
API over a port-forward) and the stock is committed."""

import uuid

import requests

from mercado_platform.testing.polling import eventually

from ..e2e.client import Client, press, register, wait_status
from .shop import stocked


def product(api, product_id: str) -> dict:
    return Client(api).get(f"/api/products/{product_id}").json()


def mailpit_subjects(mercado, port: int, to: str) -> list[str]:
    answer = requests.get(f"http://127.0.0.1:{port}/api/v1/messages", timeout=10)
    answer.raise_for_status()
    return [
        m["Subject"] for m in answer.json()["messages"] if to in {a["Address"] for a in m["To"]}
    ]


def test_register_browse_order_pay_and_get_mail(mercado, api, admin):
    tag = f"node{uuid.uuid4().hex[:6]}"
    mug, shirt = (
        stocked(admin, f"{tag}-mug", "19.99", 10),
        stocked(admin, f"{tag}-shirt", "29.99", 5),
    )
    customer = register(api)

    listed = customer.get("/api/products", params={"q": tag})
    assert listed.status_code == 200, listed.text
    assert {p["id"] for p in listed.json()["items"]} == {mug, shirt}

    seed_001 = {
        "customer_id": customer.id,
        "products": [
            {"product_id": mug, "quantity": 2, "price": 19.99},
            {"product_id": shirt, "quantity": 1, "price": 29.99},
        ],
    }
    placed = customer.post("/api/orders", json=seed_001)
    assert placed.status_code == 200, placed.text
    answer = placed.json()
    assert set(answer) == {"order_id", "status", "message"}
    assert answer["status"] == "received"
    assert answer["message"] == "Order successfully placed."
    order_id = answer["order_id"]

    order = eventually(
        lambda: (o := wait_status(customer, order_id, "awaiting_payment")).get("payment_url") and o,
        timeout=90,
        what="the order's payment link",
    )
    assert order["payment_url"].startswith(mercado.gateway + "/api/payments/checkout/")
    page = requests.get(order["payment_url"], timeout=15)
    assert page.status_code == 200 and "69.97" in page.text
    assert press(order["payment_url"], "pay").status_code == 200

    wait_status(customer, order_id, "paid", timeout=90)
    eventually(
        lambda: (
            (product(api, mug)["on_hand"], product(api, mug)["reserved"]) == (8, 0)
            and (product(api, shirt)["on_hand"], product(api, shirt)["reserved"]) == (4, 0)
        ),
        timeout=60,
        what="the stock committed",
    )

    email = customer.get("/api/users/me").json()["email"]
    with mercado.port_forward("svc/mercado-mailpit", 8025) as port:
        subjects = eventually(
            lambda: (s := mailpit_subjects(mercado, port, email)) and len(s) >= 2 and s,
            timeout=90,
            what="the payment link and paid e-mails in Mailpit",
        )
    assert sum(order_id[:8] in s for s in subjects) >= 2, subjects
