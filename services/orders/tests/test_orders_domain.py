"""The order lifecycle and pricing rules, without any server."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mercado_orders.adapters.inventory import CircuitBreaker
from mercado_orders.domain.errors import (
    IllegalTransition,
    InsufficientStock,
    OrderNotEditable,
    PriceChanged,
    UnknownProducts,
)
from mercado_orders.domain.model import Line, Order, Status
from mercado_orders.domain.pricing import CatalogueEntry, RequestedLine, price_lines
from mercado_platform.testing.polling import eventually

AT = datetime(2026, 1, 1, tzinfo=UTC)
CATALOGUE = {
    "789": CatalogueEntry("789", "Mug", Decimal("19.99"), available=5),
    "456": CatalogueEntry("456", "Tea", Decimal("29.99")),
    "old": CatalogueEntry("old", "Gone", Decimal("1.00"), active=False),
}


def order(status: Status = Status.RECEIVED) -> Order:
    lines = [Line("789", "Mug", 2, Decimal("19.99")), Line("456", "Tea", 1, Decimal("29.99"))]
    return Order("o-1", "c-1", status, lines, "brl", AT)


def test_total_is_the_exact_decimal_sum_of_the_lines():
    assert order().total == Decimal("69.97")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.RECEIVED, Status.AWAITING_PAYMENT),
        (Status.RECEIVED, Status.REJECTED),
        (Status.RECEIVED, Status.CANCELLED),
        (Status.AWAITING_PAYMENT, Status.PAID),
        (Status.AWAITING_PAYMENT, Status.CANCELLED),
        (Status.PAID, Status.COMPLETED),
        (Status.PAID, Status.CANCELLED),
    ],
)
def test_the_saga_moves_are_allowed_and_recorded(start, target):
    placed = order(start)
    placed.move_to(target, "because", AT)
    assert placed.status is target
    assert placed.history[-1].status is target and placed.history[-1].cause == "because"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.RECEIVED, Status.PAID),
        (Status.AWAITING_PAYMENT, Status.REJECTED),
        (Status.CANCELLED, Status.AWAITING_PAYMENT),
        (Status.COMPLETED, Status.CANCELLED),
        (Status.REJECTED, Status.CANCELLED),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(start, target):
    placed = order(start)
    with pytest.raises(IllegalTransition):
        placed.move_to(target, "no", AT)
    assert placed.status is start and placed.history == []


def test_lines_change_only_while_received():
    placed = order()
    placed.replace_lines([Line("456", "Tea", 3, Decimal("29.99"))])
    assert (placed.revision, placed.total) == (2, Decimal("89.97"))
    with pytest.raises(OrderNotEditable):
        order(Status.AWAITING_PAYMENT).replace_lines([])


def test_lines_are_priced_by_the_catalogue():
    lines = price_lines([RequestedLine("789", 2, Decimal("19.990"))], CATALOGUE)
    assert lines == [Line("789", "Mug", 2, Decimal("19.99"))]


def test_a_changed_price_is_refused_with_the_current_price():
    with pytest.raises(PriceChanged) as refused:
        price_lines([RequestedLine("789", 1, Decimal("18.00"))], CATALOGUE)
    assert [(p.product_id, p.current_price) for p in refused.value.problems] == [
        ("789", Decimal("19.99"))
    ]


def test_unknown_and_inactive_products_are_refused_by_name():
    with pytest.raises(UnknownProducts) as refused:
        price_lines(
            [RequestedLine("nope", 1, Decimal(1)), RequestedLine("old", 1, Decimal(1))], CATALOGUE
        )
    assert [p.product_id for p in refused.value.problems] == ["nope", "old"]


def test_short_stock_is_refused_only_when_inventory_said_so():
    with pytest.raises(InsufficientStock) as refused:
        price_lines([RequestedLine("789", 6, Decimal("19.99"))], CATALOGUE)
    assert refused.value.problems[0].available == 5
    assert price_lines([RequestedLine("456", 999, Decimal("29.99"))], CATALOGUE)


def test_breaker_opens_after_failures_and_half_opens_after_the_reset():
    breaker = CircuitBreaker(threshold=2, reset_seconds=0.05)
    breaker.record(success=False)
    assert breaker.allows()
    breaker.record(success=False)
    assert not breaker.allows()
    eventually(breaker.allows, timeout=2, what="the breaker half-opens")
    assert not breaker.allows(), "only one trial call per reset period"
    breaker.record(success=True)
    assert breaker.allows() and not breaker.is_open
