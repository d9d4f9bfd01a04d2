"""Helpers of the orders tests: stand-in inventories over HTTP and gRPC, a customer calling
the API, and direct looks at the database."""

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
from flask import Flask, jsonify, request
from sqlalchemy import text
from werkzeug.serving import make_server

from mercado.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from mercado_orders.bootstrap import SPEC
from mercado_orders.service_layer import replicas
from mercado_platform.db import Database
from mercado_platform.messaging.events import Event

CUSTOMER_SCOPES = "orders:read orders:write payments:read notifications:read profile"
STAFF_SCOPES = "inventory:write orders:read:any orders:fulfil notifications:read:any"


class InventoryStub:
    """A real HTTP server answering inventory's availability check from `stock`."""

    def __init__(self) -> None:
        self.stock: dict[str, tuple[str, int]] = {}
        self.calls = 0
        self.failing = False
        self.delay = 0.0
        app = Flask("inventory-stub")

        @app.post("/api/stock/availability")
        def availability():
            self.calls += 1
            time.sleep(self.delay)
            if self.failing:
                return jsonify(error="boom"), 500
            items = []
            for line in request.get_json()["items"]:
                price, available = self.stock.get(line["product_id"], (None, 0))
                items.append(
                    {
                        "product_id": line["product_id"],
                        "price": price,
                        "available_quantity": available,
                        "available": available >= line["quantity"],
                    }
                )
            return jsonify(items=items)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Shopper:
    """A customer (or staff member) with a token, calling the API."""

    def __init__(self, client, token: str, customer_id: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.id = customer_id

    def order(self, lines: list[tuple[str, int, str]], *, key: str | None = None, **body):
        payload = {
            "customer_id": self.id,
            "products": [
                {"product_id": p, "quantity": q, "price": json.loads(price)}
                for p, q, price in lines
            ],
            **body,
        }
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        return self.client.post("/api/orders", json=payload, headers=headers)

    def using(self, client) -> "Shopper":
        """The same person on another client (one per thread)."""
        twin = Shopper(client, "", self.id)
        twin.headers = self.headers
        return twin

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers=self.headers, **kwargs)


def replicate(database: Database, kind: str, data: dict) -> Event:
    """Apply another service's event the way the replicas consumer does."""
    event = Event(kind, data, "/mercado/test")
    with SPEC.units(database)() as uow:
        replicas.HANDLERS[kind](event, uow)
        uow.commit()
    return event


def product(database: Database, name: str, price: str, **extra) -> str:
    """A product in orders' catalogue replica; returns its id."""
    product_id = str(uuid.uuid4())
    data = {
        "product_id": product_id,
        "sku": f"SKU-{product_id[:8]}",
        "name": name,
        "price": price,
        "active": True,
    }
    replicate(database, "product.created", {**data, **extra})
    return product_id


def outbox(database: Database, kind: str | None = None) -> list[dict]:
    """The events orders wrote to its outbox, oldest first, as (type, data) documents."""
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT routing_key, body FROM outbox ORDER BY id")).all()
    events = [{"type": row.routing_key, **json.loads(row.body)} for row in rows]
    return [e for e in events if kind is None or e["type"] == kind]


def count(database: Database, table: str) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


class GrpcInventoryStub(inventory_pb2_grpc.InventoryServicer):
    """A real gRPC server answering inventory's CheckAvailability from `stock`."""

    def __init__(self) -> None:
        self.stock: dict[str, tuple[str, int]] = {}
        self.calls = 0
        self.failing: grpc.StatusCode | None = None
        self.delay = 0.0
        self.server = grpc.server(ThreadPoolExecutor(max_workers=4))
        inventory_pb2_grpc.add_InventoryServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.target = f"127.0.0.1:{self.port}"
        self.server.start()

    def CheckAvailability(self, request, context):  # noqa: N802
        self.calls += 1
        time.sleep(self.delay)
        if self.failing is not None:
            context.abort(self.failing, "boom")
        items = []
        for line in request.items:
            price, available = self.stock.get(line.product_id, (None, 0))
            items.append(
                inventory_pb2.LineAvailability(
                    product_id=line.product_id,
                    quantity=line.quantity,
                    price=price,
                    available_quantity=available,
                    available=available >= line.quantity,
                    reason=None if price else "unknown_product",
                )
            )
        return inventory_pb2.CheckAvailabilityResponse(items=items)
