"""The orders service: how its dependencies are built, and what the platform runs."""

from pathlib import Path

from mercado_orders.adapters import metrics
from mercado_orders.adapters.inventory import CircuitBreaker, InventoryClient
from mercado_orders.adapters.inventory_grpc import GrpcInventoryClient
from mercado_orders.adapters.tables import metadata
from mercado_orders.adapters.unit_of_work import OrdersUnitOfWork
from mercado_orders.config import Settings
from mercado_orders.entrypoints import api, consumers, grpc_api
from mercado_orders.entrypoints.errors import ERRORS
from mercado_orders.service_layer.dependencies import Dependencies
from mercado_orders.service_layer.ordering import Availability
from mercado_platform.db import UnitsOfWork
from mercado_platform.service import ServiceSpec


def build(settings: Settings, units: UnitsOfWork[OrdersUnitOfWork]) -> Dependencies:
    """Everything orders' entrypoints hand to its use cases: one inventory client (one
    breaker, one connection pool or channel) for the process."""
    return Dependencies(units, availability_check(settings), settings.currency)


def availability_check(settings: Settings) -> Availability:
    """Inventory's availability check over the configured transport (INVENTORY_TRANSPORT),
    or one that always says "unknown" when no inventory is configured."""
    breaker = CircuitBreaker(
        settings.inventory_breaker_failures, settings.inventory_breaker_reset_seconds
    )
    limits = {
        "timeout": settings.inventory_timeout_seconds,
        "attempts": settings.inventory_attempts,
        "breaker": breaker,
    }
    if settings.inventory_transport == "grpc" and settings.inventory_grpc_target:
        return GrpcInventoryClient(settings.inventory_grpc_target, **limits).availability
    if settings.inventory_transport == "http" and settings.inventory_url:
        return InventoryClient(settings.inventory_url, **limits).availability
    return lambda _lines: None


SPEC = ServiceSpec(
    name="orders",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    build=build,
    unit_of_work=OrdersUnitOfWork,
    blueprints=(api.blueprint,),
    grpc=(grpc_api.ORDERS,),
    errors=ERRORS,
    queues=(consumers.SAGA, consumers.REPLICAS),
    handlers=consumers.handlers,
    collectors=metrics.collectors,
)
