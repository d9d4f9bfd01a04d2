"""Settings of the users service."""

from datetime import timedelta

from pydantic import Field, SecretStr, field_validator

from mercado_platform.config import ServiceSettings
from mercado_users.adapters.keys import parse_private_key, parse_public_keys
from mercado_users.domain.throttle import ThrottlePolicy


class Settings(ServiceSettings):
    """Everything the users service reads from its environment."""

    jwt_signing_key: SecretStr | None = None
    jwt_previous_public_keys: str | None = None
    access_token_ttl_seconds: int = Field(900, ge=60, le=86_400)
    refresh_token_ttl_seconds: int = Field(14 * 86_400, ge=300, le=90 * 86_400)
    login_max_failures_per_account: int = Field(5, ge=1)
    login_max_failures_per_address: int = Field(20, ge=1)
    login_failure_window_seconds: int = Field(900, ge=1)
    login_lockout_seconds: int = Field(300, ge=1)
    trusted_proxy_hops: int = Field(0, ge=0, le=5)

    @field_validator("jwt_signing_key")
    @classmethod
    def _rsa_private_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_private_key(value.get_secret_value())
        return value

    @field_validator("jwt_previous_public_keys")
    @classmethod
    def _rsa_public_keys(cls, value: str | None) -> str | None:
        if value:
            parse_public_keys(value)
        return value

    def throttle_policies(self) -> tuple[ThrottlePolicy, ThrottlePolicy]:
        """The per-account and per-client-address throttling rules."""
        window = timedelta(seconds=self.login_failure_window_seconds)
        lockout = timedelta(seconds=self.login_lockout_seconds)
        return (
            ThrottlePolicy(self.login_max_failures_per_account, window, lockout),
            ThrottlePolicy(self.login_max_failures_per_address, window, lockout),
        )
