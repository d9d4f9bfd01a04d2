"""Orders' consumer and relay as real processes, and the broker as inventory and payments
see it: the test publishes their events and reads what orders publishes."""

import json
from pathlib import Path

import pika

from mercado_orders.bootstrap import SPEC
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import declare, exchange_for
from mercado_platform.testing.polling import eventually
from mercado_platform.testing.processes import spawn, stop_process


class Saga:
    """Runs `mercado-orders consume` and `relay`; plays inventory and payments on the broker."""

    def __init__(self, database_url: str, amqp_url: str, logs: Path) -> None:
        self.env = {"DATABASE_URL": database_url, "AMQP_URL": amqp_url, "LOG_LEVEL": "INFO"}
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        self.channel = self.connection.channel()
        declare(self.channel, SPEC.topology)
        for service in ("inventory", "payments", "users"):
            self.channel.exchange_declare(exchange_for(service), "topic", durable=True)
        self.watch = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.watch, SPEC.exchange, "#")
        self.seen: list[dict] = []
        self.processes = [
            spawn(["mercado-orders", role], log=logs / f"orders-{role}.log", env=self.env)
            for role in ("consume", "relay")
        ]

    def publish(self, service: str, kind: str, data: dict, *, event_id: str | None = None) -> Event:
        """Publish an event as `service` would (same id twice = a redelivery)."""
        event = Event(kind, data, f"/mercado/{service}", **({"id": event_id} if event_id else {}))
        self.channel.basic_publish(exchange_for(service), kind, event.to_json())
        return event

    def published(
        self, kind: str, order_id: str, count: int = 1, timeout: float = 30
    ) -> list[dict]:
        """Wait until orders published `count` events of `kind` about `order_id`."""
        return eventually(
            lambda: len(found := self.matching(kind, order_id)) >= count and found,
            timeout=timeout,
            what=f"{count} {kind} for {order_id}",
        )

    def matching(self, kind: str, order_id: str) -> list[dict]:
        """Every `kind` event about `order_id` orders published so far."""
        for _method, _props, body in self._drain():
            self.seen.append(json.loads(body))
        return [e for e in self.seen if e["type"] == kind and e["data"]["order_id"] == order_id]

    def _drain(self) -> list[tuple]:
        messages = []
        while (message := self.channel.basic_get(self.watch, auto_ack=True))[0] is not None:
            messages.append(message)
        return messages

    def close(self) -> None:
        for process in self.processes:
            stop_process(process)
        self.connection.close()
