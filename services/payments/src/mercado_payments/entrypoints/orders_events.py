"""The consumer's handlers for orders' events, and the worker that retries the provider
work they could not finish; both build the provider from settings on first use."""

import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property

from sqlalchemy.exc import OperationalError

from mercado_payments.adapters.providers import build_provider
from mercado_payments.config import Settings
from mercado_payments.domain.provider import PaymentProvider
from mercado_payments.service_layer import checkout
from mercado_payments.service_layer.checkout import PaymentRequest, RetryPolicy
from mercado_platform.broker import run_reconnecting
from mercado_platform.config import ServiceSettings, load_settings
from mercado_platform.db import Database, UnitOfWork
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.topology import Subscription, exchange_for
from mercado_platform.service import ServiceSpec

log = logging.getLogger(__name__)
QUEUE = "payments.orders"
SUBSCRIPTION = Subscription(
    QUEUE,
    tuple((exchange_for("orders"), kind) for kind in ("payment.requested", "order.cancelled")),
)
ITEM = {
    "type": "object",
    "required": ["name", "quantity"],
    "properties": {"name": {"type": "string"}, "quantity": {"type": "integer"}},
}
READS = {
    "payment.requested": {
        "type": "object",
        "required": ["order_id", "customer_id", "amount", "currency", "items"],
        "properties": {
            "order_id": {"type": "string"},
            "customer_id": {"type": "string"},
            "amount": {"type": "string"},
            "currency": {"type": "string"},
            "items": {"type": "array", "items": ITEM},
        },
    },
    "order.cancelled": {
        "type": "object",
        "required": ["order_id", "was_paid"],
        "properties": {"order_id": {"type": "string"}, "was_paid": {"type": "boolean"}},
    },
}


class OrderEvents:
    """Handlers of orders' events; settings are read from the environment on first use."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @cached_property
    def settings(self) -> Settings:
        """The service's settings."""
        return self._settings or load_settings(Settings)

    @cached_property
    def provider(self) -> PaymentProvider:
        """Stripe or the local checkout, as configured."""
        return build_provider(self.settings)

    @cached_property
    def policy(self) -> RetryPolicy:
        """When unfinished provider work is tried again."""
        return RetryPolicy(self.settings.retry_base_seconds, self.settings.retry_max_seconds)

    def payment_requested(self, event: Event, uow: UnitOfWork) -> None:
        """Open the order's payment and its checkout link."""
        data = event.data
        asked = PaymentRequest(
            order_id=data["order_id"],
            customer_id=data["customer_id"],
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            description=", ".join(f"{i['quantity']} x {i['name']}" for i in data["items"]),
        )
        checkout.request_payment(uow, self.provider, asked, self.policy, _now())

    def order_cancelled(self, event: Event, uow: UnitOfWork) -> None:
        """Refund a paid order, close an unpaid one's checkout."""
        was_paid = bool(event.data["was_paid"])
        checkout.order_cancelled(
            uow,
            self.provider,
            event.data["order_id"],
            was_paid=was_paid,
            policy=self.policy,
            now=_now(),
        )

    def handlers(self) -> dict[str, Handler]:
        """Event type to handler, as the consumer dispatches them."""
        return {
            "payment.requested": self.payment_requested,
            "order.cancelled": self.order_cancelled,
        }

    def retry_outstanding(
        self, spec: ServiceSpec, settings: ServiceSettings, stop: threading.Event
    ) -> None:
        """Worker: every interval, do the provider work that is due, until stopped."""
        database = Database(settings.database_url)

        def every_interval(stop: threading.Event) -> None:
            while True:
                try:
                    if done := settle_due(spec, database, self):
                        log.info("worked on %d payment(s) owed provider work", done)
                except OperationalError:
                    raise  # the database is down: reconnect after a backoff
                except Exception:  # one bad pass must not stop the retries for good
                    log.exception("retrying provider work failed; trying again next pass")
                if stop.wait(self.settings.sweep_interval_seconds):
                    return

        try:
            run_reconnecting(every_interval, stop, (OperationalError,))
        finally:
            database.dispose()


def settle_due(spec: ServiceSpec, database: Database, wiring: OrderEvents) -> int:
    """Try the provider work of every payment whose retry is due, one transaction each;
    returns how many were tried."""
    done = 0
    while True:
        with UnitOfWork(database, spec.exchange, spec.contracts) as uow:
            if checkout.settle_next(uow, wiring.provider, wiring.policy, _now()) is None:
                return done
            uow.commit()
        done += 1


def _now() -> datetime:
    return datetime.now(UTC)
