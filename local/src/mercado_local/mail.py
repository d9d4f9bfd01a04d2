"""The local SMTP sink: every e-mail the platform sends is appended to a file, never delivered."""

from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mercado_platform.testing.processes import free_port


class _Appender:
    """aiosmtpd handler: one readable block per message in the mailbox file."""

    def __init__(self, mailbox: Path) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:  # noqa: N802
        subject, body = readable(envelope.original_content or b"")
        block = (
            f"From: {envelope.mail_from}\nTo: {', '.join(envelope.rcpt_tos)}\n"
            f"Subject: {subject}\n\n{body}\n" + "-" * 72 + "\n"
        )
        with self.mailbox.open("a", encoding="utf-8") as out:
            out.write(block)
        return "250 Message accepted for delivery"


def readable(raw: bytes) -> tuple[str, str]:
    """The decoded subject and plain-text body (else HTML, with \\n line ends) of an e-mail.
    Parsed with the compat32 policy and decoded by hand: the default policy's header objects
    would cost the benchmark's own process many times as much per e-mail."""
    message = message_from_bytes(raw)
    subject = str(make_header(decode_header(message.get("Subject", ""))))
    parts = {
        part.get_content_type(): part
        for part in reversed(list(message.walk()))
        if part.get_content_disposition() != "attachment"
    }
    body = parts.get("text/plain") or parts.get("text/html")
    return subject, _text(body) if body is not None else ""


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    text = payload.decode(part.get_content_charset("us-ascii"), errors="replace")
    return text.replace("\r\n", "\n")  # SMTP's line ends, in a 7bit body


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
