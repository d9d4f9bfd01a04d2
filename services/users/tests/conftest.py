import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from mercado_platform.db import Database
from mercado_platform.migrations import upgrade
from mercado_users.bootstrap import SPEC
from mercado_users.config import Settings
from mercado_users.service_layer.accounts import Registration
from mercado_users.service_layer.admin import ensure_admin

NO_BROKER = "amqp://guest:guest@127.0.0.1:9/"
PASSWORD = "correct horse 42"


@pytest.fixture
def users_db(database_url) -> str:
    """A database migrated to the users service's head."""
    upgrade(database_url, SPEC.migrations, SPEC.metadata)
    return database_url


@pytest.fixture
def make_settings(users_db):
    def build(**overrides) -> Settings:
        return Settings(database_url=users_db, amqp_url=NO_BROKER, **overrides)

    return build


@pytest.fixture
def make_client(make_settings, make_service_app):
    def build(**overrides) -> FlaskClient:
        return make_service_app(SPEC, make_settings(**overrides)).test_client()

    return build


@pytest.fixture
def client(make_client) -> FlaskClient:
    return make_client()


@dataclass
class Account:
    id: str
    login: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class Api:
    """Drives the users API as a client would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def register(self, login: str | None = None, password: str = PASSWORD, **extra) -> dict:
        login = login or f"user{uuid.uuid4().hex[:8]}"
        body = {"login": login, "email": f"{login}@example.com", "password": password}
        response = self.client.post("/api/users", json={"full_name": "A Person", **body, **extra})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def login(self, login: str, password: str = PASSWORD, **kwargs):
        return self.client.post(
            "/api/auth/token", json={"login": login, "password": password}, **kwargs
        )

    def account(self, login: str | None = None, **extra) -> Account:
        user = self.register(login, **extra)
        tokens = self.login(user["login"]).get_json()
        return Account(
            user["id"],
            user["login"],
            user["email"],
            PASSWORD,
            tokens["access_token"],
            tokens["refresh_token"],
        )

    def admin(self) -> Account:
        login = f"admin{uuid.uuid4().hex[:8]}"
        users = self.client.application.extensions["mercado.service"].dependencies
        registration = Registration(login, f"{login}@example.com", "The Admin", PASSWORD)
        ensure_admin(users.uow(), users.authenticator.passwords, registration)
        tokens = self.login(login).get_json()
        admin = Account("", login, "", PASSWORD, tokens["access_token"], tokens["refresh_token"])
        admin.id = self.client.get("/api/users/me", headers=admin.headers).get_json()["id"]
        return admin


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def make_api(make_client):
    """An Api on a new app (a replica) of the same database, with settings overridden."""
    return lambda **overrides: Api(make_client(**overrides))


@pytest.fixture
def database(users_db) -> Iterator[Database]:
    db = Database(users_db)
    yield db
    db.dispose()
