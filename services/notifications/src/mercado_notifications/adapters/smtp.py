"""Sending mail through an SMTP server (plain, STARTTLS or implicit TLS, with or without
AUTH), telling failures worth retrying (4xx, connection trouble) from permanent ones (5xx)."""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from mercado_notifications.config import Settings
from mercado_notifications.domain.exceptions import DeliveryFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpMailer:
    """One connection per message: mail is rare enough, and no idle session can go stale."""

    host: str
    port: int
    security: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    ca_file: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpMailer":
        """The mailer the settings describe."""
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_security,
            settings.smtp_username,
            password,
            settings.smtp_timeout,
            settings.smtp_ca_file,
        )

    def send(self, message: EmailMessage) -> None:
        """Hand `message` to the server; raises DeliveryFailed saying whether to retry."""
        try:
            smtp = self._connect()
            try:
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
            finally:
                _quit_quietly(smtp)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = min(exc.recipients.values())
            raise DeliveryFailed(_reply(code, reply), permanent=code >= 500) from exc
        except smtplib.SMTPResponseException as exc:
            reply = _reply(exc.smtp_code, exc.smtp_error)
            raise DeliveryFailed(reply, permanent=exc.smtp_code >= 500) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryFailed(f"the server does not support it: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._tls_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self._tls_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return f"{code} {text}"


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    """Say goodbye; the message is already accepted, so a failing QUIT changes nothing."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError) as exc:
        log.debug("QUIT failed after sending: %s", exc)
        smtp.close()
