"""A payment: one per order, from the checkout link to the money in, and back out."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from mercado_payments.domain.errors import InvalidAmount
from mercado_payments.domain.money import to_minor_units


class Status(StrEnum):
    """Where a payment is; the three `*ing` ones wait on work at the provider."""

    PENDING = "pending"
    OPEN = "open"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    REFUNDING = "refunding"
    REFUNDED = "refunded"


# Payment ids derive from the order, so a retried request sends the provider the same
# parameters under the same idempotency key.
NAMESPACE = uuid.UUID("7d0f3b7e-39a4-4c55-9d0e-5b1f6a0c2e91")
OUTSTANDING = frozenset({Status.PENDING, Status.CANCELLING, Status.REFUNDING})
UNPAID = frozenset(set(Status) - {Status.SUCCEEDED, Status.REFUNDING, Status.REFUNDED})


def payment_id(order_id: str) -> str:
    """The id of the one payment of `order_id`."""
    return str(uuid.uuid5(NAMESPACE, order_id))


@dataclass(frozen=True)
class Checkout:
    """Where the customer pays: the provider's session, its URL and when it stops working."""

    session_id: str
    url: str
    expires_at: datetime


@dataclass
class Payment:
    """One order's payment and the provider work still owed on it."""

    id: str
    order_id: str
    customer_id: str
    amount: Decimal
    currency: str
    description: str
    provider: str
    status: Status
    created_at: datetime
    amount_minor: int | None = None
    session_id: str | None = None
    url: str | None = None
    expires_at: datetime | None = None
    payment_intent: str | None = None
    refund_id: str | None = None
    failure_reason: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None

    @classmethod
    def request(
        cls,
        order_id: str,
        customer_id: str,
        amount: Decimal,
        currency: str,
        *,
        description: str,
        provider: str,
        now: datetime,
    ) -> "Payment":
        """A new payment waiting for its checkout, or failed when the amount cannot be charged."""
        payment = cls(
            id=payment_id(order_id),
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency.lower(),
            description=description,
            provider=provider,
            status=Status.PENDING,
            created_at=now,
        )
        try:
            payment.amount_minor = to_minor_units(amount, currency)
        except InvalidAmount as exc:
            payment.fail(f"{exc.code}: {exc}")
        return payment

    @property
    def outstanding(self) -> bool:
        """True while the provider still has to create, expire or refund something."""
        return self.status in OUTSTANDING

    def opened(self, checkout: Checkout) -> None:
        """The provider made the checkout: the customer can pay."""
        self.session_id, self.url, self.expires_at = (
            checkout.session_id,
            checkout.url,
            checkout.expires_at,
        )
        self._move(Status.OPEN)

    def fail(self, reason: str) -> bool:
        """The payment cannot go on; True when this changed it (tell the order)."""
        if self.status not in (Status.PENDING, Status.OPEN):
            return False
        self.failure_reason = reason
        self._move(Status.FAILED)
        return True

    def paid(self, payment_intent: str | None) -> bool:
        """The customer paid; True the first time. Money in after cancellation still counts:
        the order then asks for a refund."""
        if self.status not in UNPAID:
            return False
        self.payment_intent = payment_intent or self.payment_intent
        self._move(Status.SUCCEEDED)
        return True

    def expired(self) -> bool:
        """The checkout expired; True when the order should hear it (it did not cancel)."""
        if self.status is Status.CANCELLING:
            self._move(Status.CANCELLED)
        if self.status is not Status.OPEN:
            return False
        self._move(Status.EXPIRED)
        return True

    def cancel(self) -> None:
        """The order was cancelled unpaid: no checkout is made, an open one is expired."""
        if self.status is Status.PENDING:
            self._move(Status.CANCELLED)
        elif self.status is Status.OPEN:
            self._move(Status.CANCELLING)

    def request_refund(self) -> bool:
        """The order was cancelled after it was paid: the money goes back."""
        if self.status is not Status.SUCCEEDED:
            return False
        self._move(Status.REFUNDING)
        return True

    def refunded(self, refund_id: str | None) -> bool:
        """The money went back; True only the first time, whoever reported it."""
        if self.status not in (Status.SUCCEEDED, Status.REFUNDING):
            return False
        self.refund_id = refund_id or self.refund_id
        self._move(Status.REFUNDED)
        return True

    def give_up(self, reason: str) -> bool:
        """The provider refused the work for good; True when the order must hear of it."""
        if self.status is Status.CANCELLING:
            self._move(
                Status.CANCELLED
            )  # the session expires by itself; a late payment is refunded
            return False
        return self.fail(reason)

    def postpone(self, error: str, now: datetime, *, base: float, cap: float) -> None:
        """The provider was unreachable: try again after an exponential backoff."""
        self.attempts += 1
        delay = min(cap, base * 2 ** (self.attempts - 1))
        self.next_attempt_at = now + timedelta(seconds=delay)
        self.last_error = error[:500]

    def _move(self, status: Status) -> None:
        """Change status; work owed to the provider starts afresh and is due at once."""
        self.status = status
        self.attempts, self.next_attempt_at, self.last_error = 0, None, None
