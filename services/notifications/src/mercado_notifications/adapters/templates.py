"""E-mails from the package's Jinja2 templates: per event type a subject, a plain-text and
an HTML body, sent together as multipart/alternative.

Messages are built with the `email.mime` classes (the compat32 policy): the default policy
parses every header it is given back into a tree, for nothing we use. compat32 encodes
non-ASCII headers (RFC 2047) and bodies (base64) the same way on the wire; what it does not
do is refuse line breaks in a header, so `compose` does. Two shortcuts change no byte of a
message: a boundary chosen up front, and short ASCII headers written as they are.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from mercado_platform.money import money as written

REASONS = {
    "insufficient_stock": "not enough in stock",
    "unknown_product": "no longer in our catalogue",
    "inactive_product": "not on sale at the moment",
    "cancelled_by_customer": "you cancelled it",
    "cancelled_by_staff": "our staff cancelled it",
    "reservation_expired": "it was not paid in time",
    "payment_failed": "the payment failed",
    "payment_expired": "the payment link expired",
    "paid_after_cancellation": "the payment arrived after the order was cancelled",
}


@dataclass(frozen=True)
class Rendered:
    """An e-mail's subject and its two bodies."""

    subject: str
    text: str
    html: str


def money(amount: str | Decimal, currency: str | None = None) -> str:
    """A decimal amount with its currency's places, as the events carry it, and the
    currency: `39.90 BRL`, `3000 JPY` (two places when no currency is named)."""
    shown = written(Decimal(str(amount)), currency or "")
    return f"{shown} {currency.upper()}" if currency else shown


def when(moment: str) -> str:
    """An ISO 8601 time as people read it, in UTC: `1 Jan 2030, 00:00 UTC`."""
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    parsed = parsed.astimezone(UTC) if parsed.tzinfo else parsed
    return f"{parsed.day} {parsed:%b %Y, %H:%M} UTC"


def short(identifier: str) -> str:
    """The first eight characters of an id, enough to tell orders apart in a subject."""
    return identifier[:8]


def reason(code: str) -> str:
    """A reason code as a phrase."""
    return REASONS.get(code, code.replace("_", " "))


@cache
def environment() -> Environment:
    """The template environment, built on first use; HTML templates are auto-escaped."""
    env = Environment(
        loader=PackageLoader("mercado_notifications", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=money, when=when, short=short, reason=reason)
    return env


def render(event_type: str, context: dict[str, Any]) -> Rendered:
    """The e-mail for `event_type`; raises jinja2 errors when the data lacks a field."""
    env = environment()
    subject = env.get_template(f"{event_type}.subject.txt").render(context)
    return Rendered(
        subject=" ".join(subject.split()),
        text=env.get_template(f"{event_type}.txt").render(context),
        html=env.get_template(f"{event_type}.html").render(context),
    )


def compose(
    mail: Rendered, *, sender: str, recipient: str, name: str | None, reference: str
) -> Message:
    """A multipart/alternative message (text first, HTML preferred by mail readers); raises
    ValueError when a header would hold a line break."""
    message = MIMEMultipart("alternative", boundary=_boundary(mail), policy=POLICY)
    headers = {
        "Subject": mail.subject,
        "From": sender,
        "To": formataddr((name, recipient)) if name else recipient,
        "Date": formatdate(usegmt=True),
        "Message-ID": make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2]),
        "X-Mercado-Notification": reference,
    }
    for header, value in headers.items():
        if "\r" in value or "\n" in value:
            raise ValueError(f"a line break in the {header} header")
        message[header] = value
    message.attach(_text(mail.text, "plain"))
    message.attach(_text(mail.html, "html"))
    return message


class ShortHeadersAsTheyAre(Compat32):
    """compat32, except that a header that is ASCII and fits on its line is written as it
    is, which is what compat32 writes for it too, without building an `email.header.Header`
    to find that out."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        """The header as it goes on the wire."""
        limit = self.max_line_length or 0  # None or 0: never folded; compat32 decides
        fits = isinstance(value, str) and 0 < len(name) + 2 + len(value) <= limit
        if fits and value.isascii() and "\r" not in value and "\n" not in value:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


POLICY = ShortHeadersAsTheyAre()


def _boundary(mail: Rendered) -> str:
    """A random multipart boundary found in neither body. Left to itself, the generator
    makes one and compiles a regular expression afresh for every message to search the
    bodies for it. ("=_" cannot occur in base64 either.)"""
    while True:
        candidate = f"=_{secrets.token_hex(16)}"
        if candidate not in mail.text and candidate not in mail.html:
            return candidate


def _text(body: str, subtype: str) -> MIMEText:
    return MIMEText(body, subtype, "us-ascii" if body.isascii() else "utf-8", policy=POLICY)
