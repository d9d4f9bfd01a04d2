"""Settings of the payments service."""

from mercado_platform.config import ServiceSettings


class Settings(ServiceSettings):
    """Everything the payments service reads from its environment."""
