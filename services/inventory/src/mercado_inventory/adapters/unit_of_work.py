"""Inventory's unit of work: one transaction, and the repositories that work in it."""

from mercado_inventory.adapters.ledger import Ledger
from mercado_inventory.adapters.products import Products
from mercado_inventory.adapters.reservations import Reservations
from mercado_platform.db import UnitOfWork


class InventoryUnitOfWork(UnitOfWork):
    """A transaction on inventory's database with its products, ledger and reservations."""

    products: Products
    ledger: Ledger
    reservations: Reservations

    def open_repositories(self) -> None:
        """The repositories, on this unit of work's connection."""
        self.products = Products(self.session)
        self.ledger = Ledger(self.session)
        self.reservations = Reservations(self.session)
