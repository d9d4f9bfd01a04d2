"""The migration builds exactly the tables the code declares; settings fail fast, naming the
variable."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mercado_notifications.bootstrap import SPEC
from mercado_notifications.config import Settings
from mercado_platform.config import ConfigError, load_settings

BASE = {"DATABASE_URL": "postgresql://u:p@127.0.0.1/n", "AMQP_URL": "amqp://u:p@127.0.0.1/"}


def test_migrations_create_exactly_the_tables_the_code_declares(notifications_db):
    with notifications_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SPEC.metadata) == []


def settings(monkeypatch, **env: str) -> Settings:
    for name, value in {**BASE, **env}.items():
        monkeypatch.setenv(name, value)
    return load_settings(Settings)


def test_staff_addresses_are_a_comma_list(monkeypatch):
    loaded = settings(monkeypatch, STAFF_EMAILS=" ops@m.test, Keeper <k@m.test> ,")
    assert loaded.staff_addresses == ("ops@m.test", "Keeper <k@m.test>")
    assert settings(monkeypatch, STAFF_EMAILS="").staff_addresses == ()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"STAFF_EMAILS": "ops@m.test,nobody"}, "STAFF_EMAILS 'nobody' is not an e-mail address"),
        ({"MAIL_FROM": "Mercado"}, "MAIL_FROM"),
        ({"SMTP_SECURITY": "ssl"}, "SMTP_SECURITY"),
        ({"SMTP_PORT": "0"}, "SMTP_PORT"),
        ({"SMTP_USERNAME": "mercado"}, "SMTP_PASSWORD goes with SMTP_USERNAME"),
        ({"SMTP_PASSWORD": "s3cret-pass"}, "SMTP_PASSWORD goes with SMTP_USERNAME"),
        ({"SMTP_USERNAME": "m", "SMTP_PASSWORD": "changeme"}, "SMTP_PASSWORD is a placeholder"),
    ],
)
def test_bad_settings_are_refused_by_name(monkeypatch, env, named):
    with pytest.raises(ConfigError, match=named):
        settings(monkeypatch, **env)
