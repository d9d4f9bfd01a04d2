"""Reading the notification log: everyone's (staff), a customer's own, one notification."""

from mercado_notifications.adapters.repository import Filters
from mercado_notifications.adapters.unit_of_work import NotificationsUnitOfWork
from mercado_notifications.domain.errors import NotificationNotFound
from mercado_notifications.domain.model import Notification
from mercado_platform.auth import Caller
from mercado_platform.pagination import PageQuery


def list_notifications(
    uow: NotificationsUnitOfWork, filters: Filters, page: PageQuery
) -> tuple[list[Notification], bool]:
    """One page of the notifications that pass `filters`, newest first."""
    with uow.reading() as reader:
        return reader.notifications.page(page, filters)


def get_notification(
    uow: NotificationsUnitOfWork, notification_id: str, caller: Caller
) -> Notification:
    """One notification, if the caller may see it; otherwise NotificationNotFound."""
    with uow.reading() as reader:
        note = reader.notifications.get(notification_id)
    if note is None or not caller.may_see(note.customer_id):
        raise NotificationNotFound(notification_id)
    return note
