"""The payments service as the platform sees it: one place that wires it together."""

from pathlib import Path

from mercado_payments.adapters.orm import metadata
from mercado_payments.config import Settings
from mercado_platform.service import ServiceSpec

SPEC = ServiceSpec(
    name="payments",
    settings_class=Settings,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations" / "versions",
)
