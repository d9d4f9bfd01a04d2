"""Settings of the orders service."""

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from mercado_platform.config import ServiceSettings


class Settings(ServiceSettings):
    """Everything the orders service reads from its environment."""

    inventory_transport: Literal["http", "grpc"] = Field(
        "http", description="how the availability check reaches inventory"
    )
    inventory_url: str | None = Field(None, description="base URL of inventory's API")
    inventory_grpc_target: str | None = Field(
        None, description="host:port of inventory's gRPC API", validate_default=True
    )
    inventory_timeout_seconds: float = Field(0.5, gt=0)
    inventory_attempts: int = Field(2, ge=1, le=5)
    inventory_breaker_failures: int = Field(5, ge=1)
    inventory_breaker_reset_seconds: float = Field(30.0, gt=0)
    currency: str = Field("brl", pattern="^[a-z]{3}$")

    @field_validator("inventory_grpc_target")
    @classmethod
    def _target_for_grpc(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("inventory_transport") == "grpc" and not value:
            raise ValueError("is required when INVENTORY_TRANSPORT is grpc")
        return value
