"""Registering, logging in, the own profile, password change: the users API on real
PostgreSQL."""

import pytest
from sqlalchemy import text

from mercado_users.domain.roles import CUSTOMER_SCOPES


def test_register_then_login_gives_a_token_for_the_customer(api, client):
    user = api.register("Maria.Silva", phone="+55 11 91234-5678")
    assert user["login"] == "maria.silva" and user["roles"] == ["customer"]
    assert user["status"] == "active" and "password" not in str(user)
    response = api.login("MARIA.SILVA")
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["scope"].split() == sorted(CUSTOMER_SCOPES)
    assert response.headers["Cache-Control"] == "no-store"
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["id"] == user["id"] and me.get_json()["phone"] == "+55 11 91234-5678"


def test_login_by_email_works_too(api):
    user = api.register()
    assert api.login(user["email"].upper()).status_code == 200


def test_password_is_stored_as_an_argon2id_hash(api, database):
    user = api.register()
    with database.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT password_hash FROM users WHERE id = :id"), {"id": user["id"]}
        ).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "correct horse" not in stored


def test_login_and_email_are_unique_regardless_of_case(api, client):
    api.register("joana", email="joana@example.com")
    same_login = client.post(
        "/api/users",
        json={
            "login": "JOANA",
            "email": "x@example.com",
            "password": "a good pass 1",
            "full_name": "J",
        },
    )
    assert same_login.status_code == 409 and same_login.get_json()["code"] == "login_taken"
    same_email = client.post(
        "/api/users",
        json={
            "login": "joana2",
            "email": "Joana@Example.com",
            "password": "a good pass 1",
            "full_name": "J",
        },
    )
    assert same_email.status_code == 409 and same_email.get_json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 10 characters"),
        ("onlyletterslong", "mix letters"),
        ("password123", "too easy to guess"),
        ("ana.costa-2024!", "must not contain the login"),
        ("x" * 129 + "1", "at most 128"),
    ],
)
def test_weak_passwords_are_refused_with_reasons(client, password, reason):
    response = client.post(
        "/api/users",
        json={
            "login": "ana.costa",
            "email": "ana@example.com",
            "password": password,
            "full_name": "Ana",
        },
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "weak_password"
    assert any(reason in error["message"] for error in body["errors"])


@pytest.mark.parametrize(
    "body",
    [
        {"login": "ab", "email": "a@example.com", "password": "a good pass 1", "full_name": "A"},
        {"login": "abc", "email": "not-an-email", "password": "a good pass 1", "full_name": "A"},
        {"login": "abc", "email": "a@example.com", "password": "a good pass 1"},
        {"login": "abc", "email": "a@example.com", "password": 1234567890, "full_name": "A"},
        {
            "login": "abc",
            "email": "a@example.com",
            "password": "a good pass 1",
            "full_name": "A",
            "admin": True,
        },
        {
            "login": "abc",
            "email": "a@example.com",
            "password": "a good pass 1",
            "full_name": "A",
            "roles": ["admin"],
        },
    ],
)
def test_malformed_registrations_are_422_and_write_nothing(client, database, body):
    response = client.post("/api/users", json=body)
    assert response.status_code == 422 and response.get_json()["code"] == "validation_failed"
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("", "application/json", 400),
        ("login=a", "application/x-www-form-urlencoded", 415),
        ("[1, 2]", "application/json", 422),
    ],
)
def test_bodies_that_are_not_json_objects_are_4xx(client, data, content_type, status):
    for path in ("/api/users", "/api/auth/token", "/api/auth/refresh"):
        response = client.post(path, data=data, content_type=content_type)
        assert response.status_code == status, (path, response.get_json())
        assert response.mimetype == "application/problem+json"


def test_profile_update_changes_only_what_is_sent(api, client):
    account = api.account()
    response = client.patch(
        "/api/users/me",
        json={"full_name": "New Name", "phone": "+351 912 345 678"},
        headers=account.headers,
    )
    assert response.status_code == 200
    assert response.get_json()["full_name"] == "New Name"
    cleared = client.patch("/api/users/me", json={"phone": None}, headers=account.headers)
    assert cleared.get_json()["phone"] is None and cleared.get_json()["full_name"] == "New Name"
    refused = client.patch("/api/users/me", json={"email": None}, headers=account.headers)
    assert refused.status_code == 422


def test_profile_email_cannot_take_another_accounts(api, client):
    other = api.register()
    account = api.account()
    response = client.patch(
        "/api/users/me", json={"email": other["email"]}, headers=account.headers
    )
    assert response.status_code == 409 and response.get_json()["code"] == "email_taken"


def test_password_change_needs_the_current_one_and_ends_every_session(api, client):
    account = api.account()
    wrong = client.post(
        "/api/users/me/password",
        json={"current_password": "not it at all 1", "new_password": "a brand new one 2"},
        headers=account.headers,
    )
    assert wrong.status_code == 403 and wrong.get_json()["code"] == "wrong_password"
    changed = client.post(
        "/api/users/me/password",
        json={"current_password": account.password, "new_password": "a brand new one 2"},
        headers=account.headers,
    )
    assert changed.status_code == 204
    assert api.login(account.login).status_code == 401
    assert api.login(account.login, "a brand new one 2").status_code == 200
    stale = client.post("/api/auth/refresh", json={"refresh_token": account.refresh_token})
    assert stale.status_code == 401 and stale.get_json()["code"] == "invalid_refresh_token"


def test_passwords_are_taken_as_typed_without_stripping(api):
    user = api.register(password="  spaced out 9  ")
    assert api.login(user["login"], "  spaced out 9  ").status_code == 200
    assert api.login(user["login"], "spaced out 9").status_code == 401
