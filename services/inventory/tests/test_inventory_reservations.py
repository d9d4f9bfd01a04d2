"""Reservations driven by orders' events, through the consumer's own code path (inbox
included) against a real PostgreSQL: all or nothing, idempotent by message and by state."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from mercado_inventory.service_layer.reservations import expire_due


@pytest.fixture
def shelf(inventory):
    """Two products: 10 mugs and 3 plates."""
    return inventory.add_product(on_hand=10, name="Mug"), inventory.add_product(on_hand=3)


def stock(inventory, product_id: str) -> tuple[int, int]:
    product = inventory.product(product_id)
    return product.on_hand, product.reserved


def status(inventory, order_id: str) -> str | None:
    found = inventory.scalars("SELECT status FROM reservations WHERE order_id = :o", o=order_id)
    return found[0] if found else None


def expire(inventory, order_id: str) -> None:
    """Let the reservation's time run out."""
    inventory.execute(
        "UPDATE reservations SET expires_at = now() - interval '1 second' WHERE order_id = :o",
        o=order_id,
    )


def test_an_order_that_fits_is_reserved_until_its_expiry(inventory, orders, shelf):
    mug, plate = shelf
    before = datetime.now(UTC)
    outcome = inventory.handle(orders.placed("order-1", (mug, 4), (plate, 3), (mug, 1)))
    assert outcome == ("handled", "")
    assert stock(inventory, mug) == (10, 5) and stock(inventory, plate) == (3, 3)
    [reserved] = inventory.events("stock.reserved")
    assert reserved["order_id"] == "order-1"
    assert sorted(map(tuple, (line.values() for line in reserved["lines"]))) == sorted(
        [(mug, 5), (plate, 3)]
    ), "lines of one product are merged"
    expires_at = datetime.fromisoformat(reserved["expires_at"])
    assert before + timedelta(seconds=899) < expires_at < datetime.now(UTC) + timedelta(seconds=901)


def test_an_order_that_does_not_fit_reserves_nothing_and_says_why_per_line(
    inventory, orders, shelf
):
    mug, plate = shelf
    unknown = str(uuid.uuid4())
    outcome = inventory.handle(orders.placed("order-1", (mug, 2), (plate, 4), (unknown, 1)))
    assert outcome == ("handled", "")
    assert stock(inventory, mug) == (10, 0) and stock(inventory, plate) == (3, 0)
    assert status(inventory, "order-1") == "rejected"
    [rejected] = inventory.events("stock.rejected")
    assert rejected["order_id"] == "order-1"
    assert sorted(rejected["lines"], key=lambda line: line["reason"]) == [
        {"product_id": plate, "requested": 4, "available": 3, "reason": "insufficient_stock"},
        {"product_id": unknown, "requested": 1, "available": 0, "reason": "unknown_product"},
    ]
    assert inventory.events("stock.reserved") == []


def test_a_redelivered_message_is_applied_once(inventory, orders, shelf):
    mug, _ = shelf
    placed = orders.placed("order-1", (mug, 2))
    assert inventory.handle(placed) == ("handled", "")
    assert inventory.handle(placed) == ("duplicate", "")
    assert stock(inventory, mug) == (10, 2)
    assert len(inventory.events("stock.reserved")) == 1


@pytest.mark.parametrize("quantity", [2, 20], ids=["reserved", "rejected"])
def test_a_second_order_placed_for_a_decided_order_changes_nothing(
    inventory, orders, shelf, quantity
):
    mug, _ = shelf
    inventory.handle(orders.placed("order-1", (mug, quantity)))
    events_before = inventory.events()
    again = orders.placed("order-1", (mug, 1))
    assert inventory.handle(again) == ("handled", ""), "a new message id: past the inbox"
    assert stock(inventory, mug) == (10, 2 if quantity == 2 else 0)
    assert inventory.events() == events_before


def test_cancelling_releases_the_reservation_once(inventory, orders, shelf):
    mug, plate = shelf
    inventory.handle(orders.placed("order-1", (mug, 2), (plate, 1)))
    assert inventory.handle(orders.cancelled("order-1")) == ("handled", "")
    assert stock(inventory, mug) == (10, 0) and stock(inventory, plate) == (3, 0)
    [released] = inventory.events("stock.released")
    assert released["reason"] == "cancelled"
    assert sorted((line["product_id"], line["quantity"]) for line in released["lines"]) == sorted(
        [(mug, 2), (plate, 1)]
    )
    assert inventory.handle(orders.cancelled("order-1")) == ("handled", "")
    assert len(inventory.events("stock.released")) == 1
    assert status(inventory, "order-1") == "cancelled"


def test_an_order_cancelled_before_it_was_placed_is_never_reserved(inventory, orders, shelf):
    mug, _ = shelf
    assert inventory.handle(orders.cancelled("order-1")) == ("handled", "")
    assert inventory.handle(orders.placed("order-1", (mug, 2))) == ("handled", "")
    assert stock(inventory, mug) == (10, 0)
    assert inventory.events("stock.reserved") == inventory.events("stock.released") == []


def test_payment_commits_the_reservation_once_into_the_ledger(inventory, orders, shelf):
    mug, plate = shelf
    inventory.handle(orders.placed("order-1", (mug, 2), (plate, 3)))
    assert inventory.handle(orders.paid("order-1")) == ("handled", "")
    assert stock(inventory, mug) == (8, 0) and stock(inventory, plate) == (0, 0)
    assert inventory.handle(orders.paid("order-1")) == ("handled", "")
    assert stock(inventory, mug) == (8, 0)
    [committed] = inventory.events("stock.committed")
    assert committed["order_id"] == "order-1"
    sales = inventory.scalars(
        "SELECT quantity FROM stock_movements WHERE kind = 'sale' AND order_id = 'order-1' "
        "AND actor = 'service:orders' ORDER BY quantity"
    )
    assert sales == [-3, -2]
    assert status(inventory, "order-1") == "committed"


def test_a_paid_order_cancelled_before_it_left_returns_its_stock_once(inventory, orders, shelf):
    mug, _ = shelf
    inventory.handle(orders.placed("order-1", (mug, 2)))
    inventory.handle(orders.paid("order-1"))
    assert inventory.handle(orders.cancelled("order-1")) == ("handled", "")
    assert inventory.handle(orders.cancelled("order-1")) == ("handled", "")
    assert stock(inventory, mug) == (10, 0)
    [released] = inventory.events("stock.released")
    assert released["reason"] == "cancelled"
    kinds = inventory.scalars(
        "SELECT kind || ' ' || quantity FROM stock_movements WHERE order_id = 'order-1' ORDER BY id"
    )
    assert kinds == ["sale -2", "return 2"]
    assert status(inventory, "order-1") == "cancelled"


def test_a_newer_revision_of_the_lines_replaces_the_reservation(inventory, orders, shelf):
    mug, plate = shelf
    inventory.handle(orders.placed("order-1", (mug, 2)))
    inventory.handle(orders.placed("order-1", (plate, 3), revision=2))
    assert stock(inventory, mug) == (10, 0) and stock(inventory, plate) == (3, 3)
    [_, second] = inventory.events("stock.reserved")
    assert second["revision"] == 2 and second["lines"] == [{"product_id": plate, "quantity": 3}]
    inventory.handle(orders.placed("order-1", (mug, 1), revision=2))
    inventory.handle(orders.placed("order-1", (mug, 1), revision=1))
    assert stock(inventory, plate) == (3, 3), "an older or equal revision changes nothing"


def test_a_newer_revision_that_does_not_fit_releases_and_rejects(inventory, orders, shelf):
    mug, plate = shelf
    inventory.handle(orders.placed("order-1", (mug, 2)))
    inventory.handle(orders.placed("order-1", (plate, 4), revision=2))
    assert stock(inventory, mug) == (10, 0) and stock(inventory, plate) == (3, 0)
    [rejected] = inventory.events("stock.rejected")
    assert rejected["revision"] == 2 and rejected["lines"][0]["available"] == 3
    assert status(inventory, "order-1") == "rejected"
    inventory.handle(orders.placed("order-1", (plate, 3), revision=3))
    assert stock(inventory, plate) == (3, 3) and status(inventory, "order-1") == "reserved"


def test_payment_for_an_order_without_reservation_fails_until_it_is_reserved(
    inventory, orders, shelf
):
    mug, _ = shelf
    paid = orders.paid("order-1")
    outcome, reason = inventory.handle(paid)
    assert outcome == "failed" and "ReservationNotFound" in reason and "order-1" in reason
    assert inventory.scalars("SELECT count(*) FROM inbox") == [0], "free to be retried"
    inventory.handle(orders.placed("order-1", (mug, 2)))
    assert inventory.handle(paid) == ("handled", ""), "the retry finds the reservation"
    assert stock(inventory, mug) == (8, 0)


@pytest.mark.parametrize("first", ["rejected", "cancelled"])
def test_payment_for_a_rejected_or_cancelled_order_fails_loudly(inventory, orders, shelf, first):
    mug, _ = shelf
    inventory.handle(orders.placed("order-1", (mug, 20 if first == "rejected" else 2)))
    if first == "cancelled":
        inventory.handle(orders.cancelled("order-1"))
    outcome, reason = inventory.handle(orders.paid("order-1"))
    assert outcome == "failed"
    assert f"CannotCommit: order order-1 was paid but its reservation is {first}" == reason
    assert stock(inventory, mug) == (10, 0)
    assert inventory.events("stock.committed") == []


def test_expired_reservations_are_released_once(inventory, orders, shelf):
    mug, plate = shelf
    inventory.handle(orders.placed("order-1", (mug, 2)))
    inventory.handle(orders.placed("order-2", (plate, 1)))
    expire(inventory, "order-1")
    assert expire_due(inventory.units) == 1
    assert expire_due(inventory.units) == 0
    assert stock(inventory, mug) == (10, 0) and stock(inventory, plate) == (3, 1)
    assert [e["order_id"] for e in inventory.events("stock.released")] == ["order-1"]
    assert inventory.events("stock.released")[0]["reason"] == "expired"
    assert status(inventory, "order-1") == "expired"
    inventory.handle(orders.cancelled("order-1"))
    assert len(inventory.events("stock.released")) == 1, "nothing left to release"


def test_two_expiry_runners_release_each_reservation_once(inventory, orders, shelf):
    mug, _ = shelf
    for n in range(10):
        inventory.handle(orders.placed(f"order-{n}", (mug, 1)))
        expire(inventory, f"order-{n}")
    counts: list[int] = []
    runners = [
        threading.Thread(target=lambda: counts.append(expire_due(inventory.units)))
        for _ in range(2)
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sum(counts) == 10
    assert len(inventory.events("stock.released")) == 10
    assert stock(inventory, mug) == (10, 0)


def test_payment_after_expiry_takes_the_stock_again_when_it_is_still_there(
    inventory, orders, shelf
):
    mug, _ = shelf
    inventory.handle(orders.placed("order-1", (mug, 4)))
    expire(inventory, "order-1")
    expire_due(inventory.units)
    assert inventory.handle(orders.paid("order-1")) == ("handled", "")
    assert stock(inventory, mug) == (6, 0)
    assert [e["order_id"] for e in inventory.events("stock.committed")] == ["order-1"]


def test_payment_after_expiry_fails_loudly_when_the_stock_is_gone(inventory, orders, shelf):
    _, plate = shelf
    inventory.handle(orders.placed("order-1", (plate, 2)))
    expire(inventory, "order-1")
    expire_due(inventory.units)
    inventory.handle(orders.placed("order-2", (plate, 3)))
    outcome, reason = inventory.handle(orders.paid("order-1"))
    assert outcome == "failed"
    assert "paid after its reservation expired" in reason and "insufficient_stock" in reason
    assert stock(inventory, plate) == (3, 3)
    assert status(inventory, "order-1") == "expired"


def test_a_reservation_taking_available_below_the_minimum_announces_low_stock_once(
    inventory, orders
):
    lamp = inventory.add_product(on_hand=10, minimum=5)
    inventory.handle(orders.placed("order-1", (lamp, 5)))
    assert inventory.events("stock.low") == []
    inventory.handle(orders.placed("order-2", (lamp, 1)))
    inventory.handle(orders.placed("order-3", (lamp, 1)))
    assert [e["available"] for e in inventory.events("stock.low")] == [4]
    inventory.handle(orders.paid("order-2"))
    assert len(inventory.events("stock.low")) == 1, "a sale leaves available as it was"
