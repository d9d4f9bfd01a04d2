"""The saga with the real payments service: orders, inventory and payments each run as
API, consumer and relay processes on real PostgreSQL and RabbitMQ, payments talking to
stripe-mock (or its own local checkout); Stripe's webhooks are signed by the test."""

import hashlib
import hmac
import json
import time
import uuid

import pika
import pytest
import requests

from mercado_local.services import ServiceProcesses
from mercado_platform.messaging.topology import exchange_for
from mercado_platform.testing.polling import eventually, holds

CUSTOMER = "orders:read orders:write payments:read"
STAFF = "inventory:write orders:read:any orders:fulfil"
SECRET = "whsec_saga_" + uuid.uuid4().hex


class Shop:
    """Orders, inventory and payments running; a customer, staff and Stripe calling them."""

    def __init__(self, services: dict[str, ServiceProcesses], signing_key, amqp_url: str):
        self.services = services
        self.customer_id = str(uuid.uuid4())
        token = signing_key.token(sub=self.customer_id, roles=["customer"], scope=CUSTOMER)
        self.customer = {"Authorization": f"Bearer {token}"}
        staff = signing_key.token(sub="staff-1", roles=["staff"], scope=STAFF)
        self.staff = {"Authorization": f"Bearer {staff}"}
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        self.watch = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.watch, exchange_for("payments"), "#")
        self.seen: list[dict] = []

    def url(self, service: str, path: str) -> str:
        return self.services[service].url + path

    def product(self, sku: str, price: str, stock: int) -> str:
        body = {"sku": f"{sku}-{uuid.uuid4().hex[:6]}", "name": sku.title(), "price": price}
        made = requests.post(self.url("inventory", "/api/products"), json=body, headers=self.staff)
        assert made.status_code == 201, made.text
        product_id = made.json()["id"]
        receipt = {"kind": "receipt", "quantity": stock, "reason": "opening stock"}
        moved = requests.post(
            self.url("inventory", f"/api/products/{product_id}/stock-movements"),
            json=receipt,
            headers=self.staff,
        )
        assert moved.status_code == 201, moved.text
        return product_id

    def stock(self, product_id: str) -> dict:
        return requests.get(self.url("inventory", f"/api/products/{product_id}"), timeout=5).json()

    def place(self, product_id: str, quantity: int, price: float) -> str:
        body = {
            "customer_id": self.customer_id,
            "products": [{"product_id": product_id, "quantity": quantity, "price": price}],
        }
        placed = requests.post(
            self.url("orders", "/api/orders"), json=body, headers=self.customer, timeout=10
        )
        assert placed.status_code == 200, placed.text
        return placed.json()["order_id"]

    def order(self, order_id: str) -> dict:
        path = f"/api/orders/{order_id}"
        return requests.get(self.url("orders", path), headers=self.customer, timeout=5).json()

    def payment(self, order_id: str) -> dict:
        path = f"/api/payments/{order_id}"
        return requests.get(self.url("payments", path), headers=self.customer, timeout=5).json()

    def wait_order(self, order_id: str, check, what: str, timeout: float = 60) -> dict:
        return eventually(
            lambda: check(order := self.order(order_id)) and order, timeout=timeout, what=what
        )

    def awaiting_link(self, order_id: str) -> dict:
        """Wait until the order shows its payment link."""
        return self.wait_order(
            order_id,
            lambda o: o["status"] == "awaiting_payment" and o.get("payment_url"),
            f"order {order_id} awaiting payment with a link",
        )

    def webhook(self, payload: bytes, secret: str = SECRET) -> requests.Response:
        stamp = int(time.time())
        digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": f"t={stamp},v1={digest.hexdigest()}",
        }
        return requests.post(
            self.url("payments", "/api/payments/webhook"), data=payload, headers=headers, timeout=10
        )

    def published(self, kind: str, order_id: str) -> list[dict]:
        while (message := self.channel.basic_get(self.watch, auto_ack=True))[0] is not None:
            self.seen.append(json.loads(message[2]))
        return [e for e in self.seen if e["type"] == kind and e["data"]["order_id"] == order_id]


def completed(payment: dict, event_id: str | None = None) -> bytes:
    """Stripe's checkout.session.completed for the payment's session."""
    session = {
        "id": payment["session_id"],
        "object": "checkout.session",
        "client_reference_id": payment["order_id"],
        "payment_status": "paid",
        "payment_intent": "pi_" + uuid.uuid4().hex[:16],
    }
    event = {
        "id": event_id or "evt_" + uuid.uuid4().hex,
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": session},
    }
    return json.dumps(event).encode()


def run_shop(postgres_server, amqp_url, jwks_server, signing_key, tmp_path, payments_env):
    common = {"AMQP_URL": amqp_url, "JWKS_URL": jwks_server.url}
    inventory = ServiceProcesses(
        "inventory", {**common, "DATABASE_URL": postgres_server.create_database()}, tmp_path
    )
    orders_env = {"DATABASE_URL": postgres_server.create_database(), "INVENTORY_URL": inventory.url}
    orders = ServiceProcesses("orders", {**common, **orders_env}, tmp_path)
    payments_env = {
        "DATABASE_URL": postgres_server.create_database(),
        "STRIPE_WEBHOOK_SECRET": SECRET,
        **payments_env,
    }
    payments = ServiceProcesses("payments", {**common, **payments_env}, tmp_path)
    services = {"inventory": inventory, "orders": orders, "payments": payments}
    for service in services.values():
        service.prepare()
    shop = Shop(services, signing_key, amqp_url)
    for service in services.values():
        service.start()
    return shop


def close_shop(shop: Shop) -> None:
    shop.connection.close()
    for service in shop.services.values():
        service.stop()


@pytest.fixture
def shop(postgres_server, amqp_url, jwks_server, signing_key, tmp_path, stripe_mock):
    stripe = {
        "PAYMENT_PROVIDER": "stripe",
        "STRIPE_API_KEY": stripe_mock.api_key,
        "STRIPE_API_BASE": stripe_mock.api_base,
    }
    running = run_shop(postgres_server, amqp_url, jwks_server, signing_key, tmp_path, stripe)
    yield running
    close_shop(running)


@pytest.fixture
def local_shop(postgres_server, amqp_url, jwks_server, signing_key, tmp_path):
    local = {"PAYMENT_PROVIDER": "local", "PUBLIC_URL": "http://gateway.test"}
    running = run_shop(postgres_server, amqp_url, jwks_server, signing_key, tmp_path, local)
    yield running
    close_shop(running)


def test_a_signed_webhook_pays_the_order_forged_and_duplicated_ones_change_nothing(shop):
    mug = shop.product("mug", "19.99", 5)
    order_id = shop.place(mug, 2, 19.99)
    order = shop.awaiting_link(order_id)
    payment = shop.payment(order_id)
    assert order["payment_url"] == payment["url"]
    assert payment["url"].startswith("https://checkout.stripe.com/")
    assert (payment["status"], payment["amount"]) == ("open", "39.98")
    assert (shop.stock(mug)["on_hand"], shop.stock(mug)["reserved"]) == (5, 2)

    forged = shop.webhook(completed(payment), secret="whsec_not_ours")
    assert (forged.status_code, forged.json()["code"]) == (400, "signature_mismatch")
    assert holds(lambda: shop.order(order_id)["status"] == "awaiting_payment", seconds=2)

    payload = completed(payment)
    outcomes = [shop.webhook(payload).json()["outcome"] for _ in range(3)]
    assert outcomes == ["applied", "duplicate", "duplicate"]
    shop.wait_order(order_id, lambda o: o["status"] == "paid", "order paid")
    eventually(lambda: shop.stock(mug)["on_hand"] == 3, timeout=30, what="stock committed")
    assert shop.stock(mug)["reserved"] == 0
    assert holds(lambda: len(shop.published("payment.succeeded", order_id)) == 1, seconds=2)
    causes = [change["cause"] for change in shop.order(order_id)["history"]]
    assert causes.count("payment succeeded") == 1


def test_cancel_after_pay_refunds_and_payment_refunded_reaches_the_broker(shop):
    plate = shop.product("plate", "3.00", 4)
    order_id = shop.place(plate, 4, 3.00)
    shop.awaiting_link(order_id)
    assert shop.webhook(completed(shop.payment(order_id))).status_code == 200
    shop.wait_order(order_id, lambda o: o["status"] == "paid", "order paid")
    cancel = f"/api/orders/{order_id}/cancel"
    assert requests.post(shop.url("orders", cancel), headers=shop.customer).status_code == 200
    [refunded] = eventually(
        lambda: shop.published("payment.refunded", order_id), timeout=60, what="refund"
    )
    assert refunded["data"]["customer_id"] == shop.customer_id
    assert (refunded["data"]["amount"], refunded["data"]["currency"]) == ("12.00", "brl")
    assert shop.payment(order_id)["status"] == "refunded"
    shop.wait_order(
        order_id,
        lambda o: any(c["cause"].startswith("payment refunded") for c in o["history"]),
        "refund on the order's history",
    )
    eventually(lambda: shop.stock(plate)["available"] == 4, timeout=30, what="stock returned")


def test_the_local_checkouts_pay_button_takes_an_order_to_paid(local_shop):
    shop = local_shop
    cup = shop.product("cup", "5.00", 3)
    order_id = shop.place(cup, 3, 5.00)
    link = shop.awaiting_link(order_id)["payment_url"]
    assert link.startswith("http://gateway.test/api/payments/checkout/cs_local_")
    local_path = link.removeprefix("http://gateway.test")
    page = requests.get(shop.url("payments", local_path), timeout=5)
    assert page.status_code == 200 and "15.00 BRL" in page.text
    assert SECRET not in page.text
    paid = requests.post(shop.url("payments", local_path + "/pay"), timeout=10)
    assert paid.status_code == 200, paid.text
    shop.wait_order(order_id, lambda o: o["status"] == "paid", "order paid")
    eventually(lambda: shop.stock(cup)["on_hand"] == 0, timeout=30, what="stock committed")
