"""Fixtures of the inventory's tests: a migrated database, the app, tokens, and a driver
that creates products, hands orders' events to the consumer's code and reads the outbox."""

import json
import os
import subprocess
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from mercado_inventory.adapters.unit_of_work import InventoryUnitOfWork
from mercado_inventory.bootstrap import SPEC, build
from mercado_inventory.config import Settings
from mercado_inventory.domain.products import MovementKind
from mercado_inventory.entrypoints.consumers import ORDERS, handlers
from mercado_inventory.service_layer import catalogue, stock
from mercado_platform.db import Database
from mercado_platform.messaging.consumer import Consumer
from mercado_platform.messaging.contracts import platform_contracts
from mercado_platform.messaging.events import Event
from mercado_platform.migrations import upgrade
from mercado_platform.testing.schema import migrated_database

NO_BROKER = "amqp://guest:guest@127.0.0.1:9/"


class Inventory:
    """Drives the inventory's code against its real database, as the consumer and staff do."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.units = SPEC.units(database)
        self.dependencies = build(settings, self.units)
        queue_handlers = handlers(self.dependencies)[ORDERS.name]
        self.consumer = Consumer(self.units, settings.amqp_url, ORDERS.name, queue_handlers)

    def uow(self) -> InventoryUnitOfWork:
        return self.units()

    def add_product(self, on_hand: int = 0, **fields) -> str:
        """A new product with `on_hand` received through the ledger; returns its id."""
        fields = {"sku": f"SKU-{uuid.uuid4().hex[:10]}", "name": "Widget", **fields}
        fields.setdefault("price", Decimal("9.90"))
        product = catalogue.create_product(self.uow(), **fields)
        if on_hand:
            stock.record_movement(
                self.uow(), product.id, MovementKind.RECEIPT, on_hand, "stock", "t"
            )
        return product.id

    def product(self, product_id: str):
        return catalogue.get_product(self.uow(), product_id)

    def handle(self, event: Event) -> tuple[str, str]:
        """What the consumer does with one message: (outcome, failure reason)."""
        return self.consumer.handle(event.to_json())

    def events(self, event_type: str | None = None) -> list[dict]:
        """The `data` of each event in the outbox, oldest first, of one type or all."""
        rows = self.scalars("SELECT body FROM outbox ORDER BY id")
        bodies = [json.loads(body) for body in rows]
        return [b["data"] for b in bodies if event_type in (None, b["type"])]

    def scalars(self, sql: str, **params) -> list:
        with self.database.engine.connect() as connection:
            return list(connection.execute(text(sql), params).scalars())

    def execute(self, sql: str, **params) -> None:
        with self.database.engine.begin() as connection:
            connection.execute(text(sql), params)


class Orders:
    """Events of the orders service, shaped exactly as its contracts say."""

    @staticmethod
    def placed(
        order_id: str, *lines: tuple[str, int], event_id: str | None = None, revision: int = 1
    ) -> Event:
        items = [
            {"product_id": product_id, "quantity": quantity, "unit_price": "9.90"}
            for product_id, quantity in lines
        ]
        data = {
            "order_id": order_id,
            "customer_id": str(uuid.uuid4()),
            "items": items,
            "total": "9.90",
            "currency": "eur",
            "revision": revision,
        }
        return _event("order.placed", data, event_id)

    @staticmethod
    def paid(order_id: str) -> Event:
        data = {"order_id": order_id, "customer_id": "c-1", "total": "9.90", "currency": "eur"}
        return _event("order.paid", data)

    @staticmethod
    def cancelled(order_id: str) -> Event:
        data = {"order_id": order_id, "customer_id": "c-1", "reason": "customer", "was_paid": False}
        return _event("order.cancelled", data)


def _event(event_type: str, data: dict, event_id: str | None = None) -> Event:
    event = Event(event_type, data, "/mercado/orders", id=event_id or str(uuid.uuid4()))
    platform_contracts().check(event, strict=True)
    return event


@pytest.fixture
def orders():
    return Orders()


@pytest.fixture
def database(database_url):
    with migrated_database(SPEC, database_url) as database:
        yield database


@pytest.fixture
def settings(database_url, jwks_server):
    return Settings(database_url=database_url, amqp_url=NO_BROKER, jwks_url=jwks_server.url)


@pytest.fixture
def inventory(database, settings):
    return Inventory(database, settings)


@pytest.fixture
def open_inventory(settings):
    """An Inventory on another database URL, migrated; disposed after the test."""
    opened: list[Inventory] = []

    def open_(url: str) -> Inventory:
        upgrade(url, SPEC.migrations, SPEC.metadata)
        opened.append(Inventory(Database(url), settings))
        return opened[-1]

    yield open_
    for inventory in opened:
        inventory.database.dispose()


@pytest.fixture
def client(database, settings, make_service_app):
    return make_service_app(SPEC, settings).test_client()


@pytest.fixture
def command(database_url, database, tmp_path):
    """Starts `mercado-inventory <args>` processes on the test's (migrated) database; each
    one's stdout is a pipe and its log (stderr) is the file `process.log`."""
    base = {**os.environ, "DATABASE_URL": database_url, "AMQP_URL": NO_BROKER, "LOG_LEVEL": "INFO"}
    processes: list[subprocess.Popen] = []

    def start(*args: str, **env: str) -> subprocess.Popen:
        log = tmp_path / f"process-{len(processes)}.log"
        with log.open("w") as stderr:
            process = subprocess.Popen(
                ["mercado-inventory", *args],
                env={**base, **env},
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        process.log = log
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


@pytest.fixture
def staff(signing_key):
    """Headers of a staff member allowed to change the catalogue and stock."""
    token = signing_key.token(sub=str(uuid.uuid4()), roles=["staff"], scope="inventory:write")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def customer(signing_key):
    """Headers of a customer, who may read but not change the inventory."""
    token = signing_key.token(sub=str(uuid.uuid4()), roles=["customer"], scope="orders:write")
    return {"Authorization": f"Bearer {token}"}
