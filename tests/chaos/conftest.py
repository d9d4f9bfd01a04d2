"""Orders and inventory as real processes, every link to PostgreSQL, RabbitMQ and between
them through toxiproxy, so a test can cut or slow any of them; the real payments service
(local provider) beside them, paid through its signed webhook, each event sent twice."""

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import requests

from mercado_local.invariants import Invariants
from mercado_local.services import ServiceProcesses
from mercado_local.toxiproxy import Link, Toxiproxy
from mercado_local.unconsumed import sink
from mercado_notifications.bootstrap import SPEC as NOTIFICATIONS
from mercado_payments.adapters.signatures import sign
from mercado_platform.testing.polling import eventually

CUSTOMER = "orders:read orders:write payments:read"
STAFF = "inventory:write orders:read:any orders:fulfil"
STAND_IN = "stand-in.notifications"
WEBHOOK_SECRET = "whsec_chaos_" + "5" * 24


def through(url: str, link: Link) -> str:
    """`url` with its port replaced by the link's."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit(":", 1)[0] + f":{link.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Stream:
    """Orders placed one after another from a thread, and how each POST ended."""

    accepted: list[str] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class Shop:
    """Orders, inventory and payments, their links, a customer and staff, and the auditor."""

    def __init__(
        self, orders, inventory, payments, links, signing_key, amqp_url, databases, transport
    ):
        self.orders, self.inventory, self.links, self.amqp_url = orders, inventory, links, amqp_url
        # the link orders' availability check takes
        self.availability_link = links["inventory-grpc" if transport == "grpc" else "inventory-api"]
        self.payments = payments
        self.customer_id = "chaos-" + signing_key.kid
        token = signing_key.token(sub=self.customer_id, scope=CUSTOMER, lifetime=3600)
        self.customer = {"Authorization": f"Bearer {token}"}
        staff = signing_key.token(sub="staff-1", scope=STAFF, lifetime=3600)
        self.staff = {"Authorization": f"Bearer {staff}"}
        self.prices: dict[str, Decimal] = {}
        self.invariants = Invariants(
            databases["orders"], databases["inventory"], amqp_url, databases["payments"]
        )
        self.paid: set[str] = set()

    def product(self, sku: str, price: str, stock: int) -> str:
        """A product with `stock` on hand, once orders' replica knows its price."""
        url = f"{self.inventory.url}/api/products"
        created = requests.post(
            url, json={"sku": sku, "name": sku, "price": price}, headers=self.staff, timeout=10
        )
        assert created.status_code == 201, created.text
        product_id = created.json()["id"]
        receipt = {"kind": "receipt", "quantity": stock, "reason": "opening stock"}
        moved = requests.post(
            f"{url}/{product_id}/stock-movements", json=receipt, headers=self.staff, timeout=10
        )
        assert moved.status_code == 201, moved.text
        self.prices[product_id] = Decimal(price)
        return product_id

    def catalogue(self, prefix: str) -> list[str]:
        """Three products with plenty of stock and one scarce (some orders get rejected),
        once orders' replica knows them all (it prices orders when inventory is slow)."""
        products = [self.product(f"{prefix}-{n}", f"{n + 1}.50", 5_000) for n in range(3)]
        products.append(self.product(f"{prefix}-scarce", "9.99", 12))
        query = "SELECT count(*) FROM products WHERE product_id = ANY(%s)"

        def replicated() -> bool:
            connection = psycopg2.connect(self.invariants.orders_db)
            try:
                with connection.cursor() as cursor:
                    cursor.execute(query, (products,))
                    return cursor.fetchone()[0] == len(products)
            finally:
                connection.close()

        eventually(replicated, timeout=60, what="orders knows the products")
        return products

    def place(self, lines: dict[str, int], session: requests.Session) -> requests.Response:
        """POST /api/orders with seed 001's body shape."""
        products = [
            {"product_id": p, "quantity": q, "price": float(self.prices[p])}
            for p, q in lines.items()
        ]
        body = {"customer_id": self.customer_id, "products": products}
        return session.post(
            f"{self.orders.url}/api/orders", json=body, headers=self.customer, timeout=10
        )

    def stream(self, products: list[str], *, pause: float = 0.05) -> Stream:
        """Place random 1-2 line orders until `stop` is set; returns at once."""
        stream = Stream()
        chooser = random.Random(7)

        def run() -> None:
            session = requests.Session()
            while not stream.stop.is_set():
                chosen = chooser.sample(products, chooser.randint(1, 2))
                started = time.monotonic()
                try:
                    answer = self.place({p: chooser.randint(1, 3) for p in chosen}, session)
                except requests.RequestException as exc:
                    stream.refused[type(exc).__name__] += 1
                    continue
                stream.latencies.append(time.monotonic() - started)
                if answer.status_code == 200:
                    stream.accepted.append(answer.json()["order_id"])
                else:
                    code = answer.headers.get("Content-Type", "").endswith("json") and (
                        answer.json().get("code")
                    )
                    stream.refused[f"{answer.status_code} {code}"] += 1
                stream.stop.wait(pause)

        stream.thread = threading.Thread(target=run, daemon=True)
        stream.thread.start()
        return stream

    def finish(self, stream: Stream) -> Stream:
        """Stop the stream and remember its accepted orders for the auditor."""
        stream.stop.set()
        if stream.thread is not None:
            stream.thread.join(30)
        self.invariants.accepted.update(stream.accepted)
        return stream

    def order(self, order_id: str) -> dict:
        url = f"{self.orders.url}/api/orders/{order_id}"
        return requests.get(url, headers=self.customer, timeout=10).json()

    def decided(self, order_ids: list[str], timeout: float = 90) -> dict[str, dict]:
        """Wait until none of `order_ids` is still `received`; their orders by id."""
        seen: dict[str, dict] = {}

        def all_decided() -> bool:
            for order_id in order_ids:
                if seen.get(order_id, {}).get("status", "received") == "received":
                    seen[order_id] = self.order(order_id)
            return all(o["status"] != "received" for o in seen.values())

        eventually(all_decided, timeout=timeout, what=f"{len(order_ids)} orders decided")
        return seen

    def pay_some(self, orders: dict[str, dict]) -> None:
        """Pay every other order awaiting payment, each payment delivered twice."""
        awaiting = sorted(i for i, o in orders.items() if o["status"] == "awaiting_payment")
        for order_id in awaiting[::2]:
            self.pay(order_id)
            self.paid.add(order_id)

    def pay(self, order_id: str) -> None:
        """Stripe tells payments the customer paid: one signed event, delivered twice (the
        second must change nothing)."""
        url = f"{self.payments.url}/api/payments/{order_id}"
        payment = eventually(
            lambda: (
                (p := requests.get(url, headers=self.customer, timeout=10).json()).get("session_id")
                and p
            ),
            timeout=60,
            what=f"the payment link of {order_id}",
        )
        payload = json.dumps(paid_event(payment)).encode()
        outcomes = []
        for _ in range(2):
            signature = sign(payload, WEBHOOK_SECRET, int(time.time()))
            answer = requests.post(
                f"{self.payments.url}/api/payments/webhook",
                data=payload,
                headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            outcomes.append(answer.json().get("outcome"))
        assert outcomes[1] == "duplicate", outcomes

    def all_paid_reached(self, timeout: float = 60) -> None:
        """Every order paid by the test is `paid` in orders."""
        eventually(
            lambda: all(self.order(i)["status"] == "paid" for i in self.paid),
            timeout=timeout,
            what="paid orders",
        )


def paid_event(payment: dict) -> dict:
    """The `checkout.session.completed` Stripe sends when the customer has paid."""
    session = {
        "id": payment["session_id"],
        "object": "checkout.session",
        "client_reference_id": payment["order_id"],
        "metadata": {"order_id": payment["order_id"], "payment_id": payment["payment_id"]},
        "amount_total": int(Decimal(payment["amount"]) * 100),
        "currency": payment["currency"],
        "payment_status": "paid",
        "status": "complete",
        "payment_intent": "pi_chaos_" + payment["order_id"].replace("-", ""),
    }
    return {
        "id": "evt_chaos_" + payment["order_id"].replace("-", ""),
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": session},
    }


def stand_in_for_notifications(amqp_url: str) -> None:
    """The notifications service is not run here: a queue bound as its mail queue is (and
    to the events nobody consumes yet), so the relays' mandatory publishes are routable."""
    [mail, *_] = NOTIFICATIONS.topology.subscriptions
    sink(amqp_url, STAND_IN, mail.bindings)


@pytest.fixture
def toxiproxy(tmp_path):
    proxy = Toxiproxy(tmp_path).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def shop(
    request,
    postgres_server,
    rabbitmq_server,
    amqp_url,
    jwks_server,
    signing_key,
    toxiproxy,
    tmp_path,
):
    """The shop, orders checking availability over gRPC (as the chart sets it) unless the
    test asks for "http" (`@pytest.mark.parametrize("shop", [...], indirect=True)`)."""
    transport = getattr(request, "param", "grpc")
    databases = {
        name: postgres_server.create_database() for name in ("orders", "inventory", "payments")
    }
    inventory = ServiceProcesses("inventory", {}, tmp_path)
    links = {
        "orders-db": toxiproxy.link("orders-db", postgres_server.port),
        "inventory-db": toxiproxy.link("inventory-db", postgres_server.port),
        "orders-amqp": toxiproxy.link("orders-amqp", rabbitmq_server.amqp_port),
        "inventory-amqp": toxiproxy.link("inventory-amqp", rabbitmq_server.amqp_port),
        "inventory-api": toxiproxy.link("inventory-api", inventory.port),
        "inventory-grpc": toxiproxy.link("inventory-grpc", inventory.grpc_port),
    }
    inventory.env.update(
        DATABASE_URL=through(databases["inventory"], links["inventory-db"]),
        AMQP_URL=through(amqp_url, links["inventory-amqp"]),
        JWKS_URL=jwks_server.url,
    )
    orders = ServiceProcesses(
        "orders",
        {
            "DATABASE_URL": through(databases["orders"], links["orders-db"]),
            "AMQP_URL": through(amqp_url, links["orders-amqp"]),
            "JWKS_URL": jwks_server.url,
            "INVENTORY_TRANSPORT": transport,
            "INVENTORY_URL": f"http://127.0.0.1:{links['inventory-api'].port}",
            "INVENTORY_GRPC_TARGET": f"127.0.0.1:{links['inventory-grpc'].port}",
        },
        tmp_path,
    )
    payments = ServiceProcesses("payments", {}, tmp_path)
    payments.env.update(
        DATABASE_URL=databases["payments"],
        AMQP_URL=amqp_url,
        JWKS_URL=jwks_server.url,
        PAYMENT_PROVIDER="local",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PUBLIC_URL=payments.url,
    )
    started = []
    try:
        for service in (inventory, orders, payments):
            started.append(service.prepare().start())
        stand_in_for_notifications(amqp_url)
        yield Shop(orders, inventory, payments, links, signing_key, amqp_url, databases, transport)
    finally:
        for service in reversed(started):
            service.stop()
        for url in databases.values():
            postgres_server.drop_database(url)
