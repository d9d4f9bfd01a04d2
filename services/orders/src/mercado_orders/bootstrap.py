"""The orders service: how its dependencies are built, and what the platform runs."""

from pathlib import Path

from mercado_orders.adapters import metrics
from mercado_orders.adapters.inventory import availability_check
from mercado_orders.adapters.tables import metadata
from mercado_orders.adapters.unit_of_work import OrdersUnitOfWork
from mercado_orders.config import Settings
from mercado_orders.entrypoints import api, consumers
from mercado_orders.entrypoints.errors import ERRORS
from mercado_orders.service_layer.dependencies import Dependencies
from mercado_platform.db import UnitsOfWork
from mercado_platform.service import ServiceSpec


def build(settings: Settings, units: UnitsOfWork[OrdersUnitOfWork]) -> Dependencies:
    """Everything orders' entrypoints hand to its use cases: one inventory client (one
    breaker, one connection pool) for the process."""
    return Dependencies(units, availability_check(settings), settings.currency)


SPEC = ServiceSpec(
    name="orders",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    build=build,
    unit_of_work=OrdersUnitOfWork,
    blueprints=(api.blueprint,),
    errors=ERRORS,
    queues=(consumers.SAGA, consumers.REPLICAS),
    handlers=consumers.handlers,
    collectors=metrics.collectors,
)
