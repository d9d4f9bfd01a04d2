"""The inventory service as the platform sees it: one place that wires it together."""

from pathlib import Path

from mercado_inventory.adapters.orm import metadata
from mercado_inventory.config import Settings
from mercado_platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="inventory",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
)
