"""What inventory's use cases are given; the bootstrap builds it once per process."""

from dataclasses import dataclass
from datetime import timedelta

from mercado_inventory.adapters.unit_of_work import InventoryUnitOfWork
from mercado_platform.db import UnitsOfWork


@dataclass(frozen=True)
class Dependencies:
    """Units of work on inventory's database, and how long a reservation holds stock."""

    uow: UnitsOfWork[InventoryUnitOfWork]
    reservation_ttl: timedelta
