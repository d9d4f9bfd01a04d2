"""The operator's settings, read once from the environment at start-up."""

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class OperatorSettings(BaseSettings):
    """What `mercado-operator` reads from its environment (docs/configuration.md#operator)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    drift_interval_seconds: float = Field(180.0, gt=0)
    retry_delay_seconds: float = Field(30.0, gt=0)
    liveness_port: int = Field(8080, ge=1, le=65535)
    metrics_port: int = Field(9090, ge=0, le=65535)
    peering_name: str = "mercado-operator"
    watch_server_timeout_seconds: int = Field(300, gt=0)  # the API wants whole seconds
    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value.upper()

    @property
    def liveness_endpoint(self) -> str:
        """Where kopf serves its liveness probe."""
        return f"http://0.0.0.0:{self.liveness_port}/healthz"
