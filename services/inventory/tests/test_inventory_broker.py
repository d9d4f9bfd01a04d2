"""End to end through a real RabbitMQ: orders' events published to `orders.events`, the
real `consume`, `relay` and `expire-reservations` processes, stock events seen on the broker."""

import json
import signal

import pika
import pytest

from mercado_inventory.entrypoints.consumers import ORDERS
from mercado_platform.messaging.topology import dead_letter_queue
from mercado_platform.testing.polling import eventually

OBSERVER = "test.inventory-events"


class Broker:
    """The test's own AMQP connection: publishes as orders does, watches what inventory says."""

    def __init__(self, amqp_url: str) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        self.seen: list[dict] = []

    def watch_inventory_events(self) -> None:
        self.channel.queue_declare(OBSERVER, auto_delete=True)
        self.channel.queue_bind(OBSERVER, "inventory.events", "#")

    def publish(self, event) -> None:
        properties = pika.BasicProperties(
            message_id=event.id, content_type="application/cloudevents+json", delivery_mode=2
        )
        self.channel.basic_publish("orders.events", event.type, event.to_json(), properties)

    def received(self, event_type: str) -> list[dict]:
        """The `data` of every `event_type` inventory has published so far."""
        while (message := self.channel.basic_get(OBSERVER, auto_ack=True))[0] is not None:
            self.seen.append(json.loads(message[2]))
        return [event["data"] for event in self.seen if event["type"] == event_type]

    def depth(self, queue: str) -> int:
        return self.channel.queue_declare(queue, passive=True).method.message_count


@pytest.fixture
def service(command, amqp_url):
    """`mercado-inventory <args>` processes on the test's database and virtual host."""
    return lambda *args, **env: command(*args, AMQP_URL=amqp_url, **env)


def test_orders_events_on_the_broker_become_stock_events_on_the_broker(
    service, amqp_url, inventory, orders
):
    assert service("declare").wait(60) == 0
    broker = Broker(amqp_url)
    broker.watch_inventory_events()
    mug = inventory.add_product(on_hand=5, sku="MUG-1")
    workers = [
        service("relay"),
        service("consume", RESERVATION_TTL_SECONDS="3", CONSUMER_MAX_ATTEMPTS="2"),
        service("expire-reservations", "--interval", "0.2"),
    ]

    broker.publish(orders.placed("order-a", (mug, 3)))
    broker.publish(orders.placed("order-b", (mug, 3)))
    broker.publish(orders.paid("never-placed"))
    reserved = eventually(lambda: broker.received("stock.reserved"), what="stock.reserved")
    assert reserved[0]["order_id"] == "order-a"
    assert reserved[0]["lines"] == [{"product_id": mug, "quantity": 3}]
    rejected = eventually(lambda: broker.received("stock.rejected"), what="stock.rejected")
    assert rejected == [
        {
            "order_id": "order-b",
            "lines": [
                {"product_id": mug, "requested": 3, "available": 2, "reason": "insufficient_stock"}
            ],
            "revision": 1,
        }
    ]
    assert [p["sku"] for p in broker.received("product.created")] == ["MUG-1"]

    released = eventually(lambda: broker.received("stock.released"), what="expiry releasing")
    assert released == [
        {"order_id": "order-a", "reason": "expired", "lines": [{"product_id": mug, "quantity": 3}]}
    ]
    assert inventory.product(mug).reserved == 0

    dlq = dead_letter_queue(ORDERS.name)
    eventually(lambda: broker.depth(dlq) == 1, what="order.paid without reservation dead-lettered")
    _, properties, body = broker.channel.basic_get(dlq, auto_ack=True)
    assert json.loads(body)["data"]["order_id"] == "never-placed"
    assert "ReservationNotFound" in properties.headers["x-mercado-failure"]
    assert broker.depth(ORDERS.name) == 0
    broker.connection.close()

    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    assert [worker.wait(30) for worker in workers] == [0, 0, 0], "each stops cleanly on SIGTERM"
