"""Fixtures of the notifications tests: a migrated database, the API app with tokens, and
the post office: the service's consumer and deliverer as processes, fed through the broker."""

import uuid

import pytest

from mercado_notifications.bootstrap import SPEC
from mercado_notifications.config import Settings
from mercado_platform.testing.schema import migrated_database

from .post_office import PostOffice

CUSTOMER_SCOPES = "orders:read orders:write payments:read notifications:read profile"
STAFF_SCOPES = "inventory:write orders:read:any orders:fulfil notifications:read:any"


@pytest.fixture
def notifications_db(database_url):
    with migrated_database(SPEC, database_url) as database:
        yield database


@pytest.fixture
def client(notifications_db, database_url, amqp_url, jwks_server, make_service_app):
    settings = Settings(database_url=database_url, amqp_url=amqp_url, jwks_url=jwks_server.url)
    return make_service_app(SPEC, settings).test_client()


@pytest.fixture
def bearer(signing_key):
    """Authorization headers for a new person with the given scopes; returns (id, headers)."""

    def make(scopes: str = CUSTOMER_SCOPES, roles=("customer",)) -> tuple[str, dict]:
        subject = str(uuid.uuid4())
        token = signing_key.token(sub=subject, roles=list(roles), scope=scopes)
        return subject, {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def post_office(notifications_db, database_url, amqp_url, smtp_sink, tmp_path):
    office = PostOffice(database_url, amqp_url, smtp_sink, tmp_path)
    yield office
    office.close()
