"""The order saga across the real orders and inventory services, each as its own API,
consumer and relay processes on real PostgreSQL and RabbitMQ. Payments is played by the
test, publishing `payment.*` events on its exchange, until the payments service lands."""

import pika
import pytest
import requests
from sqlalchemy import text

from mercado_local.services import ServiceProcesses
from mercado_platform.db import Database
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import exchange_for
from mercado_platform.testing.polling import eventually

CUSTOMER = "orders:read orders:write"
STAFF = "inventory:write orders:read:any orders:fulfil"


class Shop:
    """Orders and inventory running; calls made as a customer and as staff."""

    def __init__(
        self, orders: ServiceProcesses, inventory: ServiceProcesses, signing_key, amqp_url: str
    ):
        self.orders, self.inventory, self.amqp_url = orders, inventory, amqp_url
        self.customer_id = "c-" + signing_key.kid
        self.customer = {
            "Authorization": "Bearer " + signing_key.token(sub=self.customer_id, scope=CUSTOMER)
        }
        self.staff = {"Authorization": "Bearer " + signing_key.token(sub="staff-1", scope=STAFF)}

    def product(self, sku: str, price: str, stock: int) -> str:
        """A product in inventory with `stock` on hand, once orders has heard of it."""
        body = {"sku": sku, "name": sku.title(), "price": price}
        created = requests.post(
            f"{self.inventory.url}/api/products", json=body, headers=self.staff, timeout=5
        )
        assert created.status_code == 201, created.text
        product_id = created.json()["id"]
        receipt = {"kind": "receipt", "quantity": stock, "reason": "opening stock"}
        url = f"{self.inventory.url}/api/products/{product_id}/stock-movements"
        assert requests.post(url, json=receipt, headers=self.staff, timeout=5).status_code == 201
        return product_id

    def known_to_orders(self, product_id: str) -> None:
        """Wait until product.created reached orders' catalogue replica."""
        database = Database(self.orders.env["DATABASE_URL"])
        query = text("SELECT 1 FROM products WHERE product_id = :id")

        def replicated() -> bool:
            with database.engine.connect() as connection:
                return connection.execute(query, {"id": product_id}).first() is not None

        try:
            eventually(replicated, timeout=60, what=f"orders knows {product_id}")
        finally:
            database.dispose()

    def stock(self, product_id: str) -> dict:
        return requests.get(f"{self.inventory.url}/api/products/{product_id}", timeout=5).json()

    def place(self, product_id: str, quantity: int, price: float) -> requests.Response:
        body = {
            "customer_id": self.customer_id,
            "products": [{"product_id": product_id, "quantity": quantity, "price": price}],
        }
        return requests.post(
            f"{self.orders.url}/api/orders", json=body, headers=self.customer, timeout=10
        )

    def order(self, order_id: str) -> dict:
        return requests.get(
            f"{self.orders.url}/api/orders/{order_id}", headers=self.customer, timeout=5
        ).json()

    def cancel(self, order_id: str) -> requests.Response:
        url = f"{self.orders.url}/api/orders/{order_id}/cancel"
        return requests.post(url, headers=self.customer, timeout=5)

    def wait_status(self, order_id: str, status: str, timeout: float = 60) -> dict:
        return eventually(
            lambda: (order := self.order(order_id))["status"] == status and order,
            timeout=timeout,
            what=f"order {order_id} {status}",
        )

    def pay(self, kind: str, order_id: str, amount: str) -> None:
        data = {
            "order_id": order_id,
            "payment_id": "pay-" + order_id[:8],
            "amount": amount,
            "currency": "brl",
        }
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        channel = connection.channel()
        channel.exchange_declare(exchange_for("payments"), "topic", durable=True)
        channel.basic_publish(
            exchange_for("payments"), kind, Event(kind, data, "/mercado/payments").to_json()
        )
        connection.close()


@pytest.fixture
def shop(postgres_server, amqp_url, jwks_server, signing_key, tmp_path):
    common = {"AMQP_URL": amqp_url, "JWKS_URL": jwks_server.url}
    inventory = ServiceProcesses(
        "inventory", {**common, "DATABASE_URL": postgres_server.create_database()}, tmp_path
    )
    orders = ServiceProcesses(
        "orders",
        {
            **common,
            "DATABASE_URL": postgres_server.create_database(),
            "INVENTORY_URL": inventory.url,
        },
        tmp_path,
    )
    for service in (inventory, orders):
        service.prepare().start()
    yield Shop(orders, inventory, signing_key, amqp_url)
    for service in (orders, inventory):
        service.stop()


def test_happy_path_reserves_then_commits_the_stock(shop):
    mug = shop.product("mug", "19.99", 5)
    placed = shop.place(mug, 2, 19.99)
    assert placed.status_code == 200, placed.text
    order_id = placed.json()["order_id"]
    shop.wait_status(order_id, "awaiting_payment")
    assert (shop.stock(mug)["on_hand"], shop.stock(mug)["reserved"]) == (5, 2)
    shop.pay("payment.succeeded", order_id, "39.98")
    shop.wait_status(order_id, "paid")
    eventually(lambda: shop.stock(mug)["on_hand"] == 3, timeout=30, what="stock committed")
    assert shop.stock(mug)["reserved"] == 0


def test_cancel_before_payment_releases_the_stock(shop):
    mug = shop.product("cup", "5.00", 3)
    order_id = shop.place(mug, 3, 5.00).json()["order_id"]
    shop.wait_status(order_id, "awaiting_payment")
    assert shop.cancel(order_id).status_code == 200
    eventually(lambda: shop.stock(mug)["reserved"] == 0, timeout=30, what="stock released")
    assert shop.stock(mug)["on_hand"] == 3


def test_payment_expired_cancels_and_releases(shop):
    mug = shop.product("bowl", "7.50", 2)
    order_id = shop.place(mug, 2, 7.50).json()["order_id"]
    shop.wait_status(order_id, "awaiting_payment")
    shop.pay("payment.expired", order_id, "15.00")
    shop.wait_status(order_id, "cancelled")
    eventually(lambda: shop.stock(mug)["available"] == 2, timeout=30, what="stock released")


def test_cancel_after_payment_puts_the_stock_back_and_asks_for_a_refund(shop):
    mug = shop.product("plate", "3.00", 4)
    order_id = shop.place(mug, 4, 3.00).json()["order_id"]
    shop.wait_status(order_id, "awaiting_payment")
    shop.pay("payment.succeeded", order_id, "12.00")
    shop.wait_status(order_id, "paid")
    eventually(lambda: shop.stock(mug)["on_hand"] == 0, timeout=30, what="stock committed")
    assert shop.cancel(order_id).status_code == 200
    eventually(lambda: shop.stock(mug)["available"] == 4, timeout=30, what="stock returned")


def test_inventory_down_during_post_accepts_and_reserves_once_back(shop):
    mug = shop.product("jug", "11.00", 2)
    shop.known_to_orders(mug)
    shop.inventory.stop()
    placed = shop.place(mug, 2, 11.00)
    assert placed.status_code == 200 and placed.json()["status"] == "received"
    order_id = placed.json()["order_id"]
    assert shop.order(order_id)["status"] == "received"
    shop.inventory.start()
    shop.wait_status(order_id, "awaiting_payment")
    assert shop.stock(mug)["reserved"] == 2


def test_stock_rejected_when_the_reservation_cannot_be_met(shop):
    mug = shop.product("vase", "20.00", 1)
    shop.known_to_orders(mug)
    shop.inventory.stop("serve")
    first = shop.place(mug, 1, 20.00).json()["order_id"]
    second = shop.place(mug, 1, 20.00).json()["order_id"]
    shop.inventory.start("serve")
    statuses = {
        shop.wait_status(first, "awaiting_payment")["status"],
        shop.wait_status(second, "rejected")["status"],
    }
    assert statuses == {"awaiting_payment", "rejected"}
    assert shop.stock(mug)["reserved"] == 1
