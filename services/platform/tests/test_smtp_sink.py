"""The SMTP sink fixture: a real SMTP server that keeps what it accepts, refuses on demand,
and can demand AUTH over STARTTLS or implicit TLS."""

import smtplib
import ssl
import threading
from email.message import EmailMessage

import pytest


def message(n: int = 0) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = f"m{n}", "a@test", "b@test"
    mail.set_content(f"text {n}")
    mail.add_alternative(f"<p>html {n}</p>", subtype="html")
    return mail


def connect(sink) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=sink.ca_file) if sink.ca_file else None
    if sink.security == "tls":
        return smtplib.SMTP_SSL(sink.host, sink.port, context=context, timeout=5)
    client = smtplib.SMTP(sink.host, sink.port, timeout=5)
    if sink.security == "starttls":
        client.starttls(context=context)
    return client


def test_messages_arrive_parsed_with_their_envelope(smtp_sink):
    with connect(smtp_sink) as client:
        client.send_message(message(), to_addrs=["b@test", "c@test"])
    [mail] = smtp_sink.wait_for(1)
    assert (mail.sender, mail.recipients) == ("a@test", ("b@test", "c@test"))
    assert mail.message["Subject"] == "m0"
    assert (mail.body("plain"), mail.body("html")) == ("text 0\n", "<p>html 0</p>\n")
    assert smtp_sink.to("C@TEST") == [mail] and smtp_sink.to("d@test") == []
    assert smtp_sink.environment() == {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_sink.port),
        "SMTP_SECURITY": "none",
    }


def test_the_next_messages_can_be_refused_with_any_reply(smtp_sink):
    smtp_sink.refuse_next(1, "451 4.3.0 later")
    smtp_sink.refuse_next(1, "550 5.1.1 unknown")
    codes = []
    with connect(smtp_sink) as client:
        for n in range(3):
            try:
                client.send_message(message(n))
            except smtplib.SMTPDataError as exc:
                codes.append(exc.smtp_code)
    assert codes == [451, 550] and smtp_sink.refused == 2
    assert [m["Subject"] for m in smtp_sink.messages()] == ["m2"]


def test_concurrent_senders_are_all_kept(smtp_sink):
    def send(n: int) -> None:
        with connect(smtp_sink) as client:
            client.send_message(message(n))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    subjects = sorted(mail.message["Subject"] for mail in smtp_sink.wait_for(8))
    assert subjects == [f"m{n}" for n in range(8)]


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
def test_auth_can_be_required(make_smtp_sink, security):
    sink = make_smtp_sink(security=security, username="user", password="pass-word")
    with connect(sink) as client:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.send_message(message())
        assert refused.value.smtp_code == 530
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("user", "wrong")
        client.login("user", "pass-word")
        client.send_message(message())
    [mail] = sink.received()
    assert (mail.login, mail.encrypted) == ("user", security != "none")
    assert sink.environment()["SMTP_USERNAME"] == "user"
    assert ("SMTP_CA_FILE" in sink.environment()) == (security != "none")
