"""Orders' unit of work: one transaction, and the repositories that work in it."""

from mercado_orders.adapters.idempotency import IdempotencyKeys
from mercado_orders.adapters.read_models import Catalogue, Customers
from mercado_orders.adapters.repository import OrderRepository
from mercado_platform.db import UnitOfWork


class OrdersUnitOfWork(UnitOfWork):
    """A transaction on orders' database with its orders, read models and idempotency keys."""

    orders: OrderRepository
    catalogue: Catalogue
    customers: Customers
    idempotency: IdempotencyKeys

    def open_repositories(self) -> None:
        """The repositories, on this unit of work's connection."""
        self.orders = OrderRepository(self.session)
        self.catalogue = Catalogue(self.session)
        self.customers = Customers(self.session)
        self.idempotency = IdempotencyKeys(self.session)
