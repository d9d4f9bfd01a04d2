"""The built-in provider for development: a checkout page of our own, no outside account."""

import uuid
from datetime import timedelta

from mercado_payments.domain.model import Checkout, Payment


class LocalProvider:
    """Checkouts are pages under /api/payments/checkout/; nothing leaves the service."""

    name = "local"

    def __init__(self, public_url: str, ttl: timedelta) -> None:
        self.public_url = public_url
        self.ttl = ttl

    def create_checkout(self, payment: Payment) -> Checkout:
        """A page of our own where Pay and Cancel deliver a signed webhook."""
        session_id = f"cs_local_{uuid.uuid4().hex}"
        url = f"{self.public_url}/api/payments/checkout/{session_id}"
        return Checkout(session_id, url, payment.created_at + self.ttl)

    def expire_checkout(self, payment: Payment) -> None:
        """Nothing to do: the page refuses a payment that is no longer open."""

    def refund(self, payment: Payment) -> str | None:
        """No money moved, so the refund is only a record."""
        return f"re_local_{uuid.uuid4().hex}"
