"""The local SMTP sink: every e-mail the platform sends is appended to a file, never delivered."""

from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mercado_platform.testing.processes import free_port


class _Appender:
    """aiosmtpd handler: one readable block per message in the mailbox file."""

    def __init__(self, mailbox: Path) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        body = message.get_body(("plain", "html"))
        block = (
            f"From: {envelope.mail_from}\nTo: {', '.join(envelope.rcpt_tos)}\n"
            f"Subject: {message['Subject']}\n\n{body.get_content() if body else ''}\n"
            + "-" * 72
            + "\n"
        )
        with self.mailbox.open("a", encoding="utf-8") as out:
            out.write(block)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on a free loopback port writing what it receives to `mailbox`."""

    def __init__(self, mailbox: Path) -> None:
        self.mailbox = mailbox
        self.port = free_port()
        self._controller = Controller(_Appender(mailbox), hostname="127.0.0.1", port=self.port)

    def settings(self) -> dict[str, str]:
        """What the notifications service needs to send here."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port)}

    def start(self) -> "MailSink":
        """Listen in a background thread."""
        self.mailbox.touch()
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()
