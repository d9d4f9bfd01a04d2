"""What payments' use cases are given; the bootstrap builds it once per process."""

from dataclasses import dataclass

from mercado_payments.adapters.unit_of_work import PaymentsUnitOfWork
from mercado_payments.domain.provider import PaymentProvider
from mercado_payments.service_layer.checkout import RetryPolicy
from mercado_platform.db import UnitsOfWork


@dataclass(frozen=True)
class Webhooks:
    """How provider events are verified: the signing secret (None: they cannot be), and
    the oldest signature accepted, in seconds."""

    secret: str | None
    tolerance_seconds: int


@dataclass(frozen=True)
class Dependencies:
    """Units of work on payments' database, the provider, when to retry it, webhooks."""

    uow: UnitsOfWork[PaymentsUnitOfWork]
    provider: PaymentProvider
    retry: RetryPolicy
    webhooks: Webhooks
