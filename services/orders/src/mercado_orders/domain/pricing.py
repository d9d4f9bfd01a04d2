"""The server is the authority on prices: requested lines are checked against the catalogue."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from mercado_orders.domain.errors import (
    InsufficientStock,
    LineProblem,
    PriceChanged,
    UnknownProducts,
)
from mercado_orders.domain.model import Line


@dataclass(frozen=True)
class RequestedLine:
    """A line as the client sent it, with the price the customer saw."""

    product_id: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class CatalogueEntry:
    """What the catalogue says of one product; `available` is None when stock is unknown."""

    product_id: str
    name: str
    price: Decimal
    active: bool = True
    available: int | None = None


def price_lines(
    requested: Iterable[RequestedLine], catalogue: Mapping[str, CatalogueEntry]
) -> list[Line]:
    """Lines at the catalogue's prices; refuse unknown products, changed prices, short stock."""
    requested = list(requested)
    unknown = [
        LineProblem(line.product_id, "unknown_product")
        for line in requested
        if line.product_id not in catalogue or not catalogue[line.product_id].active
    ]
    if unknown:
        raise UnknownProducts("Some products are not in the catalogue.", unknown)
    changed = [
        LineProblem(line.product_id, "price_changed", current_price=entry.price)
        for line in requested
        if line.price != (entry := catalogue[line.product_id]).price
    ]
    if changed:
        raise PriceChanged(
            "Some prices changed since you saw them; review the current prices and order again.",
            changed,
        )
    short = [
        LineProblem(line.product_id, "insufficient_stock", available=entry.available)
        for line in requested
        if (entry := catalogue[line.product_id]).available is not None
        and entry.available < line.quantity
    ]
    if short:
        raise InsufficientStock("Some products do not have enough stock.", short)
    return [
        Line(line.product_id, catalogue[line.product_id].name, line.quantity, line.price)
        for line in requested
    ]
