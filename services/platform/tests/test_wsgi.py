"""The WSGI entry point the development loop's plain gunicorn loads."""

from mercado_platform.wsgi import app


def test_it_builds_the_named_service_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/none")
    monkeypatch.setenv("AMQP_URL", "amqp://u:p@127.0.0.1:1/%2F")
    built = app("payments")
    assert built.name == "payments"
    assert built.extensions["mercado.service"].spec.name == "payments"
