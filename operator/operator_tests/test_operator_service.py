"""A real service (the platform's example shop) migrating, relaying, consuming, retrying,
dead-lettering and replaying with nothing but the credentials the operator wrote."""

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pika
from sqlalchemy import text

from mercado_platform.db import Database, UnitOfWork
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import dead_letter_queue
from mercado_platform.testing.polling import eventually

from .conftest import unique

SHOP = Path(__file__).resolve().parents[2] / "services" / "platform" / "tests" / "shop" / "app.py"


def load_shop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("operator_tests_shop", SHOP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def depth(amqp_url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def test_the_shop_runs_on_the_database_and_topology_the_operator_made(
    resources, secrets, broker, postgres_secret
):
    shop = load_shop()
    resources.create(
        "databases",
        "shop",
        {
            "database": unique("shop_"),
            "owner": unique("shop_"),
            "serverSecretRef": {"name": postgres_secret},
        },
    )
    binding = {"exchange": shop.SPEC.exchange, "routingKey": "order.*"}
    resources.create(
        "messagingtopologies",
        "shop",
        {
            "service": shop.SPEC.name,
            "vhost": broker.vhost,
            "brokerSecretRef": {"name": broker.secret},
            "queues": [{"name": shop.QUEUE, "retryDelayMs": 200, "bindings": [binding]}],
        },
    )
    resources.wait_ready("databases", "shop")
    resources.wait_ready("messagingtopologies", "shop")
    env = {
        **os.environ,
        "DATABASE_URL": secrets.read("shop-db")["DATABASE_URL"],
        "AMQP_URL": secrets.read("shop-amqp")["AMQP_URL"],
        "LOG_LEVEL": "WARNING",
        "CONSUMER_MAX_ATTEMPTS": "2",
    }
    command = [sys.executable, str(SHOP)]
    migrated = subprocess.run(
        [*command, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert migrated.returncode == 0, migrated.stderr

    database = Database(env["DATABASE_URL"])
    with UnitOfWork(database, shop.SPEC.exchange, shop.SPEC.contracts) as uow:
        for seq in (1, 2, 3):
            uow.publish(Event("order.placed", {"seq": seq}, "/mercado/shop"))
        uow.publish(Event("order.poisoned", {"seq": 7}, "/mercado/shop"))
        uow.commit()
    workers = [subprocess.Popen([*command, role], env=env) for role in ("relay", "consume")]
    try:

        def applied() -> set[int]:
            with database.engine.connect() as connection:
                return set(connection.execute(text("SELECT seq FROM applied")).scalars())

        eventually(lambda: applied() == {1, 2, 3}, timeout=60, what="orders applied")
        dlq = dead_letter_queue(shop.QUEUE)
        eventually(
            lambda: depth(broker.admin_url, dlq) == 1, timeout=30, what="poison dead-lettered"
        )
        with database.engine.begin() as connection:
            connection.execute(text("INSERT INTO cures (seq) VALUES (7)"))
        replayed = subprocess.run(
            [*command, "replay", "--queue", shop.QUEUE],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert replayed.returncode == 0, replayed.stderr
        assert "replayed 1 message(s)" in replayed.stdout
        eventually(lambda: applied() == {1, 2, 3, 7}, timeout=30, what="cured order applied")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [worker.wait(30) for worker in workers]
        database.dispose()
    assert codes == [0, 0]
