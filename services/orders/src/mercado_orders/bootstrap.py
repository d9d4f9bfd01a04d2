"""The orders service as the platform sees it: one place that wires it together."""

from pathlib import Path

from mercado_orders.adapters.orm import metadata
from mercado_orders.config import Settings
from mercado_platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="orders",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
)
