"""The inventory service: how its dependencies are built, and what the platform runs."""

from datetime import timedelta
from pathlib import Path

from mercado_inventory.adapters.tables import metadata
from mercado_inventory.adapters.unit_of_work import InventoryUnitOfWork
from mercado_inventory.config import Settings
from mercado_inventory.entrypoints import consumers, grpc_api, products_api, stock_api
from mercado_inventory.entrypoints.errors import ERRORS
from mercado_inventory.service_layer.dependencies import Dependencies
from mercado_inventory.service_layer.reservations import expire_due
from mercado_platform.db import UnitsOfWork
from mercado_platform.service import ServiceSpec, Worker


def build(settings: Settings, units: UnitsOfWork[InventoryUnitOfWork]) -> Dependencies:
    """Everything inventory's entrypoints hand to its use cases, from its settings."""
    return Dependencies(units, timedelta(seconds=settings.reservation_ttl_seconds))


EXPIRE_RESERVATIONS = Worker(
    "release reservations nobody paid in time, every interval until stopped",
    lambda inventory, _stop: expire_due(inventory.uow),
    "expiry_interval_seconds",
    "released {} expired reservation(s)",
)

SPEC = ServiceSpec(
    name="inventory",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    build=build,
    unit_of_work=InventoryUnitOfWork,
    blueprints=(products_api.blueprint, stock_api.blueprint),
    grpc=(grpc_api.INVENTORY,),
    errors=ERRORS,
    queues=(consumers.ORDERS,),
    handlers=consumers.handlers,
    workers={"expire-reservations": EXPIRE_RESERVATIONS},
)
