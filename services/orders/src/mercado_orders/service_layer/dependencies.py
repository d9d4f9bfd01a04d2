"""What orders' use cases are given; the bootstrap builds it once per process."""

from dataclasses import dataclass

from mercado_orders.adapters.unit_of_work import OrdersUnitOfWork
from mercado_orders.service_layer.ordering import Availability
from mercado_platform.db import UnitsOfWork


@dataclass(frozen=True)
class Dependencies:
    """Units of work on orders' database, inventory's availability check, the currency."""

    uow: UnitsOfWork[OrdersUnitOfWork]
    inventory: Availability
    currency: str
