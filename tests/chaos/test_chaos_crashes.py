"""A consumer killed with SIGKILL in the middle of a batch: messages it had not acknowledged
come back, the inbox drops the ones it had already handled, nothing is lost or doubled."""

import psycopg2
import pytest
import requests

from mercado_platform.testing.polling import eventually

pytestmark = pytest.mark.timeout(240)


def handled(database_url: str) -> int:
    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM inbox")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def kill_mid_batch(service, database_url: str, batch: int) -> None:
    """Start the consumer, SIGKILL it once it has handled part of the backlog, restart it."""
    before = handled(database_url)
    service.start("consume")
    eventually(
        lambda: handled(database_url) - before >= batch // 5,
        timeout=60,
        what=f"{service.name} consuming",
    )
    service.kill("consume")
    assert handled(database_url) - before < batch, "the kill came too late to be mid-batch"
    service.start("consume")


def test_consumers_killed_mid_batch_lose_and_double_nothing(shop):
    products = shop.catalogue("crash")
    shop.inventory.stop("consume")
    shop.orders.stop("consume")
    session = requests.Session()
    placed = [shop.place({products[n % 4]: 1 + n % 3}, session) for n in range(150)]
    accepted = [answer.json()["order_id"] for answer in placed if answer.status_code == 200]
    assert len(accepted) == 150, [a.text for a in placed if a.status_code != 200][:3]
    shop.invariants.accepted.update(accepted)

    kill_mid_batch(shop.inventory, shop.invariants.inventory_db, len(accepted))
    kill_mid_batch(shop.orders, shop.invariants.orders_db, len(accepted))

    orders = shop.decided(accepted)
    assert {o["status"] for o in orders.values()} == {"awaiting_payment", "rejected"}
    shop.pay_some(orders)
    shop.all_paid_reached()
    shop.invariants.settle()
