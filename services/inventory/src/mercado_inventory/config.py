"""Settings of the inventory service."""

from pydantic import Field

from mercado_platform.config import ServiceSettings


class Settings(ServiceSettings):
    """Everything the inventory service reads from its environment."""

    reservation_ttl_seconds: int = Field(
        900, ge=1, description="how long an unpaid order holds stock"
    )
    expiry_interval_seconds: float = Field(
        15.0, gt=0, description="seconds between the expire-reservations worker's passes"
    )
