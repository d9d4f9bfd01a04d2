"""How payments look in JSON, and the one place domain errors become HTTP answers."""

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from mercado_payments.domain import errors
from mercado_payments.domain.model import Payment
from mercado_payments.domain.money import money
from mercado_platform.errors import problem

STATUS_OF: dict[type[errors.PaymentsError], int] = {
    errors.PaymentNotFound: 404,
    errors.CheckoutNotFound: 404,
    errors.CheckoutClosed: 409,
    errors.WebhookRejected: 400,
}


def register_domain_errors(blueprint: Blueprint) -> None:
    """Answer every payments domain error with its status and stable code."""

    @blueprint.errorhandler(errors.PaymentsError)
    def domain_error(exc: errors.PaymentsError) -> ResponseReturnValue:
        status = next((s for kind, s in STATUS_OF.items() if isinstance(exc, kind)), 409)
        return problem(status, exc.code, str(exc))


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
