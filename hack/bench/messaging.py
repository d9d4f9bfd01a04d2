"""Messaging benchmark: relay throughput against raw pika publishing the same batches
with confirms (the ceiling) and one confirm at a time, and commit-to-delivery latency at
light load, on private PostgreSQL and RabbitMQ servers.

    make bench-messaging            (or: uv run python hack/bench/messaging.py --events 5000)
"""

import argparse
import statistics
import threading
import time
from pathlib import Path

import pika
from sqlalchemy import text

from mercado_platform.db import Database, UnitOfWork, service_metadata
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.publisher import BatchPublisher, Message
from mercado_platform.messaging.relay import Relay, RelaySettings
from mercado_platform.messaging.topology import Subscription, Topology, declare
from mercado_platform.migrations import upgrade
from mercado_platform.testing.postgres import PostgresServer
from mercado_platform.testing.rabbitmq import RabbitServer

VERSIONS = Path(__file__).resolve().parents[2] / "services/platform/tests/shop/versions"
TOPOLOGY = Topology("bench", subscriptions=(Subscription("bench.sink", (("bench.events", "#"),)),))
RELAY_BATCH = 500
PAYLOAD = {
    "order_id": "987654",
    "customer_id": "123456",
    "total": "69.97",
    "currency": "brl",
    "items": [
        {"product_id": "789", "quantity": 2, "unit_price": "19.99"},
        {"product_id": "456", "quantity": 1, "unit_price": "29.99"},
    ],
}


def properties(message_id: str) -> pika.BasicProperties:
    """What the relay sends with an event: persistent CloudEvents JSON."""
    return pika.BasicProperties(
        message_id=message_id, content_type="application/cloudevents+json", delivery_mode=2
    )


def raw_publish_rate(amqp_url: str, count: int, batch: int) -> float:
    """Events/s publishing the same envelopes straight from pika, `batch` per confirm wait."""
    bodies = [Event("order.placed", PAYLOAD, "/bench").to_json() for _ in range(count)]
    messages = [
        Message("bench.events", "order.placed", body, properties(str(i)))
        for i, body in enumerate(bodies)
    ]
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    publisher = BatchPublisher(connection.channel())
    started = time.perf_counter()
    for first in range(0, count, batch):
        publisher.publish(messages[first : first + batch])
    elapsed = time.perf_counter() - started
    connection.close()
    return count / elapsed


def relay_rate(database: Database, database_url: str, amqp_url: str, count: int) -> float:
    """Events/s for a relay draining `count` committed events from the outbox."""
    with UnitOfWork(database, TOPOLOGY.exchange) as uow:
        for _ in range(count):
            uow.publish(Event("order.placed", PAYLOAD, "/bench"))
        uow.commit()
    stop = threading.Event()
    relay = Relay(
        database_url,
        amqp_url,
        settings=RelaySettings(batch_size=RELAY_BATCH, idle_wait_seconds=0.2),
    )
    started = time.perf_counter()
    worker = threading.Thread(target=relay.run, args=(stop,))
    worker.start()
    deadline = time.monotonic() + 300
    while unsent(database):
        if time.monotonic() > deadline:
            stop.set()
            raise SystemExit("the relay did not drain the outbox within 300 s; see its log above")
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    worker.join()
    return count / elapsed


def unsent(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        ).scalar_one()


def commit_to_delivery_latencies(
    database: Database, database_url: str, amqp_url: str, count: int, rate: float
) -> list[float]:
    """Seconds from commit() returning to a consumer receiving the event, at `rate` events/s."""
    committed: dict[str, float] = {}
    received: dict[str, float] = {}
    stop = threading.Event()
    relay = Relay(database_url, amqp_url, settings=RelaySettings(idle_wait_seconds=5))
    relay_thread = threading.Thread(target=relay.run, args=(stop,))
    relay_thread.start()
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.queue_purge("bench.sink")

    def on_message(ch, method, props, body) -> None:  # noqa: ANN001
        received[props.message_id] = time.perf_counter()
        ch.basic_ack(method.delivery_tag)

    channel.basic_consume("bench.sink", on_message)
    for _ in range(count):
        event = Event("order.placed", PAYLOAD, "/bench")
        with UnitOfWork(database, TOPOLOGY.exchange) as uow:
            uow.publish(event)
            uow.commit()
        committed[event.id] = time.perf_counter()
        connection.process_data_events(time_limit=1 / rate)
    deadline = time.monotonic() + 30
    while len(received) < count and time.monotonic() < deadline:
        connection.process_data_events(time_limit=0.1)
    connection.close()
    stop.set()
    relay_thread.join()
    return [received[i] - committed[i] for i in committed if i in received]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000, help="events per throughput round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-events", type=int, default=300)
    parser.add_argument("--latency-rate", type=float, default=50.0, help="events/s at light load")
    args = parser.parse_args()
    print("starting private PostgreSQL and RabbitMQ ...", flush=True)
    postgres, rabbit = PostgresServer().start(), RabbitServer().start()
    try:
        database_url, amqp_url = postgres.create_database(), rabbit.amqp_url(rabbit.create_vhost())
        metadata = service_metadata()
        upgrade(database_url, VERSIONS, metadata)
        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        declare(connection.channel(), TOPOLOGY)
        connection.channel().queue_purge("bench.sink")
        connection.close()
        database = Database(database_url)
        raw, single, relayed = [], [], []
        for round_ in range(1, args.rounds + 1):
            raw.append(raw_publish_rate(amqp_url, args.events, RELAY_BATCH))
            single.append(raw_publish_rate(amqp_url, args.events, 1))
            relayed.append(relay_rate(database, database_url, amqp_url, args.events))
            print(
                f"round {round_}: raw pika {raw[-1]:,.0f} ev/s ({single[-1]:,.0f} one at a time),"
                f" relay {relayed[-1]:,.0f} ev/s",
                flush=True,
            )
            purge(amqp_url)
        latencies = commit_to_delivery_latencies(
            database, database_url, amqp_url, args.latency_events, args.latency_rate
        )
        report(raw, single, relayed, latencies, args)
    finally:
        postgres.destroy()
        rabbit.destroy()


def report(
    raw: list[float],
    single: list[float],
    relayed: list[float],
    latencies: list[float],
    args: argparse.Namespace,
) -> None:
    """Print the medians, their ratio and the latency percentiles."""
    raw_median, relay_median = statistics.median(raw), statistics.median(relayed)
    single_median = statistics.median(single)
    rounds = f"(median of {args.rounds})"
    print()
    print(f"raw pika publish with confirms (ceiling): {raw_median:,.0f} events/s {rounds}")
    print(f"  the same, one confirm at a time:        {single_median:,.0f} events/s")
    print(f"outbox relay with confirms:               {relay_median:,.0f} events/s {rounds}")
    print(f"relay / ceiling:                          {relay_median / raw_median:.2f}")
    print(f"relay / one confirm at a time:            {relay_median / single_median:.2f}")
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"commit-to-delivery at {args.latency_rate:.0f} ev/s ({len(latencies)} events): "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms  (target p50 < 20 ms)"
    )


def purge(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    connection.channel().queue_purge("bench.sink")
    connection.close()


if __name__ == "__main__":
    main()
