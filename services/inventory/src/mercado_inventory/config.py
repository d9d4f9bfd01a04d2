"""Settings of the inventory service."""

from mercado_platform.config import ServiceSettings


class Settings(ServiceSettings):
    """Everything the inventory service reads from its environment."""
