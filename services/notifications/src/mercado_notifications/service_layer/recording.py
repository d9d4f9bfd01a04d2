"""Turn order, payment and stock events into the e-mails they owe, recorded as pending
notifications in the consumer's transaction; the deliverer sends them."""

import uuid
from datetime import UTC, datetime
from email.utils import parseaddr
from functools import cached_property

from mercado_notifications.adapters.repository import NotificationRepository
from mercado_notifications.config import Settings
from mercado_notifications.domain.model import Audience, Notification
from mercado_platform.config import load_settings
from mercado_platform.db import UnitOfWork
from mercado_platform.messaging.consumer import Handler
from mercado_platform.messaging.events import Event

CUSTOMER_MAIL = (
    "payment.link_created",
    "order.paid",
    "order.cancelled",
    "order.rejected",
    "payment.refunded",
)
STAFF_MAIL = ("stock.low",)


def owed(event: Event, audience: Audience, **addressee: str | None) -> Notification:
    """A pending notification of `event`, due at once."""
    now = datetime.now(UTC)
    return Notification(
        id=str(uuid.uuid4()),
        event_id=event.id,
        event_type=event.type,
        audience=audience,
        data=event.data,
        created_at=now,
        order_id=event.data.get("order_id"),
        next_attempt_at=now,
        **addressee,
    )


class MailEvents:
    """Handlers of the events that send mail; the staff list is read from the environment
    on first use."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @cached_property
    def staff(self) -> tuple[str, ...]:
        """Who is told about low stock."""
        return (self._settings or load_settings(Settings)).staff_addresses

    def to_customer(self, event: Event, uow: UnitOfWork) -> None:
        """One e-mail to the event's customer, addressed when it is sent."""
        note = owed(event, Audience.CUSTOMER, customer_id=event.data.get("customer_id"))
        if note.customer_id is None:
            note.skip(f"{event.type} names no customer_id", note.created_at)
        NotificationRepository(uow.session).add(note)

    def to_staff(self, event: Event, uow: UnitOfWork) -> None:
        """One e-mail to each staff address."""
        repository = NotificationRepository(uow.session)
        if not self.staff:
            note = owed(event, Audience.STAFF)
            note.skip("no staff addresses configured (STAFF_EMAILS)", note.created_at)
            repository.add(note)
        for address in self.staff:
            repository.add(owed(event, Audience.STAFF, recipient=parseaddr(address)[1]))

    def handlers(self) -> dict[str, Handler]:
        """Event type to handler, as the consumer dispatches them."""
        return {
            **{kind: self.to_customer for kind in CUSTOMER_MAIL},
            **{kind: self.to_staff for kind in STAFF_MAIL},
        }
