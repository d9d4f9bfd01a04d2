"""The port every payment provider implements: Stripe, or the built-in local checkout."""

from typing import Protocol

from mercado_payments.domain.model import Checkout, Payment


class PaymentProvider(Protocol):
    """Creates checkouts, expires them and refunds payments; raises ProviderUnavailable
    (try again later) or ProviderRejected (never will work)."""

    name: str

    def create_checkout(self, payment: Payment) -> Checkout:
        """A checkout session for the payment's amount (idempotent per order)."""
        ...

    def expire_checkout(self, payment: Payment) -> None:
        """Make the payment's checkout unusable (idempotent per order)."""
        ...

    def refund(self, payment: Payment) -> str | None:
        """Give the payment's money back; returns the refund's id when there is one."""
        ...
