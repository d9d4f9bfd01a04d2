"""Orders' reservations: lines, why a line cannot be reserved, all-or-nothing allocation."""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mercado_inventory.domain.products import Product
from mercado_platform.ids import canonical_id


@dataclass(frozen=True)
class Line:
    """A quantity of one product asked for by an order."""

    product_id: str
    quantity: int


class ShortfallReason(StrEnum):
    """Why a line cannot be reserved, as `stock.rejected` says it."""

    INSUFFICIENT_STOCK = "insufficient_stock"
    UNKNOWN_PRODUCT = "unknown_product"
    INACTIVE_PRODUCT = "inactive_product"


@dataclass(frozen=True)
class Shortfall:
    """Why one line of an order cannot be reserved."""

    product_id: str
    requested: int
    available: int
    reason: ShortfallReason


def shortfall(product: Product | None, line: Line) -> Shortfall | None:
    """Why `line` cannot be taken from `product` now, or None when it can."""
    if product is None:
        return Shortfall(line.product_id, line.quantity, 0, ShortfallReason.UNKNOWN_PRODUCT)
    available = product.available
    if not product.active:
        return Shortfall(
            line.product_id, line.quantity, available, ShortfallReason.INACTIVE_PRODUCT
        )
    if available < line.quantity:
        return Shortfall(
            line.product_id, line.quantity, available, ShortfallReason.INSUFFICIENT_STOCK
        )
    return None


def allocate(products: Mapping[str, Product], lines: Sequence[Line]) -> list[Shortfall]:
    """Reserve every line or none; returns why not, empty when all were reserved."""
    shortfalls = [s for line in lines if (s := shortfall(products.get(line.product_id), line))]
    if not shortfalls:
        for line in lines:
            products[line.product_id].reserve(line.quantity)
    return shortfalls


def merge_lines(pairs: Iterable[tuple[str, int]]) -> list[Line]:
    """One line per product (quantities summed), ordered by product id."""
    totals: Counter[str] = Counter()
    for product_id, quantity in pairs:
        totals[canonical_id(product_id) or product_id] += quantity
    return [Line(product_id, totals[product_id]) for product_id in sorted(totals)]


class Status(StrEnum):
    """Where an order's reservation stands; `pending` never outlives its transaction."""

    PENDING = "pending"
    RESERVED = "reserved"
    REJECTED = "rejected"
    COMMITTED = "committed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass
class Reservation:
    """An order's hold on stock, decided all at once: reserved or rejected."""

    order_id: str
    status: Status
    lines: list[Line] = field(default_factory=list)
    expires_at: datetime | None = None
    revision: int = 1
