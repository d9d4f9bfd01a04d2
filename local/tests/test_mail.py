"""The local SMTP sink's mailbox: what a reader of mail.log sees of each e-mail."""

import asyncio
from email.message import EmailMessage
from types import SimpleNamespace

from mercado_local.mail import _Appender, readable


def mail(subject: str, text: str | None, html: str | None) -> bytes:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, "a@test", "b@test"
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message.as_bytes()


def test_plain_text_is_preferred_and_encoded_words_are_decoded():
    raw = mail(
        "Pagamento do pedido nº 7 — obrigado", "Olá, João!\nRecebemos 7,90 BRL.\n", "<p>x</p>"
    )
    assert b"=?utf-8?" in raw  # the subject travelled as RFC 2047 encoded words

    assert readable(raw) == (
        "Pagamento do pedido nº 7 — obrigado",
        "Olá, João!\nRecebemos 7,90 BRL.\n",
    )


def test_html_is_shown_when_there_is_no_plain_text():
    assert readable(mail("Only HTML", None, "<p>hello</p>\n")) == ("Only HTML", "<p>hello</p>\n")


def test_an_attached_text_file_is_not_taken_for_the_body():
    message = EmailMessage()
    message["Subject"] = "Your invoice"
    message.set_content("<p>See the attachment.</p>\n", subtype="html")
    message.add_attachment("invoice 7: 7,90 BRL\n", filename="invoice.txt")
    assert readable(message.as_bytes()) == ("Your invoice", "<p>See the attachment.</p>\n")


def test_line_ends_of_a_7bit_body_are_newlines():
    raw = mail("ascii", "one\ntwo\n", None).replace(b"\n", b"\r\n")  # as SMTP carries it
    assert b"7bit" in raw

    assert readable(raw) == ("ascii", "one\ntwo\n")


def test_a_message_without_subject_or_text_is_still_recorded():
    assert readable(b"From: a@test\r\n\r\n") == ("", "")


def test_each_message_is_appended_as_one_block(tmp_path):
    mailbox = tmp_path / "mail.log"
    sink = _Appender(mailbox)
    for n in range(2):
        envelope = SimpleNamespace(
            original_content=mail(f"m{n}", f"text {n}\n", None),
            mail_from="a@test",
            rcpt_tos=["b@test", "c@test"],
        )
        assert asyncio.run(sink.handle_DATA(None, None, envelope)).startswith("250")

    blocks = mailbox.read_text(encoding="utf-8").split("-" * 72 + "\n")
    assert blocks[:2] == [
        f"From: a@test\nTo: b@test, c@test\nSubject: m{n}\n\ntext {n}\n\n" for n in range(2)
    ]
    assert blocks[2] == ""
