"""The SMTP mailer against a real SMTP server: security modes, AUTH, and which failures are
worth retrying."""

from email.message import EmailMessage

import pytest

from mercado_notifications.adapters.smtp import SmtpMailer
from mercado_notifications.domain.errors import DeliveryFailed
from mercado_platform.testing.processes import free_port


def message(to: str = "ana@example.com") -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = "Hello", "shop@mercado.test", to
    mail.set_content("plain")
    mail.add_alternative("<p>html</p>", subtype="html")
    return mail


def mailer_for(sink, **overrides) -> SmtpMailer:
    options = {
        "host": sink.host,
        "port": sink.port,
        "security": sink.security,
        "username": sink.username,
        "password": sink.password,
        "ca_file": sink.ca_file,
        "timeout": 5,
    }
    return SmtpMailer(**{**options, **overrides})


def test_plain_smtp_delivers_both_parts(smtp_sink):
    mailer_for(smtp_sink).send(message())
    [mail] = smtp_sink.received()
    assert mail.recipients == ("ana@example.com",) and mail.sender == "shop@mercado.test"
    assert (mail.body("plain").strip(), mail.body("html").strip()) == ("plain", "<p>html</p>")
    assert (mail.login, mail.encrypted) == (None, False)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_auth_is_verified_against_the_configured_ca(make_smtp_sink, security):
    sink = make_smtp_sink(security=security, username="mercado", password="s3cret-pass")
    mailer_for(sink).send(message())
    [mail] = sink.received()
    assert (mail.login, mail.encrypted) == ("mercado", True)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_is_refused(make_smtp_sink, security):
    sink = make_smtp_sink(security=security)
    with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED") as failure:
        mailer_for(sink, ca_file=None).send(message())
    assert not failure.value.permanent
    assert sink.received() == []


def test_a_wrong_password_is_permanent(make_smtp_sink):
    sink = make_smtp_sink(security="starttls", username="mercado", password="s3cret-pass")
    with pytest.raises(DeliveryFailed, match=r"^535") as failure:
        mailer_for(sink, password="guess").send(message())
    assert failure.value.permanent


def test_no_credentials_where_auth_is_required_is_permanent(make_smtp_sink):
    sink = make_smtp_sink(security="starttls", username="mercado", password="s3cret-pass")
    with pytest.raises(DeliveryFailed, match=r"^530") as failure:
        mailer_for(sink, username=None, password=None).send(message())
    assert failure.value.permanent


def test_a_4xx_reply_is_temporary_and_a_5xx_reply_permanent(smtp_sink):
    smtp_sink.refuse_next(1, "452 4.2.2 Mailbox full")
    smtp_sink.refuse_next(1, "554 5.7.1 Rejected")
    mailer = mailer_for(smtp_sink)
    with pytest.raises(DeliveryFailed, match=r"^452 4\.2\.2 Mailbox full$") as busy:
        mailer.send(message())
    with pytest.raises(DeliveryFailed, match=r"^554 5\.7\.1 Rejected$") as rejected:
        mailer.send(message())
    assert (busy.value.permanent, rejected.value.permanent) == (False, True)
    mailer.send(message())
    assert len(smtp_sink.received()) == 1 and smtp_sink.refused == 2


def test_a_server_that_does_not_answer_is_temporary():
    mailer = SmtpMailer("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(DeliveryFailed, match="Connection refused") as failure:
        mailer.send(message())
    assert not failure.value.permanent


def test_starttls_against_a_server_without_it_is_permanent(smtp_sink):
    with pytest.raises(DeliveryFailed, match="STARTTLS") as failure:
        mailer_for(smtp_sink, security="starttls").send(message())
    assert failure.value.permanent


def test_a_session_sends_its_messages_over_one_connection(smtp_sink):
    mailer = mailer_for(smtp_sink)
    with mailer.session():
        for _ in range(3):
            mailer.send(message())
    mailer.send(message())
    mailer.send(message())
    connections = [mail.client for mail in smtp_sink.received()]
    assert len(connections) == 5
    assert len(set(connections[:3])) == 1, "the session's three on one connection"
    assert len(set(connections)) == 3, "outside a session, one connection per message"


def test_in_a_session_a_refused_message_does_not_stop_the_next(make_smtp_sink):
    sink = make_smtp_sink(security="starttls", username="mercado", password="s3cret-pass")
    sink.refuse_next(1, "451 4.3.0 Try again later")
    mailer = mailer_for(sink)
    with mailer.session():
        with pytest.raises(DeliveryFailed, match=r"^451") as refused:
            mailer.send(message())
        mailer.send(message("bea@example.com"))
        mailer.send(message("caio@example.com"))
    assert not refused.value.permanent
    delivered = sink.received()
    assert [mail.recipients for mail in delivered] == [("bea@example.com",), ("caio@example.com",)]
    assert len({mail.client for mail in delivered}) == 1
    assert all(mail.login == "mercado" and mail.encrypted for mail in delivered)
