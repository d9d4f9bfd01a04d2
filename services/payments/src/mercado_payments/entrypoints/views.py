"""How payments look in JSON."""

from typing import Any

from mercado_payments.domain.model import Payment
from mercado_platform.money import money


def detail(payment: Payment) -> dict[str, Any]:
    """A payment as its owner and staff see it."""
    return {
        "payment_id": payment.id,
        "order_id": payment.order_id,
        "customer_id": payment.customer_id,
        "status": payment.status.value,
        "amount": money(payment.amount, payment.currency),
        "currency": payment.currency,
        "provider": payment.provider,
        "url": payment.url,
        "session_id": payment.session_id,
        "expires_at": _iso(payment.expires_at),
        "failure_reason": payment.failure_reason,
        "attempts": payment.attempts,
        "next_attempt_at": _iso(payment.next_attempt_at),
        "created_at": _iso(payment.created_at),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
