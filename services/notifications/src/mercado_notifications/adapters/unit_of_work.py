"""Notifications' unit of work: one transaction, and the repositories that work in it."""

from mercado_notifications.adapters.customers import Customers
from mercado_notifications.adapters.repository import NotificationRepository
from mercado_platform.db import UnitOfWork


class NotificationsUnitOfWork(UnitOfWork):
    """A transaction on notifications' database with its log and its customers."""

    notifications: NotificationRepository
    customers: Customers

    def open_repositories(self) -> None:
        """The repositories, on this unit of work's connection."""
        self.notifications = NotificationRepository(self.session)
        self.customers = Customers(self.session)
