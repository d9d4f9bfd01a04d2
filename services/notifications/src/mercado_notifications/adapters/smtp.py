"""Sending mail through an SMTP server (plain, STARTTLS or implicit TLS, with or without
AUTH), telling failures worth retrying (4xx, connection trouble) from permanent ones (5xx)."""

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message

from mercado_notifications.config import Settings
from mercado_notifications.domain.errors import DeliveryFailed

log = logging.getLogger(__name__)


@dataclass
class SmtpMailer:
    """One connection per message, or per `session()`: a delivery pass sends its messages
    over one connection and closes it when done, so no idle session is left to go stale."""

    host: str
    port: int
    security: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    ca_file: str | None = None
    _smtp: smtplib.SMTP | None = field(default=None, init=False, repr=False)
    _keep_open: bool = field(default=False, init=False, repr=False)

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

    @contextmanager
    def session(self) -> Iterator[None]:
        """Send the messages of this block over one connection (reopened after a failure)."""
        self._keep_open = True
        try:
            yield
        finally:
            self._keep_open = False
            self._hang_up()

    def send(self, message: Message) -> None:
        """Hand `message` to the server; raises DeliveryFailed saying whether to retry."""
        try:
            self._send(message)
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

    def _send(self, message: Message) -> None:
        failed = True
        try:
            if self._smtp is None:
                self._smtp = self._connect()
                if self.username is not None:
                    self._smtp.login(self.username, self.password or "")
            self._smtp.send_message(message)
            failed = False
        finally:
            if failed or not self._keep_open:
                self._hang_up()

    def _hang_up(self) -> None:
        if self._smtp is not None:
            _quit_quietly(self._smtp)
            self._smtp = None

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
    """Say goodbye; what was sent is already accepted, so a failing QUIT changes nothing."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError) as exc:
        log.debug("QUIT failed: %s", exc)
        smtp.close()
