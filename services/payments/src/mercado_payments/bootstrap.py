"""The payments service as the platform sees it: one place that wires it together."""

from pathlib import Path

from mercado_payments.adapters.tables import metadata
from mercado_payments.config import Settings
from mercado_payments.entrypoints.api import payments_blueprint
from mercado_payments.entrypoints.checkout_pages import checkout_blueprint
from mercado_payments.entrypoints.orders_events import QUEUE, READS, SUBSCRIPTION, OrderEvents
from mercado_platform.messaging.topology import Topology
from mercado_platform.service import ServiceSpec

ORDER_EVENTS = OrderEvents()

SPEC = ServiceSpec(
    name="payments",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    blueprints=lambda: (payments_blueprint(), checkout_blueprint()),
    topology=Topology("payments", subscriptions=(SUBSCRIPTION,)),
    handlers={QUEUE: ORDER_EVENTS.handlers()},
    reads=READS,
    workers={"retry-outstanding": ORDER_EVENTS.retry_outstanding},
)
