"""The users service as the platform sees it: one place that wires it together."""

from pathlib import Path

from mercado_platform.service import ServiceSpec
from mercado_users.adapters.orm import metadata
from mercado_users.config import Settings

SPEC = ServiceSpec(
    name="users",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
)
