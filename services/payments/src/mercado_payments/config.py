"""Settings of the payments service."""

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from mercado_platform.config import ServiceSettings, refuse_placeholder


class Settings(ServiceSettings):
    """Everything the payments service reads from its environment."""

    payment_provider: Literal["stripe", "local"] = Field(
        "local", description="stripe: Checkout Sessions; local: the built-in checkout page"
    )
    stripe_api_key: str | None = Field(None, validate_default=True)
    stripe_api_base: str | None = Field(None, description="e.g. stripe-mock's URL in tests")
    stripe_webhook_secret: str | None = Field(
        None, validate_default=True, description="signs and verifies webhooks"
    )
    stripe_timeout_seconds: float = Field(10.0, gt=0, le=80)
    stripe_attempts: int = Field(3, ge=1, le=10)
    public_url: str = Field("http://localhost:8080", pattern=r"^https?://[^\s]+[^/\s]$")
    webhook_tolerance_seconds: int = Field(300, ge=1, le=3600)
    checkout_ttl_seconds: int = Field(86400, ge=60, description="lifetime of a local checkout")
    retry_base_seconds: float = Field(2.0, gt=0)
    retry_max_seconds: float = Field(300.0, gt=0)
    sweep_interval_seconds: float = Field(5.0, gt=0)

    @field_validator("stripe_api_key", "stripe_webhook_secret")
    @classmethod
    def _real_secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("payment_provider") == "stripe":
            raise ValueError("is required when PAYMENT_PROVIDER=stripe")
        return None if value is None else refuse_placeholder(value)
