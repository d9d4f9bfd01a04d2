"""The e-mails themselves, rendered from the package's templates: no server needed."""

import random
import string
from decimal import Decimal
from email import policy
from email.parser import BytesParser

import pytest
from jinja2 import UndefinedError

from mercado_notifications.adapters import templates
from mercado_notifications.adapters.templates import Rendered, compose, money, render, when
from mercado_notifications.entrypoints.consumers import CUSTOMER_MAIL, STAFF_MAIL

ORDER = "0b7e55aa-1111-4c2b-9d3e-222233334444"
SAMPLES = {
    "payment.link_created": {
        "order_id": ORDER,
        "payment_id": "pay-1",
        "url": "https://pay.example/cs_1?a=1&b=<2>",
        "amount": "39.9",
        "currency": "brl",
        "expires_at": "2030-01-31T18:05:00+00:00",
    },
    "order.paid": {"order_id": ORDER, "customer_id": "c", "total": "39.90", "currency": "brl"},
    "order.cancelled": {
        "order_id": ORDER,
        "customer_id": "c",
        "reason": "reservation_expired",
        "was_paid": False,
    },
    "order.rejected": {
        "order_id": ORDER,
        "customer_id": "c",
        "lines": [{"product_id": "p1", "requested": 2, "available": 0, "reason": "odd_reason"}],
    },
    "payment.refunded": {
        "order_id": ORDER,
        "payment_id": "pay-1",
        "amount": "0.1",
        "currency": "usd",
    },
    "stock.low": {"product_id": "p", "sku": "S-1", "name": "Mug", "available": 1, "minimum": 3},
}


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("39.9", "brl", "39.90 BRL"),
        (Decimal("1234.5"), "usd", "1234.50 USD"),
        ("0", "brl", "0.00 BRL"),
        ("10.1234", "brl", "10.1234 BRL"),
        ("7", None, "7.00"),
        ("3000", "jpy", "3000 JPY"),
        ("3000.00", "jpy", "3000 JPY"),
    ],
)
def test_amounts_have_their_currencys_places_and_its_code(amount, currency, shown):
    assert money(amount, currency) == shown


def test_times_are_shown_in_utc():
    assert when("2030-01-31T15:05:00-03:00") == "31 Jan 2030, 18:05 UTC"
    assert when("2030-01-01T00:00:00Z") == "1 Jan 2030, 00:00 UTC"


def test_every_event_that_mails_has_its_three_templates():
    assert set(SAMPLES) == {*CUSTOMER_MAIL, *STAFF_MAIL}
    for kind, data in SAMPLES.items():
        mail = render(kind, {"data": data, "person": "Ana"})
        assert mail.subject and "\n" not in mail.subject
        assert mail.text.strip() and mail.html.lstrip().startswith("<!DOCTYPE html>")


def test_the_link_email_carries_the_link_amount_and_expiry_in_both_parts():
    mail = render("payment.link_created", {"data": SAMPLES["payment.link_created"], "person": None})
    assert mail.subject == "Pay for your order 0b7e55aa"
    assert "Hello there," in mail.text
    assert "Pay here: https://pay.example/cs_1?a=1&b=<2>" in mail.text
    assert "of 39.90 BRL" in mail.text and "31 Jan 2030, 18:05 UTC" in mail.text
    assert 'href="https://pay.example/cs_1?a=1&amp;b=&lt;2&gt;"' in mail.html
    assert "<strong>39.90 BRL</strong>" in mail.html


def test_the_link_email_does_without_an_amount():
    data = {k: v for k, v in SAMPLES["payment.link_created"].items() if k != "amount"}
    mail = render("payment.link_created", {"data": data, "person": "Ana"})
    assert "waits for payment." in mail.text and "BRL" not in mail.text


def test_html_escapes_what_people_typed_and_text_keeps_it():
    person = 'Zoë <script>alert("x")</script>'
    mail = render("order.paid", {"data": SAMPLES["order.paid"], "person": person})
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert f"Hello {person}," in mail.text


def test_reason_codes_read_as_phrases_and_unknown_ones_pass_through():
    cancelled = render("order.cancelled", {"data": SAMPLES["order.cancelled"], "person": "A"})
    assert "was cancelled: it was not paid in time." in cancelled.text
    rejected = render("order.rejected", {"data": SAMPLES["order.rejected"], "person": "A"})
    assert "p1: odd reason (you asked for 2, 0 available)" in rejected.text


def test_a_missing_field_is_an_error_not_a_blank():
    data = {k: v for k, v in SAMPLES["order.paid"].items() if k != "total"}
    with pytest.raises(UndefinedError):
        render("order.paid", {"data": data, "person": "A"})


def test_composed_message_is_multipart_alternative_with_text_first():
    mail = render(
        "stock.low", {"data": {**SAMPLES["stock.low"], "name": "Mug\r\nBcc: x"}, "person": None}
    )
    message = compose(
        mail, sender="Mercado <shop@mercado.test>", recipient="a@b.c", name="Zoë", reference="n1"
    )
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.get_payload()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Low stock: Mug Bcc: x (S-1), 1 left"
    assert message["To"] == "=?utf-8?q?Zo=C3=AB?= <a@b.c>"  # RFC 2047, read back as "Zoë"
    assert message["X-Mercado-Notification"] == "n1"
    assert message["Message-ID"].endswith("@mercado.test>")


def test_non_ascii_headers_and_bodies_survive_the_wire():
    mail = Rendered("Pedido pago — obrigado, Zoë", "Olá Zoë,\npago.\n", "<p>Olá</p>\n")
    message = compose(
        mail, sender="Mercado <shop@mercado.test>", recipient="z@b.c", name="Zoë Ñ", reference="n"
    )
    wire = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    assert wire.isascii(), "headers are RFC 2047 words, bodies base64"
    read = BytesParser(policy=policy.default).parsebytes(wire)
    assert (read["Subject"], read["To"]) == (mail.subject, "Zoë Ñ <z@b.c>")
    assert read.get_body(("plain",)).get_content() == mail.text
    assert read.get_body(("html",)).get_content() == mail.html


@pytest.mark.parametrize("linesep", ["\n", "\r\n"])
def test_headers_are_written_as_compat32_writes_them(linesep):
    ours, theirs = (p.clone(linesep=linesep) for p in (templates.POLICY, policy.compat32))
    pick = random.Random(7)
    letters = string.ascii_letters + string.digits + ' \t<>@.;="-_'
    values = ["".join(pick.choices(letters, k=pick.randrange(100))) for _ in range(3000)]
    values += ["Pedido pago — Zoë", "x" * 68, "x" * 69, "a\r\n b", " ", ""]
    for name in ("Subject", "X-Mercado-Notification"):
        for value in values:
            assert ours.fold_binary(name, value) == theirs.fold_binary(name, value), value
    mail = Rendered("Pedido pago — obrigado, Zoë", "Olá Zoë,\npago.\n", "<p>Olá</p>\n")
    message = compose(mail, sender="s@m.test", recipient="z@b.c", name="Zoë Ñ", reference="n")
    assert message.as_bytes(policy=ours) == message.as_bytes(policy=theirs)


def test_the_boundary_is_one_neither_body_holds(monkeypatch):
    tokens = iter(["taken", "free"])
    monkeypatch.setattr(templates.secrets, "token_hex", lambda _n: next(tokens))
    mail = Rendered("Subject", "a line: --=_taken\n", "<p>html</p>")
    message = compose(mail, sender="shop@mercado.test", recipient="a@b.c", name=None, reference="n")
    assert message.get_boundary() == "=_free"
    read = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert read.get_body(("plain",)).get_content() == mail.text


@pytest.mark.parametrize("name", ["Ana\r\nBcc: x@y.z", "Ana\nBcc: x@y.z"])
def test_a_line_break_in_a_header_is_refused(name):
    mail = Rendered("Subject", "text", "<p>html</p>")
    with pytest.raises(ValueError, match="line break in the To header"):
        compose(mail, sender="shop@mercado.test", recipient="a@b.c", name=name, reference="n")
