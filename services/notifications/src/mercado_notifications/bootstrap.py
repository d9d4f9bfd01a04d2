"""The notifications service as the platform sees it: one place that wires it together."""

from pathlib import Path

from mercado_notifications.adapters.tables import metadata
from mercado_notifications.config import Settings
from mercado_notifications.entrypoints.api import notifications_blueprint
from mercado_notifications.entrypoints.deliver import DELIVER
from mercado_notifications.entrypoints.subscriptions import READS, TOPOLOGY, handlers
from mercado_platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="notifications",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
    blueprints=lambda: (notifications_blueprint(),),
    topology=TOPOLOGY,
    handlers=handlers(),
    reads=READS,
    commands={"deliver": DELIVER},
)
