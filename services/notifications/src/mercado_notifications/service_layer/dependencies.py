"""What notifications' use cases are given; the bootstrap builds it once per process."""

from dataclasses import dataclass

from mercado_notifications.adapters.unit_of_work import NotificationsUnitOfWork
from mercado_notifications.service_layer.delivery import Delivery
from mercado_platform.db import UnitsOfWork


@dataclass(frozen=True)
class Dependencies:
    """Units of work on notifications' database, how e-mail is delivered, and who the
    staff are (told about low stock)."""

    uow: UnitsOfWork[NotificationsUnitOfWork]
    delivery: Delivery
    staff: tuple[str, ...]
