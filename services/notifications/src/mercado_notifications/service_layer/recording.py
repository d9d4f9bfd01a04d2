"""Turn order, payment and stock events into the e-mails they owe, recorded as pending
notifications in the consumer's transaction; the deliver worker sends them."""

from datetime import UTC, datetime
from email.utils import parseaddr

from mercado_notifications.adapters.unit_of_work import NotificationsUnitOfWork
from mercado_notifications.domain.model import Audience, Notification
from mercado_platform.ids import new_id
from mercado_platform.messaging.events import Event


def owed(event: Event, audience: Audience, **addressee: str | None) -> Notification:
    """A pending notification of `event`, due at once."""
    now = datetime.now(UTC)
    return Notification(
        id=new_id(),
        event_id=event.id,
        event_type=event.type,
        audience=audience,
        data=event.data,
        created_at=now,
        order_id=event.data.get("order_id"),
        next_attempt_at=now,
        **addressee,
    )


def to_customer(event: Event, uow: NotificationsUnitOfWork) -> None:
    """One e-mail to the event's customer, addressed when it is sent."""
    note = owed(event, Audience.CUSTOMER, customer_id=event.data.get("customer_id"))
    if note.customer_id is None:
        note.skip(f"{event.type} names no customer_id", note.created_at)
    uow.notifications.add(note)


def to_staff(event: Event, uow: NotificationsUnitOfWork, *, staff: tuple[str, ...]) -> None:
    """One e-mail to each staff address."""
    if not staff:
        note = owed(event, Audience.STAFF)
        note.skip("no staff addresses configured (STAFF_EMAILS)", note.created_at)
        uow.notifications.add(note)
    for address in staff:
        uow.notifications.add(owed(event, Audience.STAFF, recipient=parseaddr(address)[1]))
