"""The idempotent consumer: handle, record in the inbox, commit, then ack.

A message whose id is already in the inbox is acknowledged without a second effect.
A failing handler sends the message to the retry queue (back after a delay) until it
has failed `max_attempts` times, then to the dead-letter queue with the reason.

Messages that arrive together (a backlog) are applied in one transaction, up to
`batch_size`, and acknowledged together after its commit: one commit instead of one per
message. If any of them fails, the transaction is rolled back and each is handled alone.
"""

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import pika
from opentelemetry.trace import Span
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, ConsumerCancelled
from pika.spec import BasicProperties
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from mercado_platform.broker import connection_parameters, run_reconnecting
from mercado_platform.db import UnitOfWork, UnitsOfWork
from mercado_platform.failpoints import failpoint
from mercado_platform.messaging import tracing
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.metrics import MessagingMetrics
from mercado_platform.messaging.topology import dead_letter_queue, retry_queue

log = logging.getLogger(__name__)

Handler = Callable[[Event, UnitOfWork], None]
Headers = Mapping[str, Any] | None
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
    batch_size: int = 20


class Delivery(NamedTuple):
    """One message as the broker delivered it."""

    tag: int
    props: BasicProperties
    body: bytes


class Consumer:
    """Consumes one queue, dispatching each event type to its handler."""

    def __init__(
        self,
        units: UnitsOfWork,
        amqp_url: str,
        queue: str,
        handlers: Mapping[str, Handler],
        *,
        settings: ConsumerSettings | None = None,
        metrics: MessagingMetrics | None = None,
    ) -> None:
        self.units = units
        self.amqp_url = amqp_url
        self.queue = queue
        self.handlers = handlers
        self.settings = settings or ConsumerSettings()
        self.metrics = metrics or MessagingMetrics("consumer")

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set, reconnecting with backoff through broker outages."""
        run_reconnecting(self._consume, stop, (AMQPError, OSError, OperationalError))

    def _consume(self, stop: threading.Event) -> None:
        params = connection_parameters(self.amqp_url, name=f"consumer:{self.queue}")
        connection = pika.BlockingConnection(params)
        arrived: list[Delivery] = []
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            channel.basic_qos(prefetch_count=self.settings.prefetch)
            channel.basic_consume(
                self.queue,
                lambda _ch, method, props, body: arrived.append(
                    Delivery(method.delivery_tag, props, body)
                ),
            )
            log.info("consuming %s", self.queue)
            while not stop.is_set():
                if not channel.consumer_tags:
                    # the broker cancelled us (the queue was deleted): reconnect, consume anew
                    raise ConsumerCancelled(self.queue)
                connection.process_data_events(time_limit=1)
                while arrived:
                    batch = arrived[: self.settings.batch_size]
                    del arrived[: len(batch)]
                    self._deliver(channel, batch)
            channel.close()
        finally:
            if connection.is_open:
                connection.close()

    def _deliver(self, channel: BlockingChannel, batch: list[Delivery]) -> None:
        outcomes = None
        if len(batch) > 1:
            outcomes = self.handle_together(
                [d.body for d in batch], [d.props.headers for d in batch]
            )
        if outcomes is None:
            for delivery in batch:
                self._on_message(channel, delivery)
            return
        failpoint("consumer.before_ack")
        channel.basic_ack(batch[-1].tag, multiple=True)
        for outcome in outcomes:
            self.metrics.consumed.labels(self.queue, outcome).inc()
        self.metrics.batch_size.labels(self.queue).observe(len(batch))

    def _on_message(self, channel: BlockingChannel, delivery: Delivery) -> None:
        outcome, reason = self.handle(delivery.body, delivery.props.headers)
        if outcome == "failed":
            outcome = self._retry_or_dead_letter(channel, delivery, reason)
        failpoint("consumer.before_ack")
        channel.basic_ack(delivery.tag)
        self.metrics.consumed.labels(self.queue, outcome).inc()
        self.metrics.batch_size.labels(self.queue).observe(1)

    def handle(self, body: bytes, headers: Headers = None) -> tuple[str, str]:
        """Apply one message once (`headers`: its AMQP headers, with the trace context the
        relay sent); returns (outcome, failure reason)."""
        try:
            event = Event.from_json(body)
        except ValueError as exc:
            return "failed", f"unreadable message: {exc}"
        if event.type not in self.handlers:
            log.warning("no handler for %s on %s; dropped", event.type, self.queue)
            return "ignored", ""
        try:
            # the commit too is part of the message's span
            with tracing.processing(self.queue, event, headers) as span, self.units() as uow:
                outcome = self._apply(event, uow, span)
                uow.commit()
        except OperationalError:
            raise  # our database is down: leave the message unacked, reconnect after a backoff
        except Exception as exc:  # the handler's failure decides retry or dead letter
            log.exception("handling %s %s failed", event.type, event.id)
            return "failed", f"{type(exc).__name__}: {exc}"[:1000]
        return outcome, ""

    def handle_together(
        self, bodies: list[bytes], headers: list[Headers] | None = None
    ) -> list[str] | None:
        """Apply several messages in one transaction; their outcomes, or None if any of
        them cannot be (unreadable, unhandled, failing): nothing is then kept."""
        try:
            events = [Event.from_json(body) for body in bodies]
        except ValueError:
            return None
        if any(event.type not in self.handlers for event in events):
            return None
        carried = headers or [None] * len(events)
        try:
            with tracing.batch(self.queue, events, carried), self.units() as uow:
                outcomes = [
                    self._apply_in_batch(event, uow, each)
                    for event, each in zip(events, carried, strict=True)
                ]
                uow.commit()
        except Exception:  # each is handled alone next, where its failure is dealt with
            log.info("a batch of %d on %s failed; one at a time", len(bodies), self.queue)
            return None
        return outcomes

    def _apply_in_batch(self, event: Event, uow: UnitOfWork, headers: Headers) -> str:
        """`_apply`, under a span of the event's own in its own trace (linked to the batch's)."""
        with tracing.processing(self.queue, event, headers) as span:
            return self._apply(event, uow, span)

    def _apply(self, event: Event, uow: UnitOfWork, span: Span | None) -> str:
        """Record `event` in the inbox and run its handler, unless it was seen before."""
        params = {"queue": self.queue, "id": event.id, "type": event.type}
        if uow.session.execute(RECORD, params).rowcount == 0:
            tracing.mark_duplicate(span)
            return "duplicate"
        started = time.perf_counter()
        self.handlers[event.type](event, uow)
        self.metrics.observe_handled(self.queue, event.type, time.perf_counter() - started)
        self.metrics.lag.labels(self.queue).observe(_age(event))
        return "handled"

    def _retry_or_dead_letter(
        self, channel: BlockingChannel, delivery: Delivery, reason: str
    ) -> str:
        props = delivery.props
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
        channel.basic_publish("", target, delivery.body, forwarded, mandatory=True)
        return "dead_lettered" if dead else "retried"


def _age(event: Event) -> float:
    """Seconds since the event was created (0 when its time is unreadable)."""
    try:
        created = datetime.fromisoformat(event.time)
    except ValueError:
        return 0.0
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return max((datetime.now(UTC) - created).total_seconds(), 0.0)
