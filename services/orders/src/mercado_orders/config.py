"""Settings of the orders service."""

from mercado_platform.config import ServiceSettings


class Settings(ServiceSettings):
    """Everything the orders service reads from its environment."""
