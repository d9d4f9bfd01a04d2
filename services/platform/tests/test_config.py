import pytest
from pydantic import field_validator

from mercado_platform.config import ConfigError, ServiceSettings, load_settings, refuse_placeholder

GOOD = {"DATABASE_URL": "postgresql://u:p@db:5432/users", "AMQP_URL": "amqp://u:p@mq:5672/"}


@pytest.fixture
def env(monkeypatch):
    for name in (
        "DATABASE_URL",
        "AMQP_URL",
        "HTTP_PORT",
        "LOG_LEVEL",
        "JWKS_URL",
        "SIGNING_SECRET",
        "CONSUMER_BATCH_SIZE",
    ):
        monkeypatch.delenv(name, raising=False)

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


def config_error(cls: type[ServiceSettings]) -> str:
    with pytest.raises(ConfigError) as error:
        load_settings(cls)
    return str(error.value)


def test_valid_environment_loads_typed_values(env):
    env(**GOOD, HTTP_PORT="9000", LOG_LEVEL="debug")
    settings = load_settings(ServiceSettings)
    assert settings.http_port == 9000
    assert settings.log_level == "DEBUG"
    assert settings.database_url == GOOD["DATABASE_URL"]


def test_missing_variables_are_named(env):
    message = config_error(ServiceSettings)
    assert "DATABASE_URL is required but not set" in message
    assert "AMQP_URL is required but not set" in message


def test_bad_values_are_named_with_the_reason(env):
    env(DATABASE_URL="mysql://db/x", AMQP_URL=GOOD["AMQP_URL"], HTTP_PORT="eighty")
    message = config_error(ServiceSettings)
    assert "DATABASE_URL must be a postgresql:// URL" in message
    assert "HTTP_PORT" in message and "integer" in message
    assert "AMQP_URL" not in message


def test_a_consumer_batch_must_hold_at_least_one_message(env):
    env(**GOOD, CONSUMER_BATCH_SIZE="0")
    message = config_error(ServiceSettings)
    assert "CONSUMER_BATCH_SIZE" in message and "greater than 0" in message


def test_unknown_log_level_is_refused(env):
    env(**GOOD, LOG_LEVEL="chatty")
    assert "LOG_LEVEL must be one of" in config_error(ServiceSettings)


class SecretSettings(ServiceSettings):
    signing_secret: str

    @field_validator("signing_secret")
    @classmethod
    def _real(cls, value: str) -> str:
        return refuse_placeholder(value)


def test_placeholder_secrets_are_refused(env):
    env(**GOOD, SIGNING_SECRET="changeme")
    message = config_error(SecretSettings)
    assert "SIGNING_SECRET is a placeholder" in message
    env(SIGNING_SECRET="s3cr3t-0f-re4l-length")
    assert load_settings(SecretSettings).signing_secret == "s3cr3t-0f-re4l-length"
