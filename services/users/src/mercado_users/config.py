"""Settings of the users service."""

from mercado_platform.config import ServiceSettings


class Settings(ServiceSettings):
    """Everything the users service reads from its environment."""
