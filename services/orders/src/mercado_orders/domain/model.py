"""Orders, their lines and the status lifecycle the saga drives."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from mercado_orders.domain.errors import IllegalTransition, OrderNotEditable


class Status(StrEnum):
    """Where an order is in its life."""

    RECEIVED = "received"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.AWAITING_PAYMENT, Status.REJECTED, Status.CANCELLED}),
    Status.AWAITING_PAYMENT: frozenset({Status.PAID, Status.CANCELLED}),
    Status.PAID: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class Line:
    """One product on an order, at the price the customer agreed to."""

    product_id: str
    name: str
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        """Quantity times unit price."""
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class StatusChange:
    """One step of an order's history: which status, why, and when."""

    status: Status
    cause: str
    at: datetime


@dataclass
class Order:
    """An order and the rules for moving it along its lifecycle."""

    id: str
    customer_id: str
    status: Status
    lines: list[Line]
    currency: str
    created_at: datetime
    revision: int = 1
    payment_url: str | None = None
    history: list[StatusChange] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """The sum of the line totals."""
        return sum((line.line_total for line in self.lines), Decimal("0"))

    def can_move_to(self, status: Status) -> bool:
        """True when the lifecycle allows going from the current status to `status`."""
        return status in TRANSITIONS[self.status]

    def move_to(self, status: Status, cause: str, at: datetime) -> StatusChange:
        """Change status, recording why; refuse a move the lifecycle does not allow."""
        if not self.can_move_to(status):
            raise IllegalTransition(self.id, self.status, status)
        self.status = status
        change = StatusChange(status, cause, at)
        self.history.append(change)
        return change

    def note(self, cause: str, at: datetime) -> None:
        """Record something that happened to the order without changing its status."""
        self.history.append(StatusChange(self.status, cause, at))

    def replace_lines(self, lines: list[Line]) -> None:
        """Change what is ordered; only before stock is reserved for it."""
        if self.status is not Status.RECEIVED:
            raise OrderNotEditable(self.id, self.status)
        self.lines = lines
        self.revision += 1
