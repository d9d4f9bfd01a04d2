"""Products with their stock levels, and the movements of the ledger that change them."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from mercado_inventory.domain.errors import BelowReserved, ExceedsMaximum, InvalidStockLimits

SALE_ACTOR = "service:orders"  # sales follow orders' order.paid event, not a person's token
MAX_ON_HAND = 1_000_000_000  # well inside the database's integer, whatever staff type


class MovementKind(StrEnum):
    """Why on hand changed: goods arrived, a count was corrected, an order was paid, or a
    paid order was cancelled before it left."""

    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    SALE = "sale"
    RETURN = "return"


@dataclass(frozen=True)
class Movement:
    """One entry of the append-only ledger: how on hand changed, why and by whom."""

    product_id: str
    kind: MovementKind
    quantity: int
    on_hand_after: int
    reason: str
    actor: str
    order_id: str | None = None
    id: int | None = None
    created_at: datetime | None = None


@dataclass
class Product:
    """A catalogue entry and its stock; on hand changes only through ledger movements."""

    id: str
    sku: str
    name: str
    price: Decimal
    description: str = ""
    active: bool = True
    on_hand: int = 0
    reserved: int = 0
    minimum: int | None = None
    maximum: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def available(self) -> int:
        """What can still be reserved."""
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        """True when available stock is below the minimum staff asked to keep."""
        return self.minimum is not None and self.available < self.minimum

    def set_limits(self, minimum: int | None, maximum: int | None) -> None:
        """Change the minimum and maximum quantities, refusing a minimum above the maximum."""
        if minimum is not None and maximum is not None and minimum > maximum:
            raise InvalidStockLimits(f"The minimum ({minimum}) is above the maximum ({maximum}).")
        self.minimum, self.maximum = minimum, maximum

    def receive(self, quantity: int, reason: str, actor: str) -> Movement:
        """Goods arrived; refused when they would take on hand above the maximum."""
        maximum = MAX_ON_HAND if self.maximum is None else min(self.maximum, MAX_ON_HAND)
        if self.on_hand + quantity > maximum:
            raise ExceedsMaximum(
                f"Receiving {quantity} would bring {self.sku} to {self.on_hand + quantity}, "
                f"above its maximum of {maximum}."
            )
        return self._move(MovementKind.RECEIPT, quantity, reason, actor)

    def adjust(self, delta: int, reason: str, actor: str) -> Movement:
        """Correct on hand after a count; it may not fall below what is reserved."""
        if self.on_hand + delta > MAX_ON_HAND:
            raise ExceedsMaximum(f"On hand cannot exceed {MAX_ON_HAND}.")
        if self.on_hand + delta < self.reserved:
            raise BelowReserved(
                f"Adjusting {self.sku} by {delta} would leave {self.on_hand + delta} on hand, "
                f"below the {self.reserved} reserved for orders."
            )
        return self._move(MovementKind.ADJUSTMENT, delta, reason, actor)

    def reserve(self, quantity: int) -> None:
        """Hold a quantity for an order; the caller has checked it is available."""
        self.reserved += quantity

    def release(self, quantity: int) -> None:
        """A reserved quantity becomes available again."""
        self.reserved -= quantity

    def sell(self, quantity: int, order_id: str) -> Movement:
        """A reserved quantity leaves the shelf for a paid order."""
        self.reserved -= quantity
        reason = f"order {order_id} paid"
        return self._move(MovementKind.SALE, -quantity, reason, SALE_ACTOR, order_id)

    def take_back(self, quantity: int, order_id: str) -> Movement:
        """A sold quantity is back on the shelf: its paid order was cancelled unshipped."""
        reason = f"order {order_id} cancelled after payment"
        return self._move(MovementKind.RETURN, quantity, reason, SALE_ACTOR, order_id)

    def _move(
        self, kind: MovementKind, delta: int, reason: str, actor: str, order_id: str | None = None
    ) -> Movement:
        self.on_hand += delta
        return Movement(self.id, kind, delta, self.on_hand, reason, actor, order_id)
