"""A real SMTP server for tests (aiosmtpd on a free loopback port): it keeps every message
it accepts, can require AUTH, speak STARTTLS or implicit TLS with a self-signed certificate
made for the test, and can be told to refuse the next messages with a 4xx or 5xx reply."""

import email.policy
import ssl
import tempfile
import threading
import warnings
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Literal, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from mercado_platform.testing.polling import eventually
from mercado_platform.testing.processes import free_port
from mercado_platform.testing.tls import self_signed

Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class ReceivedMail:
    """One message the sink accepted, with its envelope."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage
    login: str | None
    encrypted: bool
    client: tuple[str, int]  # the connection it came over (the client's address and port)

    def body(self, subtype: str) -> str:
        """The text of the `plain` or `html` part."""
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None or part.get_content_subtype() != subtype:
            raise AssertionError(f"the message has no text/{subtype} part")
        return part.get_content()


class SmtpSink:
    """An SMTP server collecting what it receives; thread-safe, started by `start()`."""

    def __init__(
        self,
        *,
        security: Security = "none",
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.host, self.port = "127.0.0.1", free_port()
        self.security = security
        self.username, self.password = username, password
        self.ca_file: str | None = None
        self.refused = 0
        self._received: list[ReceivedMail] = []
        self._refusals: list[str] = []
        self._lock = threading.Lock()
        self._workdir = tempfile.TemporaryDirectory(prefix="mercado-smtp-")
        self._controller: Controller | None = None

    def start(self) -> Self:
        """Listen; returns once the server answers."""
        parameters: dict[str, Any] = {}
        if self.username is not None:
            # aiosmtpd offers AUTH only after STARTTLS unless told otherwise; over implicit
            # TLS (or plain text, which some relays allow) it must be told, and warns.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            parameters.update(
                auth_required=True,
                auth_require_tls=self.security == "starttls",
                authenticator=self._authenticate,
            )
        context = self._tls_context() if self.security != "none" else None
        if self.security == "starttls":
            parameters.update(tls_context=context, require_starttls=True)
        self._controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            ssl_context=context if self.security == "tls" else None,
            server_hostname="localhost",
            **parameters,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening and remove the certificate files."""
        if self._controller is not None:
            self._controller.stop()
        self._workdir.cleanup()

    def refuse_next(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer the next `count` messages with `reply` (a 4xx or 5xx) instead of taking them."""
        with self._lock:
            self._refusals.extend([reply] * count)

    def received(self) -> list[ReceivedMail]:
        """What was accepted so far, oldest first (a copy)."""
        with self._lock:
            return list(self._received)

    def messages(self) -> list[EmailMessage]:
        """The accepted messages, parsed."""
        return [mail.message for mail in self.received()]

    def wait_for(self, count: int, *, timeout: float = 30, to: str | None = None) -> list:
        """Wait until `count` messages (to `to`, when given) arrived; returns them."""
        return eventually(
            lambda: len(found := self.to(to) if to else self.received()) >= count and found,
            timeout=timeout,
            what=f"{count} e-mail(s){f' to {to}' if to else ''}",
        )

    def to(self, recipient: str) -> list[ReceivedMail]:
        """What was accepted for `recipient` (envelope, case-insensitive)."""
        wanted = recipient.lower()
        return [m for m in self.received() if wanted in (r.lower() for r in m.recipients)]

    def environment(self) -> dict[str, str]:
        """The SMTP_* variables a service needs to send here."""
        env = {
            "SMTP_HOST": self.host,
            "SMTP_PORT": str(self.port),
            "SMTP_SECURITY": self.security,
        }
        if self.username is not None:
            env |= {"SMTP_USERNAME": self.username, "SMTP_PASSWORD": self.password or ""}
        if self.ca_file:
            env["SMTP_CA_FILE"] = self.ca_file
        return env

    def _accept(self, envelope: Envelope, session: Session, encrypted: bool) -> str:
        with self._lock:
            if self._refusals:
                self.refused += 1
                return self._refusals.pop(0)
        content = (envelope.content or b"").replace(b"\r\n", b"\n")  # wire to local endings
        message = BytesParser(policy=email.policy.default).parsebytes(content)
        mail = ReceivedMail(
            sender=envelope.mail_from or "",
            recipients=tuple(envelope.rcpt_tos),
            message=message,  # type: ignore[arg-type]
            login=_login(session),
            encrypted=encrypted,
            client=tuple(session.peer[:2]),
        )
        with self._lock:
            self._received.append(mail)
        return "250 2.0.0 OK: queued"

    def _authenticate(
        self, _server: Any, _session: Session, _envelope: Envelope, _mechanism: str, data: Any
    ) -> AuthResult:
        good = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=good, handled=False, auth_data=data)

    def _tls_context(self) -> ssl.SSLContext:
        cert, key = Path(self._workdir.name) / "cert.pem", Path(self._workdir.name) / "key.pem"
        self_signed(cert, key)
        self.ca_file = str(cert)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        return context


class _Handler:
    """aiosmtpd's hook: every complete message goes to the sink."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        return self.sink._accept(envelope, session, encrypted)


def _login(session: Session) -> str | None:
    data = session.auth_data
    return data.login.decode() if isinstance(data, LoginPassword) else None
