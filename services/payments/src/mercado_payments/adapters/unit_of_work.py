"""Payments' unit of work: one transaction, and the repository that works in it."""

from mercado_payments.adapters.repository import PaymentRepository
from mercado_platform.db import UnitOfWork


class PaymentsUnitOfWork(UnitOfWork):
    """A transaction on payments' database with its payments and provider events."""

    payments: PaymentRepository

    def open_repositories(self) -> None:
        """The repository, on this unit of work's connection."""
        self.payments = PaymentRepository(self.session)
