"""A shop on the real node for failure tests: stocked products, a paced stream of orders
through the gateway that records how every POST ended, and the invariant auditor reaching
the cluster's PostgreSQL and RabbitMQ through port-forwards."""

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from mercado_local.invariants import Invariants

from ..e2e.client import Client
from .node import Node


def stocked(admin: Client, sku: str, price: str, quantity: int) -> str:
    """A new product with `quantity` received; its id."""
    created = admin.post("/api/products", json={"sku": sku, "name": f"Node {sku}", "price": price})
    assert created.status_code == 201, created.text
    receipt = {"kind": "receipt", "quantity": quantity, "reason": "real node"}
    moved = admin.post(f"/api/products/{created.json()['id']}/stock-movements", json=receipt)
    assert moved.status_code == 201, moved.text
    return created.json()["id"]


@dataclass
class Stream:
    """One order every `interval` s from a thread, until `limit` or stop(); every answer kept."""

    customer: Client
    product: str
    interval: float = 0.2
    limit: int = 100
    accepted: list[str] = field(default_factory=list)
    answers: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> "Stream":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 60) -> None:
        """Stop after the order in flight; wait for the thread."""
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float) -> None:
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the stream of orders did not finish"

    def _run(self) -> None:
        body = {
            "customer_id": self.customer.id,
            "products": [{"product_id": self.product, "quantity": 1, "price": 9.99}],
        }
        for _ in range(self.limit):
            if self._stop.is_set():
                return
            started = time.monotonic()
            try:
                answer = self.customer.post("/api/orders", json=body)
            except requests.RequestException as error:
                self.failures.append(f"no answer: {error}")
            else:
                self.answers[answer.status_code] += 1
                if answer.status_code == 200:
                    self.accepted.append(answer.json()["order_id"])
                else:
                    self.failures.append(f"{answer.status_code}: {answer.text[:300]}")
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))


@contextlib.contextmanager
def auditor(node: Node) -> Iterator[Invariants]:
    """The invariant auditor of local mode, on the cluster's databases and broker."""
    password = quote(node.secret("mercado-postgres-admin", "password"), safe="")
    broker = quote(node.secret("mercado-rabbitmq-admin", "password"), safe="")
    with (
        node.port_forward("pod/mercado-postgres-0", 5432) as postgres,
        node.port_forward("pod/mercado-rabbitmq-0", 5672) as amqp,
    ):

        def database(service: str) -> str:
            name = node.get("database", f"mercado-{service}")["spec"]["database"]
            return f"postgresql://postgres:{password}@127.0.0.1:{postgres}/{name}"

        yield Invariants(
            orders_db=database("orders"),
            inventory_db=database("inventory"),
            payments_db=database("payments"),
            notifications_db=database("notifications"),
            amqp_url=f"amqp://admin:{broker}@127.0.0.1:{amqp}/%2F",
        )
