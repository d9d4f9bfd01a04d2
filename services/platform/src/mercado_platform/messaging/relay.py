"""The outbox relay: claims unsent rows, publishes them with confirms, marks them sent.

Several relays may run on one outbox: `FOR UPDATE SKIP LOCKED` gives each its own rows.
A crash between publish and mark-sent publishes the row again; consumers' inboxes make
that harmless. LISTEN/NOTIFY wakes the relay as soon as a transaction with events commits.

An event no queue is bound to is unroutable: retried with backoff for a grace period (a
consumer's queue may be declared a little after its producer starts), then set aside, marked
sent with the reason in `last_error` and counted, so it never clogs the outbox for ever.
"""

import logging
import select
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

import pika
import psycopg2
import psycopg2.extensions
from pika.exceptions import AMQPError
from psycopg2.extensions import connection as PgConnection  # noqa: N812

from mercado_platform.broker import connection_parameters, run_reconnecting
from mercado_platform.failpoints import failpoint
from mercado_platform.messaging.metrics import MessagingMetrics
from mercado_platform.messaging.publisher import UNROUTABLE, BatchPublisher, Message
from mercado_platform.messaging.schema import NOTIFY_CHANNEL
from mercado_platform.messaging.tracing import Sending

log = logging.getLogger(__name__)
OUTAGES = (AMQPError, psycopg2.Error, OSError)

CLAIM = """
SELECT id, event_id, exchange, routing_key, body, extract(epoch FROM created_at),
  traceparent, tracestate, attempts
FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= now()
ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
"""
MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY(%s)"
POSTPONE = """
UPDATE outbox SET attempts = attempts + 1, last_error = %s,
  next_attempt_at = now() + least(interval '5 minutes', interval '1 second' * power(2, attempts))
WHERE id = %s
"""
SET_ASIDE = """
UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = %s WHERE id = %s
"""
PRUNE = "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => %s)"


@dataclass(frozen=True)
class RelaySettings:
    """How a relay batches, idles and prunes."""

    batch_size: int = 200
    idle_wait_seconds: float = 5.0
    prune_every_seconds: float = 300.0
    retention_seconds: float = 86_400.0
    unroutable_grace_seconds: float = 600.0


class Relay:
    """Moves committed events from one service's outbox to the broker."""

    def __init__(
        self,
        database_url: str,
        amqp_url: str,
        *,
        settings: RelaySettings | None = None,
        metrics: MessagingMetrics | None = None,
    ) -> None:
        self.database_url = database_url
        self.amqp_url = amqp_url
        self.settings = settings or RelaySettings()
        self.metrics = metrics or MessagingMetrics("relay")
        self._last_prune = 0.0

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set, reconnecting with backoff through any outage."""
        run_reconnecting(self._run_connected, stop, OUTAGES)

    def _run_connected(self, stop: threading.Event) -> None:
        database = psycopg2.connect(self.database_url, connect_timeout=5)
        listener = psycopg2.connect(self.database_url, connect_timeout=5)
        broker = pika.BlockingConnection(connection_parameters(self.amqp_url, name="outbox-relay"))
        try:
            listener.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            listener.cursor().execute(f"LISTEN {NOTIFY_CHANNEL}")
            publisher = BatchPublisher(broker.channel())
            log.info("relay connected")
            while not stop.is_set():
                _forget_wakeups(listener)
                relayed = self.relay_batch(database, publisher)
                self._prune_if_due(database)
                if relayed < self.settings.batch_size:
                    self._wait_for_notify(listener, stop, broker)
        finally:
            _close_quietly(broker, database, listener)

    def relay_batch(self, database: PgConnection, publisher: BatchPublisher) -> int:
        """Publish one batch of due rows; returns how many rows were claimed."""
        with database, database.cursor() as cursor:
            cursor.execute(CLAIM, (self.settings.batch_size,))
            rows = [OutboxRow(*row) for row in cursor.fetchall()]
            refusals = self._publish(publisher, rows)
            sent = []
            for row, refusal in zip(rows, refusals, strict=True):
                if refusal is None:
                    sent.append(row.id)
                    self.metrics.observe_publish(time.time() - float(row.created))
                    self.metrics.published.labels(row.routing_key).inc()
                else:
                    self._refused(cursor, row, refusal)
            failpoint("relay.after_publish")
            if sent:
                cursor.execute(MARK_SENT, (sent,))
        return len(rows)

    def _publish(self, publisher: BatchPublisher, rows: list["OutboxRow"]) -> list[str | None]:
        """Publish the rows, each under its own span (a child of the context it was
        created in), timing the batch."""
        sending = Sending(rows)
        started = time.perf_counter()
        try:
            refusals = publisher.publish(
                [row.message(sending.headers(index, row)) for index, row in enumerate(rows)]
            )
        except BaseException as error:
            sending.end(None, error)
            raise
        sending.end(refusals)
        if rows:
            self.metrics.publish_batch.observe(time.perf_counter() - started)
        return refusals

    def _refused(self, cursor: psycopg2.extensions.cursor, row: "OutboxRow", refusal: str) -> None:
        """Postpone a refused row; set an unroutable one aside once its grace is over."""
        age = time.time() - float(row.created)
        if refusal.startswith(UNROUTABLE) and age > self.settings.unroutable_grace_seconds:
            log.warning(
                "event %s: no queue is bound to %s on %s after %.0f s; set aside",
                row.event_id,
                row.routing_key,
                row.exchange,
                age,
            )
            cursor.execute(SET_ASIDE, (f"{refusal[:450]}; set aside", row.id))
            self.metrics.unroutable.inc()
            return
        log.warning(
            "event %s to %s not accepted (%s); retried later",
            row.event_id,
            row.routing_key,
            refusal,
        )
        cursor.execute(POSTPONE, (refusal[:500], row.id))
        self.metrics.publish_failures.inc()

    def _prune_if_due(self, database: PgConnection) -> None:
        if time.monotonic() - self._last_prune < self.settings.prune_every_seconds:
            return
        with database, database.cursor() as cursor:
            cursor.execute(PRUNE, (self.settings.retention_seconds,))
            if cursor.rowcount:
                log.info("pruned %d sent outbox rows", cursor.rowcount)
        self._last_prune = time.monotonic()

    def _wait_for_notify(
        self, listener: PgConnection, stop: threading.Event, broker: pika.BlockingConnection
    ) -> None:
        deadline = time.monotonic() + self.settings.idle_wait_seconds
        while not stop.is_set() and time.monotonic() < deadline:
            ready, _, _ = select.select([listener], [], [], min(1.0, deadline - time.monotonic()))
            broker.process_data_events(0)
            if ready:
                listener.poll()
                if listener.notifies:
                    return  # the next pass forgets them before its claim


def _forget_wakeups(listener: PgConnection) -> None:
    """Drop the notifications received so far: the claim about to run sees every event they
    announced (each was sent after its commit). Waking for them again found nothing: three
    statements and a pass for nothing, for each commit made while a batch was out."""
    listener.poll()
    listener.notifies.clear()


class OutboxRow(NamedTuple):
    id: int
    event_id: str
    exchange: str
    routing_key: str
    body: str
    created: float
    traceparent: str | None = None
    tracestate: str | None = None
    attempts: int = 0

    def message(self, headers: dict[str, str] | None = None) -> Message:
        """The row as a persistent CloudEvent message, its id the event's, its trace
        context in `headers`."""
        properties = pika.BasicProperties(
            message_id=self.event_id,
            type=self.routing_key,
            content_type="application/cloudevents+json",
            delivery_mode=pika.DeliveryMode.Persistent,
            headers=headers or None,
        )
        return Message(self.exchange, self.routing_key, self.body.encode(), properties)


def _close_quietly(broker: pika.BlockingConnection, *connections: PgConnection) -> None:
    for close in (broker.close, *(c.close for c in connections)):
        try:
            close()
        except Exception:  # already broken: nothing left to release
            log.debug("close failed", exc_info=True)
