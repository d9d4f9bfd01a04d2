import uuid

import pytest

from mercado_payments.bootstrap import SPEC, build
from mercado_payments.config import Settings
from mercado_platform.testing.schema import migrated_database

from .payments_support import ADMIN_SCOPES, CUSTOMER_SCOPES, SECRET, handle, payment_requested


@pytest.fixture
def payments_db(database_url):
    with migrated_database(SPEC, database_url) as database:
        yield database


@pytest.fixture
def stripe_settings(payments_db, database_url, amqp_url, jwks_server, stripe_mock):
    return Settings(
        database_url=database_url,
        amqp_url=amqp_url,
        jwks_url=jwks_server.url,
        payment_provider="stripe",
        stripe_api_key=stripe_mock.api_key,
        stripe_api_base=stripe_mock.api_base,
        stripe_webhook_secret=SECRET,
        stripe_attempts=2,
        public_url="http://shop.test",
        retry_base_seconds=0.2,
        retry_max_seconds=1,
    )


@pytest.fixture
def local_settings(payments_db, database_url, amqp_url, jwks_server):
    return Settings(
        database_url=database_url,
        amqp_url=amqp_url,
        jwks_url=jwks_server.url,
        payment_provider="local",
        stripe_webhook_secret=SECRET,
        public_url="http://shop.test",
    )


@pytest.fixture
def make_client(payments_db, make_service_app):
    return lambda settings: make_service_app(SPEC, settings).test_client()


@pytest.fixture
def client(make_client, stripe_settings):
    return make_client(stripe_settings)


@pytest.fixture
def dependencies(payments_db, stripe_settings):
    """Payments wired to stripe-mock, as its consumer and worker processes wire it."""
    return build(stripe_settings, SPEC.units(payments_db))


@pytest.fixture
def customer(signing_key):
    customer_id = str(uuid.uuid4())
    token = signing_key.token(sub=customer_id, roles=["customer"], scope=CUSTOMER_SCOPES)
    return customer_id, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(signing_key):
    token = signing_key.token(sub=str(uuid.uuid4()), roles=["admin"], scope=ADMIN_SCOPES)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def open_payment(dependencies, client, customer, admin):
    """A payment whose Stripe checkout is open, as GET /api/payments/{order_id} shows it."""
    order_id = str(uuid.uuid4())
    handle(dependencies, payment_requested(order_id, customer[0]))
    shown = client.get(f"/api/payments/{order_id}", headers=admin)
    assert shown.status_code == 200 and shown.get_json()["status"] == "open", shown.get_json()
    return shown.get_json()
