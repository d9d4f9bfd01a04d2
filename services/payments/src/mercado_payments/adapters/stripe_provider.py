"""Stripe through its official library: Checkout Sessions, expiry and refunds, each call
retried with backoff and made idempotent by a key derived from the order."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import stripe
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from mercado_payments.domain.errors import ProviderRejected, ProviderUnavailable
from mercado_payments.domain.model import Checkout, Payment

log = logging.getLogger(__name__)
T = TypeVar("T")
# 401/403: a key being rotated; 409: the same idempotency key in flight; 429: slow down.
TRANSIENT_STATUSES = frozenset({401, 403, 409, 429})


class StripeProvider:
    """Payments as Stripe Checkout Sessions."""

    name = "stripe"

    def __init__(self, client: stripe.StripeClient, public_url: str, *, attempts: int) -> None:
        self.client = client
        self.public_url = public_url
        self.attempts = attempts

    def create_checkout(self, payment: Payment) -> Checkout:
        """One Checkout Session per order: a retry gets the same session back."""
        metadata = {"order_id": payment.order_id, "payment_id": payment.id}
        params: Any = {
            "mode": "payment",
            "client_reference_id": payment.order_id,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency,
                        "unit_amount": payment.amount_minor,
                        "product_data": {
                            "name": f"Mercado order {payment.order_id}",
                            "description": payment.description[:500] or None,
                        },
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": self._result_url(payment, "paid"),
            "cancel_url": self._result_url(payment, "cancelled"),
        }
        session = self._call(
            lambda: self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": _key("checkout", payment)}
            )
        )
        if not session.url:
            raise ProviderRejected(f"Stripe returned session {session.id} without a URL")
        return Checkout(session.id, session.url, datetime.fromtimestamp(session.expires_at, UTC))

    def expire_checkout(self, payment: Payment) -> None:
        """Expire the session; one no longer open (paid, expired) is left as it is."""
        if payment.session_id is None:
            return
        session_id = payment.session_id
        try:
            self._call(
                lambda: self.client.v1.checkout.sessions.expire(
                    session_id, options={"idempotency_key": _key("expire", payment)}
                )
            )
        except ProviderRejected as exc:
            log.info("session %s of order %s not expired: %s", session_id, payment.order_id, exc)

    def refund(self, payment: Payment) -> str | None:
        """Refund the whole payment; one already refunded counts as done."""
        payment_intent = payment.payment_intent or self._payment_intent_of(payment)
        try:
            refund = self._call(
                lambda: self.client.v1.refunds.create(
                    params={"payment_intent": payment_intent},
                    options={"idempotency_key": _key("refund", payment)},
                )
            )
        except ProviderRejected as exc:
            if "charge_already_refunded" in str(exc):
                return None
            raise
        return refund.id

    def _payment_intent_of(self, payment: Payment) -> str:
        if payment.session_id is None:
            raise ProviderRejected(f"payment of order {payment.order_id} has no session")
        session_id = payment.session_id
        session = self._call(lambda: self.client.v1.checkout.sessions.retrieve(session_id))
        if not session.payment_intent:
            raise ProviderRejected(f"session {session_id} has no payment intent to refund")
        intent = session.payment_intent
        return intent if isinstance(intent, str) else intent.id

    def _result_url(self, payment: Payment, outcome: str) -> str:
        return f"{self.public_url}/api/payments/{payment.order_id}/result?outcome={outcome}"

    def _call(self, request: Callable[[], T]) -> T:
        retrying = Retrying(
            retry=retry_if_exception_type(ProviderUnavailable),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential_jitter(multiplier=0.2, max=2, jitter=0.2),
            before_sleep=_log_retry,
            reraise=True,
        )
        return retrying(_translated, request)


def _translated(request: Callable[[], T]) -> T:
    try:
        return request()
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise ProviderUnavailable(f"Stripe unreachable: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:
        status = exc.http_status or 0
        message = f"Stripe answered {status} ({exc.code}): {exc.user_message or exc}"
        if status >= 500 or status in TRANSIENT_STATUSES:
            raise ProviderUnavailable(message) from exc
        raise ProviderRejected(message) from exc


def _key(action: str, payment: Payment) -> str:
    return f"mercado-{action}-{payment.order_id}"


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("Stripe call failed (%s); attempt %d, retrying", exc, state.attempt_number)


def stripe_client(api_key: str, api_base: str | None, timeout: float) -> stripe.StripeClient:
    """A client with our timeout and no retries of its own (ours are above)."""
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else {},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=timeout),
    )
