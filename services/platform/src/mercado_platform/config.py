"""Typed settings read once from the environment, failing fast with the variable's name."""

from typing import TypeVar

from pydantic import Field, PositiveInt, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "password", "xxx", "todo"})


class ConfigError(Exception):
    """The environment does not describe a runnable service."""


class ServiceSettings(BaseSettings):
    """What every service reads from its environment."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str
    amqp_url: str
    jwks_url: str | None = None
    jwt_issuer: str = "mercado-users"
    jwt_audience: str = "mercado"
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    web_concurrency: int = 2
    grpc_host: str = "0.0.0.0"
    grpc_port: int = 50051
    grpc_threads: PositiveInt = 8
    grpc_health_interval_seconds: float = Field(2.0, gt=0)
    log_level: str = "INFO"
    readiness_timeout_seconds: float = 2.0
    metrics_port: int = 0
    consumer_prefetch: int = 20
    consumer_max_attempts: int = 5
    consumer_batch_size: PositiveInt = 20
    relay_batch_size: int = 200
    relay_unroutable_grace_seconds: float = 600.0

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgresql+psycopg2://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("amqp_url")
    @classmethod
    def _amqp_only(cls, value: str) -> str:
        if not value.startswith(("amqp://", "amqps://")):
            raise ValueError("must be an amqp:// or amqps:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value.upper()


def refuse_placeholder(value: str) -> str:
    """Reject secrets left at a well-known placeholder value."""
    if value.strip().lower() in PLACEHOLDER_SECRETS:
        raise ValueError("is a placeholder; set a real secret")
    return value


S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S]) -> S:
    """Read settings of type `cls` from the environment, naming each bad variable on failure."""
    try:
        return cls()
    except ValidationError as exc:
        raise ConfigError(_describe(cls, exc)) from None


def _describe(cls: type[BaseSettings], exc: ValidationError) -> str:
    prefix = cls.model_config.get("env_prefix", "")
    problems = []
    for error in exc.errors():
        variable = f"{prefix}{error['loc'][0]}".upper() if error["loc"] else "?"
        reason = "is required but not set" if error["type"] == "missing" else error["msg"]
        problems.append(f"{variable} {reason.removeprefix('Value error, ')}")
    return "invalid configuration: " + "; ".join(problems)
