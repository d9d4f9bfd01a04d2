"""The no-oversell proof: hundreds of orders reserved at once, each on its own connection,
through the consumer's own code, against a real PostgreSQL."""

import random
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import text

from mercado_inventory.bootstrap import SPEC, build
from mercado_inventory.domain.errors import BelowReserved, InventoryError
from mercado_inventory.domain.products import MovementKind
from mercado_inventory.entrypoints import consumers
from mercado_inventory.service_layer import stock
from mercado_inventory.service_layer.reservations import expire_due
from mercado_platform.db import Database
from mercado_platform.messaging.consumer import Consumer

ORDERS = 240
ON_HAND = [25, 15, 10, 40, 5, 30]
WATCH = """
SELECT (SELECT count(*) FROM products WHERE reserved > on_hand OR reserved < 0 OR on_hand < 0),
       (SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock')
"""


class Crowd:
    """Runs calls at the same instant, one thread and one database connection each, while
    a watcher checks that no committed state ever shows an oversold product."""

    def __init__(self, database_url: str, settings, inventory) -> None:
        self.database = Database(database_url, pool_size=ORDERS)
        self.units = SPEC.units(self.database)
        queue_handlers = consumers.handlers(build(settings, self.units))[consumers.ORDERS.name]
        self.consumer = Consumer(
            self.units, settings.amqp_url, consumers.ORDERS.name, queue_handlers
        )
        self.inventory = inventory
        self.broken_seen: list[int] = []
        self.most_waiting = 0

    def run(self, calls: list[Callable[[], object]]) -> list[object]:
        connections = [self.database.engine.connect() for _ in calls]  # open them all first
        for connection in connections:
            connection.close()
        start, done = threading.Barrier(len(calls)), threading.Event()
        results: list[object] = [None] * len(calls)

        def call(index: int) -> None:
            start.wait()
            try:
                results[index] = calls[index]()
            except InventoryError as exc:
                results[index] = exc

        watcher = threading.Thread(target=self._watch, args=(done,))
        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
        watcher.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        watcher.join()
        return results

    def _watch(self, done: threading.Event) -> None:
        with self.inventory.database.engine.connect() as connection:
            while not done.wait(0.005):
                broken, waiting = connection.execute(text(WATCH)).one()
                connection.commit()
                self.broken_seen.append(broken)
                self.most_waiting = max(self.most_waiting, waiting)


@pytest.fixture
def crowd(database_url, settings, inventory):
    crowd = Crowd(database_url, settings, inventory)
    yield crowd
    crowd.database.dispose()


@pytest.fixture
def products(inventory) -> dict[str, int]:
    """Six products with little stock: id -> on hand."""
    return {inventory.add_product(on_hand=on_hand): on_hand for on_hand in ON_HAND}


def random_orders(rng: random.Random, product_ids: list[str], count: int, prefix: str) -> dict:
    """Orders of 1 to 3 lines over the same few products, so they overlap."""
    return {
        f"{prefix}-{n:03d}": [
            (product_id, rng.randint(1, 3))
            for product_id in rng.sample(product_ids, rng.choice([1, 1, 2, 3]))
        ]
        for n in range(count)
    }


def test_concurrent_reservations_never_oversell_and_reserve_exactly_the_orders_that_fit(
    crowd, inventory, orders, products
):
    placed = random_orders(random.Random(5), list(products), ORDERS, "order")
    bodies = {
        order_id: orders.placed(order_id, *lines).to_json() for order_id, lines in placed.items()
    }
    outcomes = crowd.run([lambda b=body: crowd.consumer.handle(b) for body in bodies.values()])

    assert outcomes == [("handled", "")] * ORDERS
    assert set(crowd.broken_seen) == {0} and crowd.broken_seen, "never oversold, never negative"
    assert crowd.most_waiting >= 10, "transactions really did queue on each other's row locks"
    print(f"most transactions seen waiting for a lock at once: {crowd.most_waiting}")
    decisions = inventory.scalars(
        "SELECT order_id || ' ' || status FROM reservations ORDER BY updated_at, order_id"
    )
    assert len(decisions) == ORDERS
    # Locks serialise orders that share a product, and each decides before it commits,
    # so deciding the orders one by one in decision-time order must give the same answers.
    left = dict(products)
    for order_id, status in (decision.split() for decision in decisions):
        fits = all(left[product_id] >= quantity for product_id, quantity in placed[order_id])
        assert status == ("reserved" if fits else "rejected"), f"{order_id} decided wrongly"
        for product_id, quantity in placed[order_id] if fits else ():
            left[product_id] -= quantity
    for product_id, on_hand in products.items():
        product = inventory.product(product_id)
        assert (product.on_hand, product.reserved) == (on_hand, on_hand - left[product_id])
    statuses = Counter(decision.split()[1] for decision in decisions)
    assert statuses["reserved"] > 20 and statuses["rejected"] > 20, "both outcomes exercised"
    reserved_events = [e["order_id"] for e in inventory.events("stock.reserved")]
    rejected_events = [e["order_id"] for e in inventory.events("stock.rejected")]
    assert len(reserved_events) == statuses["reserved"] == len(set(reserved_events))
    assert len(rejected_events) == statuses["rejected"] == len(set(rejected_events))


def test_the_ledger_sums_to_on_hand_after_reservations_payments_cancellations_expiry_and_receipts(
    crowd, inventory, orders, products
):
    rng = random.Random(11)
    ids = list(products)
    handle = crowd.consumer.handle

    def place(order_id: str, lines: list) -> Callable[[], object]:
        return lambda: handle(orders.placed(order_id, *lines).to_json())

    def move(kind: MovementKind, quantity: int) -> Callable[[], object]:
        product_id = rng.choice(ids)

        def record() -> object:
            return stock.record_movement(
                crowd.units(), product_id, kind, quantity, "count", "staff-1"
            )

        return record

    crowd.run([place(o, lines) for o, lines in random_orders(rng, ids, 120, "first").items()])
    reserved = inventory.scalars("SELECT order_id FROM reservations WHERE status = 'reserved'")
    to_pay, to_cancel, to_expire = reserved[0::3], reserved[1::3], reserved[2::3]
    for order_id in to_expire:
        inventory.execute(
            "UPDATE reservations SET expires_at = now() WHERE order_id = :o", o=order_id
        )

    calls = [lambda o=o: handle(orders.paid(o).to_json()) for o in to_pay]
    calls += [lambda o=o: handle(orders.cancelled(o).to_json()) for o in to_cancel]
    second = random_orders(rng, ids, 60, "second")
    calls += [place(o, lines) for o, lines in second.items()]
    calls += [move(MovementKind.RECEIPT, rng.randint(1, 5)) for _ in range(30)]
    calls += [move(MovementKind.ADJUSTMENT, rng.choice([-3, -1, 1, 2])) for _ in range(30)]
    calls += [lambda: expire_due(crowd.units) for _ in range(3)]
    results = crowd.run(calls)

    handled = [r for r in results if isinstance(r, tuple)]
    assert handled == [("handled", "")] * len(handled)
    refused = [r for r in results if isinstance(r, InventoryError)]
    assert all(isinstance(r, BelowReserved) for r in refused), "only counts below reserved"
    assert set(crowd.broken_seen) == {0}
    for product_id in products:
        product = inventory.product(product_id)
        movements = inventory.scalars(
            "SELECT quantity FROM stock_movements WHERE product_id = :p ORDER BY id", p=product_id
        )
        after = inventory.scalars(
            "SELECT on_hand_after FROM stock_movements WHERE product_id = :p ORDER BY id",
            p=product_id,
        )
        assert sum(movements) == product.on_hand == after[-1]
        held = inventory.scalars(
            "SELECT coalesce(sum(l.quantity), 0) FROM reservation_lines l JOIN reservations r "
            "USING (order_id) WHERE r.status = 'reserved' AND l.product_id = :p",
            p=product_id,
        )
        assert product.reserved == held[0]
    sold = Counter(inventory.scalars("SELECT order_id FROM stock_movements WHERE kind = 'sale'"))
    committed = inventory.scalars("SELECT order_id FROM reservations WHERE status = 'committed'")
    assert set(committed) == set(to_pay) and set(sold) == set(to_pay)
    lines = Counter(
        inventory.scalars(
            "SELECT order_id FROM reservation_lines WHERE order_id = ANY(:o)", o=list(to_pay)
        )
    )
    assert sold == lines, "one sale per reserved line, once"
    assert set(
        inventory.scalars("SELECT order_id FROM reservations WHERE status = 'expired'")
    ) == set(to_expire)
