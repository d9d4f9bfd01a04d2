"""Settings of the notifications service."""

from email.utils import parseaddr
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from mercado_notifications.domain.model import RetryPolicy
from mercado_platform.config import ServiceSettings, refuse_placeholder


def _address(value: str) -> str:
    """`value` if it looks like one e-mail address (`name@domain`, display name allowed)."""
    _name, address = parseaddr(value)
    local, _, domain = address.partition("@")
    if not (local and domain) or "," in address:
        raise ValueError(f"{value!r} is not an e-mail address")
    return value.strip()


class Settings(ServiceSettings):
    """Everything the notifications service reads from its environment."""

    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = Field(None, validate_default=True)
    smtp_timeout: float = Field(10.0, gt=0, le=300, description="seconds per SMTP operation")
    smtp_ca_file: str | None = Field(
        None, description="PEM CA bundle to trust besides the system's"
    )
    smtp_attempts: int = Field(10, ge=1, le=50, description="tries before an e-mail is failed")
    smtp_backoff_seconds: float = Field(2.0, gt=0, description="wait before the second try")
    smtp_backoff_max_seconds: float = Field(600.0, gt=0, description="longest wait between tries")
    recipient_lookups: int = Field(
        6, ge=1, le=50, description="tries to find a customer not yet replicated before skipping"
    )
    mail_from: str = "Mercado <no-reply@mercado.local>"
    staff_emails: str = Field("", description="comma-separated recipients of stock.low")
    delivery_interval_seconds: float = Field(1.0, gt=0, le=60)

    @field_validator("mail_from")
    @classmethod
    def _one_address(cls, value: str) -> str:
        return _address(value)

    @field_validator("staff_emails")
    @classmethod
    def _addresses(cls, value: str) -> str:
        return ",".join(_address(part) for part in value.split(",") if part.strip())

    @field_validator("smtp_password")
    @classmethod
    def _real_password(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if (value is None) != (info.data.get("smtp_username") is None):
            raise ValueError("goes with SMTP_USERNAME: set both or neither")
        if value is not None:
            refuse_placeholder(value.get_secret_value())
        return value

    @property
    def staff_addresses(self) -> tuple[str, ...]:
        """Who is told about low stock."""
        return tuple(part for part in self.staff_emails.split(",") if part)

    def retry_policy(self) -> RetryPolicy:
        """How often and how long delivery is retried."""
        return RetryPolicy(
            attempts=self.smtp_attempts,
            initial_seconds=self.smtp_backoff_seconds,
            max_seconds=self.smtp_backoff_max_seconds,
            recipient_lookups=self.recipient_lookups,
        )
