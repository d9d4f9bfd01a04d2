"""Settings of the orders service."""

from pydantic import Field

from mercado_platform.config import ServiceSettings


class Settings(ServiceSettings):
    """Everything the orders service reads from its environment."""

    inventory_url: str | None = Field(None, description="base URL of inventory's API")
    inventory_timeout_seconds: float = Field(0.5, gt=0)
    inventory_attempts: int = Field(2, ge=1, le=5)
    inventory_breaker_failures: int = Field(5, ge=1)
    inventory_breaker_reset_seconds: float = Field(30.0, gt=0)
    currency: str = Field("brl", pattern="^[a-z]{3}$")
