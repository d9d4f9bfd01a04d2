"""The messaging core against real PostgreSQL and RabbitMQ, with real relay and consumer
processes started through the service command line."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pika
import pytest
import requests
from sqlalchemy import text

from mercado_platform.config import ServiceSettings
from mercado_platform.db import Database, UnitOfWork
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import dead_letter_queue, declare
from mercado_platform.migrations import upgrade
from mercado_platform.service import create_app
from mercado_platform.testing.polling import eventually, holds
from mercado_platform.testing.processes import free_port

from .shop.app import QUEUE, SPEC

APP = Path(__file__).parent / "shop" / "app.py"


class Shop:
    """The shop service's database, broker and processes, as a test drives them."""

    def __init__(self, database_url: str, amqp_url: str) -> None:
        self.env = {"DATABASE_URL": database_url, "AMQP_URL": amqp_url, "LOG_LEVEL": "WARNING"}
        self.amqp_url = amqp_url
        self.database = Database(database_url)
        self.processes: list[subprocess.Popen] = []

    def start(self, command: str, *, stderr: Path | None = None, **env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, str(APP), command],
            env={**os.environ, **self.env, **env},
            stderr=stderr.open("w") if stderr else None,
        )
        self.processes.append(process)
        return process

    def place(
        self, count: int, *, kind: str = "order.placed", start: int = 0, commit: bool = True
    ) -> list[str]:
        events = [Event(kind, {"seq": start + i}, "/mercado/shop") for i in range(count)]
        with UnitOfWork(self.database, SPEC.exchange, SPEC.contracts) as uow:
            for event in events:
                uow.publish(event)
            if commit:
                uow.commit()
        return [event.id for event in events]

    def scalar(self, sql: str) -> int:
        with self.database.engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()

    def applied(self) -> Counter:
        with self.database.engine.connect() as connection:
            return Counter(connection.execute(text("SELECT event_id FROM applied")).scalars())

    def wait_applied(self, ids: list[str], timeout: float = 90) -> Counter:
        return eventually(
            lambda: (applied := self.applied()).keys() >= set(ids) and applied,
            timeout=timeout,
            what=f"{len(ids)} events applied",
        )

    def queue_depth(self, queue: str) -> int:
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        try:
            return connection.channel().queue_declare(queue, passive=True).method.message_count
        finally:
            connection.close()

    def stop_all(self) -> list[int | None]:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = [process.wait(30) for process in self.processes]
        self.processes.clear()
        return codes


def open_shop(database_url: str, amqp_url: str) -> Shop:
    upgrade(database_url, SPEC.migrations, SPEC.metadata)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    declare(connection.channel(), SPEC.topology)
    connection.close()
    return Shop(database_url, amqp_url)


def close_shop(shop: Shop) -> None:
    for process in shop.processes:
        process.kill()
    shop.database.dispose()


@pytest.fixture
def shop(database_url, amqp_url):
    shop = open_shop(database_url, amqp_url)
    yield shop
    close_shop(shop)


@pytest.fixture
def shop_on_own_postgres(disposable_postgres, amqp_url):
    shop = open_shop(disposable_postgres.url(), amqp_url)
    yield shop
    close_shop(shop)


def test_event_is_published_if_and_only_if_its_transaction_commits(shop):
    kept = shop.place(3)
    shop.place(3, start=100, commit=False)
    assert shop.scalar("SELECT count(*) FROM outbox") == 3
    api = create_app(
        SPEC, ServiceSettings(database_url=shop.env["DATABASE_URL"], amqp_url=shop.amqp_url)
    )
    assert "outbox_backlog 3.0" in api.test_client().get("/metrics").get_data(as_text=True)
    relay_port, consumer_port = free_port(), free_port()
    shop.start("relay", METRICS_PORT=str(relay_port))
    shop.start("consume", METRICS_PORT=str(consumer_port))
    applied = shop.wait_applied(kept)
    eventually(lambda: shop.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0)
    assert applied == Counter({event_id: 1 for event_id in kept})
    assert shop.scalar("SELECT count(*) FROM applied WHERE seq >= 100") == 0
    assert "outbox_backlog 0.0" in api.test_client().get("/metrics").get_data(as_text=True)
    relay_metrics = requests.get(f"http://127.0.0.1:{relay_port}/metrics", timeout=5).text
    assert 'outbox_published_total{type="order.placed"} 3.0' in relay_metrics
    assert "outbox_commit_to_publish_seconds_count 3.0" in relay_metrics
    consumer_metrics = requests.get(f"http://127.0.0.1:{consumer_port}/metrics", timeout=5).text
    assert 'consumer_messages_total{outcome="handled",queue="shop.orders"} 3.0' in consumer_metrics
    assert shop.stop_all() == [0, 0], "relay and consumer stop cleanly on SIGTERM"


def test_the_relay_wakes_for_every_commit_alone_or_in_a_burst(shop):
    """Each commit's notification wakes the relay: nothing waits for its 5 s idle poll."""
    shop.start("relay")
    shop.start("consume")
    shop.wait_applied(shop.place(1))  # both processes are up
    for n in range(1, 6):
        shop.wait_applied(shop.place(1, start=n), timeout=3)
    burst = [event_id for n in range(10) for event_id in shop.place(1, start=10 + n)]
    shop.wait_applied(burst, timeout=3)
    assert shop.stop_all() == [0, 0]


def test_relay_killed_between_publish_and_mark_sent_delivers_again_applied_once(shop):
    ids = shop.place(5)
    crashed = shop.start("relay", MERCADO_FAILPOINT="relay.after_publish")
    assert crashed.wait(30) == -signal.SIGKILL
    assert shop.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 5
    assert shop.queue_depth(QUEUE) == 5, "published before the crash"
    shop.start("relay")
    shop.start("consume")
    applied = shop.wait_applied(ids)
    eventually(lambda: shop.queue_depth(QUEUE) == 0, what="redeliveries consumed")
    assert applied == Counter({event_id: 1 for event_id in ids})
    assert shop.scalar("SELECT count(*) FROM inbox") == 5


def test_broker_restart_while_relaying_1000_events_loses_and_doubles_nothing(shop, rabbitmq_server):
    ids: list[str] = []
    broker_down = threading.Event()

    def stream() -> None:
        """1,000 orders in 50 transactions over several seconds, as a busy service makes them;
        the second half waits for the outage, so it is made while the broker is away."""
        for batch in range(50):
            if batch == 25:
                broker_down.wait(timeout=120)
            ids.extend(shop.place(20, start=batch * 20))
            time.sleep(0.1)

    producer = threading.Thread(target=stream)
    shop.start("relay", RELAY_BATCH_SIZE="10")
    shop.start("consume")
    producer.start()
    eventually(lambda: shop.scalar("SELECT count(*) FROM applied") > 0, what="first event applied")
    rabbitmq_server.ctl("stop_app")
    broker_down.set()
    eventually(
        lambda: shop.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") > 0,
        what="events waiting in the outbox while the broker is down",
    )
    rabbitmq_server.ctl("start_app")
    producer.join()
    applied = shop.wait_applied(ids, timeout=180)
    assert len(ids) == 1000
    assert len(applied) == 1000 and set(applied.values()) == {1}
    assert shop.stop_all() == [0, 0]


def test_two_relays_on_one_outbox_publish_everything_once(shop):
    ids = shop.place(1000)
    shop.start("relay", RELAY_BATCH_SIZE="25")
    shop.start("relay", RELAY_BATCH_SIZE="25")
    shop.start("consume")
    applied = shop.wait_applied(ids, timeout=120)
    assert len(applied) == 1000 and set(applied.values()) == {1}
    eventually(lambda: shop.queue_depth(QUEUE) == 0, what="queue drained")
    assert shop.scalar("SELECT count(*) FROM inbox") == 1000


def test_failing_handler_dead_letters_after_its_attempts_and_replay_puts_it_back(shop):
    poisoned = shop.place(1, kind="order.poisoned", start=7)
    good = shop.place(10, start=100)
    shop.start("relay")
    shop.start("consume", CONSUMER_MAX_ATTEMPTS="3")
    shop.wait_applied(good)
    dlq = dead_letter_queue(QUEUE)
    eventually(lambda: shop.queue_depth(dlq) == 1, what="poisoned message dead-lettered")
    connection = pika.BlockingConnection(pika.URLParameters(shop.amqp_url))
    channel = connection.channel()
    method, props, _ = channel.basic_get(dlq)
    assert props.message_id == poisoned[0]
    assert props.headers["x-mercado-attempts"] == 3
    assert "RuntimeError: cannot handle order 7" in props.headers["x-mercado-failure"]
    channel.basic_nack(method.delivery_tag, requeue=True)
    connection.close()
    assert poisoned[0] not in shop.applied()

    with shop.database.engine.begin() as connection:
        connection.execute(text("INSERT INTO cures (seq) VALUES (7)"))
    replay = subprocess.run(
        [sys.executable, str(APP), "replay", "--queue", QUEUE, "--id", poisoned[0]],
        env={**os.environ, **shop.env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr
    assert f"replayed 1 message(s) from {dlq} to {QUEUE}" in replay.stdout
    assert shop.wait_applied(poisoned)[poisoned[0]] == 1
    assert shop.queue_depth(dlq) == 0


def test_consumer_killed_before_ack_gets_it_again_and_applies_it_once(shop):
    ids = shop.place(3)
    shop.start("relay")
    eventually(lambda: shop.queue_depth(QUEUE) == 3, what="events published")
    crashed = shop.start("consume", MERCADO_FAILPOINT="consumer.before_ack")
    assert crashed.wait(30) == -signal.SIGKILL
    # one message, or the batch of those that arrived together: committed, killed before ack
    assert shop.scalar("SELECT count(*) FROM applied") >= 1
    shop.start("consume")
    applied = shop.wait_applied(ids)
    eventually(lambda: shop.queue_depth(QUEUE) == 0, what="redelivery consumed")
    assert applied == Counter({event_id: 1 for event_id in ids})


def test_a_consumer_whose_queue_was_deleted_consumes_it_again_once_redeclared(shop, tmp_path):
    """The broker cancels the consumer of a deleted queue; when the operator's drift repair
    declares the queue again, the consumer must be back on it, not idle forever."""
    log = tmp_path / "consumer.log"
    shop.start("relay")
    shop.start("consume", stderr=log)
    shop.wait_applied(shop.place(1))
    connection = pika.BlockingConnection(pika.URLParameters(shop.amqp_url))
    try:
        connection.channel().queue_delete(QUEUE)
        eventually(lambda: "ConsumerCancelled" in log.read_text(), what="the consumer cancelled")
        declare(connection.channel(), SPEC.topology)
    finally:
        connection.close()
    later = shop.place(2, start=1)
    assert shop.wait_applied(later, timeout=60).keys() >= set(later)


def publish_again(amqp_url: str, queue: str, count: int) -> None:
    """Take `count` messages off `queue` and put each back twice, as a relay that crashed
    before marking them sent would: the same message id delivered twice, side by side."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    for _ in range(count):
        method, props, body = channel.basic_get(queue)
        for _copy in range(2):
            channel.basic_publish("", queue, body, props)
        channel.basic_ack(method.delivery_tag)
    connection.close()


def test_a_backlog_is_applied_in_batches_each_in_one_transaction(shop):
    ids = shop.place(60)
    shop.start("relay")
    eventually(lambda: shop.queue_depth(QUEUE) == 60, what="events published")
    publish_again(shop.amqp_url, QUEUE, 10)
    shop.start("consume", CONSUMER_BATCH_SIZE="8")
    applied = shop.wait_applied(ids)
    eventually(lambda: shop.queue_depth(QUEUE) == 0, what="queue drained")
    assert applied == Counter({event_id: 1 for event_id in ids}), "duplicates applied once"
    # rows written by one transaction share its id (xmin)
    per_transaction = "SELECT count(*) AS n FROM applied GROUP BY xmin::text"
    assert shop.scalar(f"SELECT max(n) FROM ({per_transaction}) t") <= 8
    assert shop.scalar(f"SELECT count(*) FROM ({per_transaction}) t") < 60, "nothing batched"
    assert shop.scalar("SELECT count(*) FROM inbox") == 60


def test_a_failing_message_in_a_batch_leaves_the_others_applied_once(shop):
    before = shop.place(10, start=100)
    poisoned = shop.place(1, kind="order.poisoned", start=7)
    after = shop.place(10, start=200)
    shop.start("relay")
    eventually(lambda: shop.queue_depth(QUEUE) == 21, what="events published")
    shop.start("consume", CONSUMER_MAX_ATTEMPTS="2")
    applied = shop.wait_applied(before + after)
    eventually(lambda: shop.queue_depth(dead_letter_queue(QUEUE)) == 1, what="dead-lettered")
    assert applied == Counter({event_id: 1 for event_id in before + after})
    assert poisoned[0] not in shop.applied()
    assert shop.scalar("SELECT count(*) FROM inbox") == 20


def test_consumer_database_down_leaves_messages_queued_not_dead_lettered(
    shop_on_own_postgres, disposable_postgres, tmp_path
):
    shop = shop_on_own_postgres
    ids = shop.place(5)
    shop.start("relay")
    eventually(lambda: shop.queue_depth(QUEUE) == 5, what="events published")
    assert shop.stop_all() == [0]
    shop.database.dispose()
    disposable_postgres.stop()
    log = tmp_path / "consumer.log"
    shop.start("consume", stderr=log, CONSUMER_MAX_ATTEMPTS="2")
    eventually(lambda: "OperationalError" in log.read_text(), what="consumer meeting the outage")
    # an outage outlasting the retry budget (2 attempts, 0.2 s apart) must not dead-letter
    assert holds(lambda: shop.queue_depth(dead_letter_queue(QUEUE)) == 0, seconds=3)
    assert shop.queue_depth(QUEUE) == 5
    disposable_postgres.start()
    applied = shop.wait_applied(ids)
    assert applied == Counter({event_id: 1 for event_id in ids})
    assert shop.queue_depth(dead_letter_queue(QUEUE)) == 0


def test_a_service_command_runs_beside_the_platform_commands(shop):
    with shop.database.engine.begin() as connection:
        connection.execute(text("INSERT INTO applied (event_id, seq) VALUES ('a', 7), ('b', 8)"))
    run = [sys.executable, str(APP), "count-applied"]
    env = {**os.environ, **shop.env}
    counted = subprocess.run([*run, "--seq", "7"], env=env, capture_output=True, text=True)
    assert (counted.returncode, counted.stdout) == (0, "1 applied\n")
    listed = subprocess.run([sys.executable, str(APP), "--help"], capture_output=True, text=True)
    assert "count-applied" in listed.stdout and "relay" in listed.stdout


def test_a_worker_repeats_its_pass_past_failures_until_sigterm(shop):
    beats = "SELECT count(*) FROM cures WHERE seq < 0"
    shop.start("heartbeat", HEARTBEAT_INTERVAL_SECONDS="0.05")
    eventually(lambda: shop.scalar(beats) >= 4, what="passes going on past the failing ones")
    assert shop.stop_all() == [0], "the worker stops on SIGTERM"


def test_a_worker_runs_one_pass_with_once(shop):
    env = {**os.environ, **shop.env}
    once = subprocess.run(
        [sys.executable, str(APP), "heartbeat", "--once"], env=env, capture_output=True, text=True
    )
    assert (once.returncode, once.stdout) == (0, "1 beat(s)\n")
    assert shop.scalar("SELECT count(*) FROM cures WHERE seq < 0") == 1


def test_an_event_no_queue_is_bound_to_is_retried_through_its_grace_then_set_aside(shop):
    unsent = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
    connection = pika.BlockingConnection(pika.URLParameters(shop.amqp_url))
    for kind in ("order.placed", "order.poisoned"):
        connection.channel().queue_unbind(QUEUE, "shop.events", kind)
    connection.close()
    shop.place(3)
    patient = shop.start("relay", RELAY_UNROUTABLE_GRACE_SECONDS="3600")
    eventually(
        lambda: shop.scalar("SELECT min(attempts) FROM outbox") >= 1, what="refused and postponed"
    )
    assert shop.scalar(unsent) == 3, "within its grace an unroutable event stays to be retried"
    patient.send_signal(signal.SIGTERM)
    assert patient.wait(30) == 0

    shop.start("relay", RELAY_UNROUTABLE_GRACE_SECONDS="0")
    eventually(lambda: shop.scalar(unsent) == 0, timeout=30, what="set aside after the grace")
    assert (
        shop.scalar("SELECT count(*) FROM outbox WHERE last_error LIKE 'unroutable%set aside'") == 3
    )
    assert shop.queue_depth(QUEUE) == 0

    connection = pika.BlockingConnection(pika.URLParameters(shop.amqp_url))
    for kind in ("order.placed", "order.poisoned"):
        connection.channel().queue_bind(QUEUE, "shop.events", kind)
    connection.close()
    shop.start("consume")
    assert set(shop.wait_applied(shop.place(2))) == set(shop.applied()), "later events flow again"
