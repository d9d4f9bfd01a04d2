"""The OpenAPI document describes every endpoint; `create-admin` makes the first admin
from the command line; the migration builds exactly the tables the code maps."""

import os
import subprocess

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mercado_users.bootstrap import SPEC

ENDPOINTS = {
    ("post", "/api/users"): {"body": "NewUser"},
    ("get", "/api/users"): {
        "scopes": ["users:admin"],
        "query": ["limit", "offset", "role", "status", "q"],
    },
    ("get", "/api/users/me"): {"scopes": ["profile"]},
    ("patch", "/api/users/me"): {"scopes": ["profile"], "body": "ProfileChanges"},
    ("delete", "/api/users/me"): {"scopes": ["profile"]},
    ("post", "/api/users/me/password"): {"scopes": ["profile"], "body": "PasswordChange"},
    ("get", "/api/users/me/export"): {"scopes": ["profile"]},
    ("get", "/api/users/me/addresses"): {"scopes": ["profile"], "query": ["limit", "offset"]},
    ("post", "/api/users/me/addresses"): {"scopes": ["profile"], "body": "NewAddress"},
    ("get", "/api/users/me/addresses/{address_id}"): {"scopes": ["profile"]},
    ("patch", "/api/users/me/addresses/{address_id}"): {
        "scopes": ["profile"],
        "body": "AddressChanges",
    },
    ("delete", "/api/users/me/addresses/{address_id}"): {"scopes": ["profile"]},
    ("get", "/api/users/{user_id}"): {"scopes": ["users:admin"]},
    ("post", "/api/users/{user_id}/roles/{role}"): {"scopes": ["users:admin"]},
    ("delete", "/api/users/{user_id}/roles/{role}"): {"scopes": ["users:admin"]},
    ("post", "/api/users/{user_id}/disable"): {"scopes": ["users:admin"], "body": "Disable"},
    ("post", "/api/auth/token"): {"body": "Credentials"},
    ("post", "/api/auth/refresh"): {"body": "RefreshToken"},
    ("post", "/api/auth/logout"): {"body": "RefreshToken"},
    ("get", "/.well-known/jwks.json"): {},
}


def test_openapi_describes_every_endpoint(client):
    document = client.get("/openapi.json").get_json()
    operations = {
        (method, path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if path.startswith(("/api/", "/.well-known/"))
    }
    assert set(operations) == set(ENDPOINTS)
    schemas = document["components"]["schemas"]
    for key, expected in ENDPOINTS.items():
        operation = operations[key]
        assert operation["summary"] and operation["summary"] != operation["operationId"], key
        if "body" in expected:
            reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert reference == f"#/components/schemas/{expected['body']}"
            assert schemas[expected["body"]]["properties"], key
        else:
            assert "requestBody" not in operation, key
        if "scopes" in expected:
            assert operation["security"] == [{"bearer": expected["scopes"]}], key
        else:
            assert operation["security"] == [], key
        query = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
        assert query == expected.get("query", []), key
    assert schemas["NewUser"]["required"] == ["login", "email", "password", "full_name"]
    user_id = operations[("get", "/api/users/{user_id}")]["parameters"][0]
    assert user_id["schema"] == {"type": "string", "format": "uuid"}


def run_cli(users_db, *args: str, stdin: str = "", **env: str):
    return subprocess.run(
        ["mercado-users", *args],
        input=stdin,
        env={"PATH": os.environ["PATH"], "DATABASE_URL": users_db, "AMQP_URL": "amqp://x/", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_create_admin_reads_the_password_from_stdin_and_can_log_in(users_db, api):
    created = run_cli(
        users_db,
        "create-admin",
        "--login",
        "root",
        "--email",
        "root@example.com",
        stdin="an admin pass 77\n",
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created administrator root (")
    tokens = api.login("root", "an admin pass 77").get_json()
    assert "users:admin" in tokens["scope"].split()
    listing = api.client.get(
        "/api/users?role=admin", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert [u["login"] for u in listing.get_json()["items"]] == ["root"]


def test_create_admin_takes_the_password_from_the_environment_and_is_idempotent(users_db, api):
    customer = api.register("promoted")
    again = run_cli(
        users_db,
        "create-admin",
        "--login",
        "promoted",
        "--email",
        customer["email"],
        ADMIN_PASSWORD="ignored for an existing account 1",
    )
    assert again.returncode == 0, again.stderr
    assert "granted admin to existing account promoted" in again.stdout
    assert "users:admin" in api.login("promoted").get_json()["scope"]


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--login", "root", "--email", "root@example.com"], "short", "at least 10 characters"),
        (["--login", "r", "--email", "root@example.com"], "an admin pass 77", "login"),
        (["--login", "root", "--email", "nope"], "an admin pass 77", "email"),
    ],
)
def test_create_admin_refuses_bad_input_with_a_sentence(users_db, args, password, message):
    result = run_cli(users_db, "create-admin", *args, stdin=password + "\n")
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_create_admin_has_no_password_option():
    result = subprocess.run(
        ["mercado-users", "create-admin", "--help"], capture_output=True, text=True
    )
    assert "--login" in result.stdout and "password" not in result.stdout.split("options:")[1]


def test_migration_builds_exactly_the_mapped_tables(users_db, database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SPEC.metadata) == []
