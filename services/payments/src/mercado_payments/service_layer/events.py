"""The events payments publishes, built from the payment they describe."""

from typing import Any

from mercado_payments.domain.model import Payment
from mercado_platform.messaging.events import Event
from mercado_platform.money import money

SOURCE = "/mercado/payments"


def _event(kind: str, payment: Payment, **data: Any) -> Event:
    body = {
        "order_id": payment.order_id,
        "payment_id": payment.id,
        "amount": money(payment.amount, payment.currency),
        "currency": payment.currency,
        **data,
    }
    return Event(kind, body, SOURCE, subject=payment.order_id)


def link_created(payment: Payment) -> Event:
    """Orders shows the link; notifications e-mails it to the customer."""
    assert payment.url is not None and payment.expires_at is not None
    return _event(
        "payment.link_created",
        payment,
        customer_id=payment.customer_id,
        url=payment.url,
        expires_at=payment.expires_at.isoformat(),
    )


def succeeded(payment: Payment) -> Event:
    """The order is paid."""
    return _event("payment.succeeded", payment)


def failed(payment: Payment) -> Event:
    """The order is cancelled: it cannot be paid."""
    return _event("payment.failed", payment, reason=payment.failure_reason or "failed")


def expired(payment: Payment) -> Event:
    """The order is cancelled: its link ran out unpaid."""
    return _event("payment.expired", payment)


def refunded(payment: Payment) -> Event:
    """The customer got their money back."""
    return _event("payment.refunded", payment, customer_id=payment.customer_id)
