"""The idempotent consumer: handle, record in the inbox, commit, then ack.

A message whose id is already in the inbox is acknowledged without a second effect.
A failing handler sends the message to the retry queue (back after a delay) until it
has failed `max_attempts` times, then to the dead-letter queue with the reason.
"""

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError
from pika.spec import Basic, BasicProperties
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from mercado_platform.broker import connection_parameters, run_reconnecting
from mercado_platform.db import Database, UnitOfWork
from mercado_platform.failpoints import failpoint
from mercado_platform.messaging.contracts import Contracts
from mercado_platform.messaging.events import Event, current_trace
from mercado_platform.messaging.metrics import MessagingMetrics
from mercado_platform.messaging.topology import dead_letter_queue, retry_queue

log = logging.getLogger(__name__)

Handler = Callable[[Event, UnitOfWork], None]
ATTEMPTS_HEADER = "x-mercado-attempts"
REASON_HEADER = "x-mercado-failure"
RECORD = text(
    "INSERT INTO inbox (queue, message_id, event_type) VALUES (:queue, :id, :type) "
    "ON CONFLICT DO NOTHING"
)


@dataclass(frozen=True)
class ConsumerSettings:
    """Flow control and failure policy of one consumer."""

    prefetch: int = 20
    max_attempts: int = 5


class Consumer:
    """Consumes one queue, dispatching each event type to its handler."""

    def __init__(
        self,
        database: Database,
        amqp_url: str,
        queue: str,
        handlers: Mapping[str, Handler],
        *,
        exchange: str | None = None,
        contracts: Contracts | None = None,
        settings: ConsumerSettings | None = None,
        metrics: MessagingMetrics | None = None,
    ) -> None:
        self.database = database
        self.amqp_url = amqp_url
        self.queue = queue
        self.handlers = handlers
        self.exchange = exchange
        self.contracts = contracts
        self.settings = settings or ConsumerSettings()
        self.metrics = metrics or MessagingMetrics("consumer")

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set, reconnecting with backoff through broker outages."""
        run_reconnecting(self._consume, stop, (AMQPError, OSError, OperationalError))

    def _consume(self, stop: threading.Event) -> None:
        params = connection_parameters(self.amqp_url, name=f"consumer:{self.queue}")
        connection = pika.BlockingConnection(params)
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            channel.basic_qos(prefetch_count=self.settings.prefetch)
            channel.basic_consume(self.queue, self._on_message)
            log.info("consuming %s", self.queue)
            while not stop.is_set():
                connection.process_data_events(time_limit=1)
            channel.close()
        finally:
            if connection.is_open:
                connection.close()

    def _on_message(
        self, channel: BlockingChannel, method: Basic.Deliver, props: BasicProperties, body: bytes
    ) -> None:
        outcome, reason = self.handle(body)
        if outcome == "failed":
            outcome = self._retry_or_dead_letter(channel, props, body, reason)
        failpoint("consumer.before_ack")
        channel.basic_ack(method.delivery_tag)
        self.metrics.consumed.labels(self.queue, outcome).inc()

    def handle(self, body: bytes) -> tuple[str, str]:
        """Apply one message once; returns (outcome, failure reason)."""
        try:
            event = Event.from_json(body)
        except ValueError as exc:
            return "failed", f"unreadable message: {exc}"
        handler = self.handlers.get(event.type)
        if handler is None:
            log.warning("no handler for %s on %s; dropped", event.type, self.queue)
            return "ignored", ""
        token = current_trace.set(event.traceparent)
        try:
            with UnitOfWork(self.database, self.exchange, self.contracts) as uow:
                params = {"queue": self.queue, "id": event.id, "type": event.type}
                if uow.session.execute(RECORD, params).rowcount == 0:
                    return "duplicate", ""
                handler(event, uow)
                uow.commit()
        except OperationalError:
            raise  # our database is down: leave the message unacked, reconnect after a backoff
        except Exception as exc:  # the handler's failure decides retry or dead letter
            log.exception("handling %s %s failed", event.type, event.id)
            return "failed", f"{type(exc).__name__}: {exc}"[:1000]
        finally:
            current_trace.reset(token)
        return "handled", ""

    def _retry_or_dead_letter(
        self, channel: BlockingChannel, props: BasicProperties, body: bytes, reason: str
    ) -> str:
        headers = dict(props.headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0)) + 1
        headers.update({ATTEMPTS_HEADER: attempts, REASON_HEADER: reason})
        dead = attempts >= self.settings.max_attempts
        target = dead_letter_queue(self.queue) if dead else retry_queue(self.queue)
        forwarded = pika.BasicProperties(
            message_id=props.message_id,
            type=props.type,
            content_type=props.content_type,
            delivery_mode=pika.DeliveryMode.Persistent,
            headers=headers,
        )
        channel.basic_publish("", target, body, forwarded, mandatory=True)
        return "dead_lettered" if dead else "retried"
