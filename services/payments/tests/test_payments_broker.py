"""Payments as processes (API, consumer with its retry worker, relay) on real PostgreSQL
and RabbitMQ, with stripe-mock as Stripe: the test plays orders on the broker."""

import json
import uuid

import pika
import pytest
import requests

from mercado_local.services import ServiceProcesses
from mercado_platform.db import Database
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import exchange_for
from mercado_platform.testing.polling import eventually, holds

from .payments_support import (
    ADMIN_SCOPES,
    SECRET,
    order_cancelled,
    payment_requested,
    scalar,
    session_object,
    signature,
    stripe_event,
)


class Orders:
    """Plays orders on the broker and watches what payments publishes."""

    def __init__(self, amqp_url: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        self.watch = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.watch, exchange_for("payments"), "#")
        self.seen: list[dict] = []

    def publish(self, event: Event) -> None:
        self.channel.basic_publish(exchange_for("orders"), event.type, event.to_json())

    def published(self, kind: str, order_id: str) -> list[dict]:
        while (message := self.channel.basic_get(self.watch, auto_ack=True))[0] is not None:
            self.seen.append(json.loads(message[2]))
        return [e for e in self.seen if e["type"] == kind and e["data"]["order_id"] == order_id]

    def wait_for(self, kind: str, order_id: str, timeout: float = 30) -> dict:
        found = eventually(
            lambda: self.published(kind, order_id), timeout=timeout, what=f"{kind} {order_id}"
        )
        return found[0]


@pytest.fixture
def service(database_url, amqp_url, jwks_server, signing_key, stripe_mock, tmp_path):
    env = {
        "DATABASE_URL": database_url,
        "AMQP_URL": amqp_url,
        "JWKS_URL": jwks_server.url,
        "PAYMENT_PROVIDER": "stripe",
        "STRIPE_API_KEY": stripe_mock.api_key,
        "STRIPE_API_BASE": stripe_mock.api_base,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_ATTEMPTS": "2",
        "RETRY_BASE_SECONDS": "0.5",
        "RETRY_MAX_SECONDS": "1",
        "SWEEP_INTERVAL_SECONDS": "0.3",
    }
    processes = ServiceProcesses("payments", env, tmp_path).prepare().start()
    yield processes
    processes.stop()


@pytest.fixture
def orders(service, amqp_url):
    player = Orders(amqp_url)
    yield player
    player.connection.close()


@pytest.fixture
def api(service, signing_key):
    token = signing_key.token(sub="admin-1", roles=["admin"], scope=ADMIN_SCOPES)
    headers = {"Authorization": f"Bearer {token}"}

    def get(order_id: str) -> dict:
        response = requests.get(
            f"{service.url}/api/payments/{order_id}", headers=headers, timeout=5
        )
        return response.json()

    return get


@pytest.fixture
def database(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


def open_link(orders: Orders, customer_id: str) -> tuple[str, dict]:
    order_id = str(uuid.uuid4())
    orders.publish(payment_requested(order_id, customer_id))
    return order_id, orders.wait_for("payment.link_created", order_id)


def deliver(service, payload: bytes) -> requests.Response:
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature(payload)}
    return requests.post(
        f"{service.url}/api/payments/webhook", data=payload, headers=headers, timeout=5
    )


def test_payment_requested_on_the_broker_creates_a_stripe_link(orders, api):
    order_id, link = open_link(orders, "cust-1")
    assert link["data"]["customer_id"] == "cust-1"
    assert link["data"]["url"].startswith("https://checkout.stripe.com/")
    assert (link["data"]["amount"], link["data"]["currency"]) == ("39.98", "brl")
    shown = api(order_id)
    assert (shown["status"], shown["url"]) == ("open", link["data"]["url"])


def test_cancel_after_pay_refunds_through_stripe_and_says_so(orders, api, service):
    order_id, _ = open_link(orders, "cust-2")
    paid = stripe_event("checkout.session.completed", session_object(api(order_id)))
    assert deliver(service, paid).json()["outcome"] == "applied"
    orders.wait_for("payment.succeeded", order_id)
    orders.publish(order_cancelled(order_id, "cust-2", was_paid=True))
    refunded = orders.wait_for("payment.refunded", order_id)
    assert refunded["data"]["customer_id"] == "cust-2" and refunded["data"]["amount"] == "39.98"
    assert api(order_id)["status"] == "refunded"


def test_cancel_before_pay_expires_the_checkout_and_tells_nobody(orders, api):
    order_id, _ = open_link(orders, "cust-3")
    orders.publish(order_cancelled(order_id, "cust-3", was_paid=False))
    eventually(lambda: api(order_id)["status"] == "cancelled", timeout=30, what="cancelled")
    assert orders.published("payment.expired", order_id) == []


def test_cancel_of_an_order_never_sent_to_payment_is_ignored(orders, api, database):
    order_id = str(uuid.uuid4())
    orders.publish(order_cancelled(order_id, "cust-4", was_paid=False))
    open_link(orders, "cust-4")  # a later message, so the cancel was consumed before it
    assert api(order_id)["code"] == "payment_not_found"
    assert scalar(database, "SELECT count(*) FROM inbox") == 2


def test_stripe_down_leaves_the_payment_pending_and_creates_one_link_once_back(
    orders, api, database, stripe_mock
):
    stripe_mock.stop()
    order_id = str(uuid.uuid4())
    orders.publish(payment_requested(order_id, "cust-5"))
    pending = eventually(
        lambda: (shown := api(order_id)).get("attempts", 0) >= 2 and shown,
        timeout=30,
        what="payment pending and retried",
    )
    assert pending["status"] == "pending" and pending["url"] is None
    orders.publish(payment_requested(order_id, "cust-5"))  # orders asking again changes nothing
    assert holds(lambda: orders.published("payment.link_created", order_id) == [], seconds=2)
    stripe_mock.start()
    orders.wait_for("payment.link_created", order_id)
    assert api(order_id)["status"] == "open"
    assert holds(lambda: len(orders.published("payment.link_created", order_id)) == 1, seconds=2)
    assert scalar(database, "SELECT count(*) FROM payments WHERE order_id = :id", id=order_id) == 1
