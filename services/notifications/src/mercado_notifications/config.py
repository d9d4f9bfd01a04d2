"""Settings of the notifications service."""

from mercado_platform.config import ServiceSettings


class Settings(ServiceSettings):
    """Everything the notifications service reads from its environment."""
