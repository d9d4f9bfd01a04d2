"""The inventory service as the platform sees it: one place that wires it together."""

from pathlib import Path

from mercado_inventory.adapters.tables import metadata
from mercado_inventory.config import Settings
from mercado_inventory.entrypoints.expiry import EXPIRE_RESERVATIONS
from mercado_inventory.entrypoints.orders_events import QUEUE, READS, SUBSCRIPTION, OrderEvents
from mercado_inventory.entrypoints.products_api import products_blueprint
from mercado_inventory.entrypoints.stock_api import stock_blueprint
from mercado_platform.messaging.topology import Topology
from mercado_platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="inventory",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    blueprints=lambda: (products_blueprint(), stock_blueprint()),
    topology=Topology("inventory", subscriptions=(SUBSCRIPTION,)),
    handlers={QUEUE: OrderEvents().handlers()},
    reads=READS,
    commands={"expire-reservations": EXPIRE_RESERVATIONS},
)
