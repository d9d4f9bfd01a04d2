"""The orders service as the platform sees it: one place that wires it together."""

from collections.abc import Iterable
from pathlib import Path

from mercado_orders.adapters.tables import metadata
from mercado_orders.config import Settings
from mercado_orders.entrypoints.api import orders_blueprint
from mercado_orders.service_layer import replicas, saga
from mercado_orders.service_layer.reads import READS
from mercado_platform.messaging.topology import Subscription, Topology, exchange_for
from mercado_platform.service import ServiceSpec

SAGA_QUEUE = "orders.saga"
REPLICAS_QUEUE = "orders.replicas"


def _bound(service: str, prefix: str, event_types: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Bindings from `service`'s exchange for each event type starting with `prefix`."""
    chosen = sorted(t for t in event_types if t.startswith(prefix))
    return tuple((exchange_for(service), t) for t in chosen)


TOPOLOGY = Topology(
    "orders",
    subscriptions=(
        Subscription(
            SAGA_QUEUE,
            _bound("inventory", "stock.", saga.HANDLERS)
            + _bound("payments", "payment.", saga.HANDLERS),
        ),
        Subscription(
            REPLICAS_QUEUE,
            _bound("inventory", "product.", replicas.HANDLERS)
            + _bound("users", "customer.", replicas.HANDLERS),
        ),
    ),
)

SPEC = ServiceSpec(
    name="orders",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    blueprints=lambda: (orders_blueprint(),),
    topology=TOPOLOGY,
    handlers={SAGA_QUEUE: saga.HANDLERS, REPLICAS_QUEUE: replicas.HANDLERS},
    reads=READS,
)
