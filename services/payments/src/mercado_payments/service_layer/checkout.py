"""Use cases driven by orders: open a payment's checkout, expire it, refund it, and do
later whatever the provider could not do at once."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mercado_payments.adapters.unit_of_work import PaymentsUnitOfWork
from mercado_payments.domain.errors import ProviderRejected, ProviderUnavailable
from mercado_payments.domain.model import Payment, Status
from mercado_payments.domain.provider import PaymentProvider
from mercado_payments.service_layer import events
from mercado_platform.db import UnitsOfWork
from mercado_platform.tracing import span

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How long a payment waits before the provider is tried again: base * 2^n, capped."""

    base_seconds: float = 2.0
    max_seconds: float = 300.0


@dataclass(frozen=True)
class PaymentRequest:
    """What orders asks to be paid."""

    order_id: str
    customer_id: str
    amount: Decimal
    currency: str
    description: str


def request_payment(
    uow: PaymentsUnitOfWork,
    provider: PaymentProvider,
    asked: PaymentRequest,
    policy: RetryPolicy,
    now: datetime,
) -> None:
    """Create the order's one payment and its checkout; a second request changes nothing."""
    payment = Payment.request(
        asked.order_id,
        asked.customer_id,
        asked.amount,
        asked.currency,
        description=asked.description,
        provider=provider.name,
        now=now,
    )
    if not uow.payments.add(payment):
        log.info("order %s already has a payment; request ignored", asked.order_id)
        return
    if payment.status is Status.FAILED:
        uow.publish(events.failed(payment))
        return
    settle(uow, provider, payment, policy, now)


def order_cancelled(
    uow: PaymentsUnitOfWork,
    provider: PaymentProvider,
    order_id: str,
    *,
    was_paid: bool,
    policy: RetryPolicy,
    now: datetime,
) -> None:
    """Refund a paid order; close the checkout of an unpaid one."""
    payment = uow.payments.for_order(order_id, lock=True)
    if payment is None:
        log.info("order %s cancelled before any payment was requested", order_id)
        return
    if was_paid:
        payment.request_refund()
    else:
        payment.cancel()
    if payment.outstanding:
        settle(uow, provider, payment, policy, now)
    else:
        uow.payments.save(payment)


def settle_due(
    units: UnitsOfWork[PaymentsUnitOfWork],
    provider: PaymentProvider,
    policy: RetryPolicy,
    clock: Callable[[], datetime],
) -> int:
    """Do the provider work of every payment whose retry is due, one transaction each;
    returns how many were tried."""
    tried = 0
    while _settle_next(units(), provider, policy, clock()):
        tried += 1
    return tried


def _settle_next(
    uow: PaymentsUnitOfWork, provider: PaymentProvider, policy: RetryPolicy, now: datetime
) -> bool:
    """Do the provider work of one payment whose retry is due; False when none is."""
    with uow:
        payment = uow.payments.next_outstanding(now)
        if payment is None:
            return False
        settle(uow, provider, payment, policy, now)
        uow.commit()
    return True


def settle(
    uow: PaymentsUnitOfWork,
    provider: PaymentProvider,
    payment: Payment,
    policy: RetryPolicy,
    now: datetime,
) -> None:
    """Ask the provider for what the payment is owed; if it is down, try again later."""
    try:
        _ask_provider(uow, provider, payment)
    except ProviderUnavailable as exc:
        log.warning("payment %s stays %s: %s", payment.id, payment.status, exc)
        payment.postpone(str(exc), now, base=policy.base_seconds, cap=policy.max_seconds)
    except ProviderRejected as exc:
        log.error("provider refused %s work on payment %s: %s", payment.status, payment.id, exc)
        told = payment.give_up("provider_rejected")
        payment.last_error = str(exc)[:500]
        if told:
            uow.publish(events.failed(payment))
        elif payment.outstanding:  # a refund is owed whatever happens: keep asking, slowly
            payment.postpone(str(exc), now, base=policy.max_seconds, cap=policy.max_seconds)
    uow.payments.save(payment)


def _ask_provider(uow: PaymentsUnitOfWork, provider: PaymentProvider, payment: Payment) -> None:
    if payment.status is Status.PENDING:
        with span("open checkout", **{"mercado.payment.provider": provider.name}):
            payment.opened(provider.create_checkout(payment))
        uow.publish(events.link_created(payment))
    elif payment.status is Status.CANCELLING:
        provider.expire_checkout(payment)
        payment.expired()
    elif payment.status is Status.REFUNDING:
        refunded_now = payment.refunded(provider.refund(payment))
        if refunded_now:
            uow.publish(events.refunded(payment))
