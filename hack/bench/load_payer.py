"""The benchmark's stand-in for payments: every `payment.requested` is answered at once with
`payment.succeeded`; a second queue takes the events nobody consumes yet (notifications')."""

import threading
from dataclasses import dataclass

import pika

from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import exchange_for

REQUESTS, OTHERS = "bench.payment-requests", "bench.unconsumed"


@dataclass
class Payer:
    """A thread consuming payment requests and publishing their success."""

    amqp_url: str
    stop: threading.Event

    def start(self) -> "Payer":
        """Declare the queues, then pay in a daemon thread."""
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        channel = connection.channel()
        channel.exchange_declare(exchange_for("payments"), "topic", durable=True)
        channel.queue_declare(REQUESTS, durable=True)
        channel.queue_bind(REQUESTS, exchange_for("orders"), "payment.requested")
        channel.queue_declare(OTHERS, durable=True, arguments={"x-max-length": 1000})
        for service in ("orders", "inventory"):
            channel.queue_bind(OTHERS, exchange_for(service), "#")
        connection.close()
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        channel = connection.channel()
        channel.basic_qos(prefetch_count=100)
        for method, _properties, body in channel.consume(REQUESTS, inactivity_timeout=0.5):
            if self.stop.is_set():
                break
            if method is None:
                continue
            request = Event.from_json(body)
            data = {
                "order_id": request.data["order_id"],
                "payment_id": "bench-" + request.data["order_id"],
                "amount": request.data["amount"],
                "currency": request.data["currency"],
            }
            paid = Event("payment.succeeded", data, "/mercado/payments")
            channel.basic_publish(exchange_for("payments"), paid.type, paid.to_json())
            channel.basic_ack(method.delivery_tag)
        connection.close()
