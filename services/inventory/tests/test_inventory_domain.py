"""The domain model alone: stock arithmetic, limits, all-or-nothing allocation."""

import uuid
from decimal import Decimal

import pytest

from mercado_inventory.domain.errors import BelowReserved, ExceedsMaximum, InvalidStockLimits
from mercado_inventory.domain.products import MovementKind, Product
from mercado_inventory.domain.reservations import Line, ShortfallReason, allocate, merge_lines


def product(on_hand: int = 10, reserved: int = 0, **fields) -> Product:
    return Product(
        str(uuid.uuid4()),
        "SKU-1",
        "Widget",
        Decimal("9.90"),
        **fields,
        on_hand=on_hand,
        reserved=reserved,
    )


def test_available_is_on_hand_less_reserved_and_low_is_below_the_minimum():
    widget = product(on_hand=10, reserved=4, minimum=6)
    assert widget.available == 6 and not widget.is_low
    widget.reserved = 5
    assert widget.available == 5 and widget.is_low
    assert not product(on_hand=0).is_low, "no minimum, never low"


def test_a_receipt_may_reach_the_maximum_but_not_pass_it():
    widget = product(on_hand=8, maximum=10)
    movement = widget.receive(2, "delivery 17", "staff-1")
    assert (movement.kind, movement.quantity, movement.on_hand_after) == (
        MovementKind.RECEIPT,
        2,
        10,
    )
    with pytest.raises(ExceedsMaximum, match="above its maximum of 10"):
        widget.receive(1, "delivery 18", "staff-1")
    assert widget.on_hand == 10


def test_an_adjustment_may_not_take_on_hand_below_what_is_reserved():
    widget = product(on_hand=10, reserved=7)
    assert widget.adjust(-3, "broken", "staff-1").on_hand_after == 7
    with pytest.raises(BelowReserved):
        widget.adjust(-1, "lost", "staff-1")
    assert widget.on_hand == 7


def test_minimum_above_maximum_is_refused():
    with pytest.raises(InvalidStockLimits):
        product().set_limits(5, 4)
    widget = product()
    widget.set_limits(None, 4)
    widget.set_limits(4, 4)
    assert (widget.minimum, widget.maximum) == (4, 4)


def test_a_sale_takes_the_reserved_quantity_off_the_shelf():
    widget = product(on_hand=10, reserved=3)
    movement = widget.sell(3, "order-1")
    assert (widget.on_hand, widget.reserved, widget.available) == (7, 0, 7)
    assert (movement.kind, movement.quantity, movement.order_id) == (
        MovementKind.SALE,
        -3,
        "order-1",
    )


def test_allocation_reserves_every_line_or_none_and_says_why_per_line():
    plenty, scarce, retired = product(on_hand=10), product(on_hand=2), product(active=False)
    products = {p.id: p for p in (plenty, scarce, retired)}
    unknown = str(uuid.uuid4())
    lines = [Line(plenty.id, 5), Line(scarce.id, 3), Line(retired.id, 1), Line(unknown, 1)]
    shortfalls = allocate(products, lines)
    assert [(s.product_id, s.reason, s.available) for s in shortfalls] == [
        (scarce.id, ShortfallReason.INSUFFICIENT_STOCK, 2),
        (retired.id, ShortfallReason.INACTIVE_PRODUCT, 10),
        (unknown, ShortfallReason.UNKNOWN_PRODUCT, 0),
    ]
    assert plenty.reserved == 0, "nothing reserved when one line fails"
    assert allocate(products, [Line(plenty.id, 5), Line(scarce.id, 2)]) == []
    assert (plenty.reserved, scarce.reserved) == (5, 2)


def test_lines_of_one_product_are_merged_under_its_canonical_id():
    an_id = uuid.uuid4()
    merged = merge_lines([(str(an_id).upper(), 2), ("not-a-uuid", 1), (str(an_id), 3)])
    assert merged == sorted(
        [Line(str(an_id), 5), Line("not-a-uuid", 1)], key=lambda line: line.product_id
    )
