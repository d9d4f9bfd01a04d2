"""The payments service: how its dependencies are built, and what the platform runs."""

from pathlib import Path

from mercado_payments.adapters.providers import build_provider
from mercado_payments.adapters.tables import metadata
from mercado_payments.adapters.unit_of_work import PaymentsUnitOfWork
from mercado_payments.config import Settings
from mercado_payments.entrypoints import api, checkout_pages, consumers
from mercado_payments.entrypoints.errors import ERRORS
from mercado_payments.service_layer.checkout import RetryPolicy, settle_due
from mercado_payments.service_layer.dependencies import Dependencies, Webhooks
from mercado_platform.db import UnitsOfWork
from mercado_platform.service import ServiceSpec, Worker


def build(settings: Settings, units: UnitsOfWork[PaymentsUnitOfWork]) -> Dependencies:
    """Everything payments' entrypoints hand to its use cases: one provider (Stripe or the
    local checkout) for the process."""
    return Dependencies(
        uow=units,
        provider=build_provider(settings),
        retry=RetryPolicy(settings.retry_base_seconds, settings.retry_max_seconds),
        webhooks=Webhooks(settings.stripe_webhook_secret, settings.webhook_tolerance_seconds),
    )


RETRY_OUTSTANDING = Worker(
    "do the provider work payments still owe (links, expiries, refunds), every interval",
    lambda payments, _stop: settle_due(
        payments.uow, payments.provider, payments.retry, consumers.now
    ),
    "sweep_interval_seconds",
    "worked on {} payment(s) owed provider work",
)

SPEC = ServiceSpec(
    name="payments",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    build=build,
    unit_of_work=PaymentsUnitOfWork,
    blueprints=(api.blueprint, checkout_pages.blueprint),
    errors=ERRORS,
    queues=(consumers.ORDERS,),
    handlers=consumers.handlers,
    workers={"retry-outstanding": RETRY_OUTSTANDING},
)
