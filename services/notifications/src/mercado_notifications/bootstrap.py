"""The notifications service: how its dependencies are built, and what the platform runs."""

from pathlib import Path

from mercado_notifications.adapters.smtp import SmtpMailer
from mercado_notifications.adapters.tables import metadata
from mercado_notifications.adapters.unit_of_work import NotificationsUnitOfWork
from mercado_notifications.config import Settings
from mercado_notifications.entrypoints import api, consumers
from mercado_notifications.entrypoints.errors import ERRORS
from mercado_notifications.service_layer.delivery import Delivery, deliver_due
from mercado_notifications.service_layer.dependencies import Dependencies
from mercado_platform.db import UnitsOfWork
from mercado_platform.service import ServiceSpec, Worker


def build(settings: Settings, units: UnitsOfWork[NotificationsUnitOfWork]) -> Dependencies:
    """Everything notifications' entrypoints hand to its use cases: the mail server, the
    retry policy and sender, and the staff list, from the settings."""
    delivery = Delivery(
        SmtpMailer.from_settings(settings), settings.retry_policy(), settings.mail_from
    )
    return Dependencies(units, delivery, settings.staff_addresses)


DELIVER = Worker(
    "send pending e-mails through SMTP, retrying with backoff, every interval until stopped",
    lambda notifications, stop: deliver_due(notifications.uow, notifications.delivery, stop),
    "delivery_interval_seconds",
    "tried {} notification(s)",
)

SPEC = ServiceSpec(
    name="notifications",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    build=build,
    unit_of_work=NotificationsUnitOfWork,
    blueprints=(api.blueprint,),
    errors=ERRORS,
    queues=(consumers.MAIL, consumers.CUSTOMERS),
    handlers=consumers.handlers,
    workers={"deliver": DELIVER},
    publishes=False,
)
