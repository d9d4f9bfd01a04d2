import uuid

import pytest
from flask import Flask

from mercado_orders.bootstrap import SPEC
from mercado_orders.config import Settings
from mercado_platform.testing.schema import migrated_database

from .support import CUSTOMER_SCOPES, STAFF_SCOPES, InventoryStub, Shopper


@pytest.fixture
def inventory():
    stub = InventoryStub()
    yield stub
    stub.server.shutdown()


@pytest.fixture
def orders_db(database_url):
    with migrated_database(SPEC, database_url) as database:
        yield database


@pytest.fixture
def make_orders_app(orders_db, database_url, amqp_url, jwks_server, make_service_app):
    def build(**settings) -> Flask:
        values = {
            "database_url": database_url,
            "amqp_url": amqp_url,
            "jwks_url": jwks_server.url,
            "inventory_timeout_seconds": 0.3,
            **settings,
        }
        return make_service_app(SPEC, Settings(**values))

    return build


@pytest.fixture
def client(make_orders_app, inventory):
    return make_orders_app(inventory_url=inventory.url).test_client()


@pytest.fixture
def shopper_for(signing_key):
    def make(client, *, scopes: str = CUSTOMER_SCOPES, roles=("customer",)) -> Shopper:
        customer_id = str(uuid.uuid4())
        token = signing_key.token(sub=customer_id, roles=list(roles), scope=scopes)
        return Shopper(client, token, customer_id)

    return make


@pytest.fixture
def shopper(client, shopper_for):
    return shopper_for(client)


@pytest.fixture
def staff(client, shopper_for):
    return shopper_for(client, scopes=STAFF_SCOPES, roles=("staff",))
