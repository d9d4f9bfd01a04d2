"""The operator, as a process with its chart's RBAC, making Database resources real in the
test PostgreSQL server."""

import json

import psycopg2
import pytest
import requests
from kubernetes.client.exceptions import ApiException

from mercado_platform.testing.polling import eventually, holds

from .conftest import unique

SECRET_KEYS = {
    "type",
    "provider",
    "host",
    "port",
    "database",
    "username",
    "password",
    "uri",
    "DATABASE_URL",
}


def database_spec(secret: str, **extra: object) -> dict:
    return {
        "database": unique("db_"),
        "owner": unique("role_"),
        "serverSecretRef": {"name": secret},
        **extra,
    }


def admin_scalar(server, query: str, *params: object, database: str = "postgres"):
    with psycopg2.connect(server.url(database)) as connection, connection.cursor() as cur:
        cur.execute(query, params)
        row = cur.fetchone()
    connection.close()
    return row[0] if row else None


def refused(url: str) -> bool:
    """Whether PostgreSQL turns the credentials in `url` away."""
    try:
        psycopg2.connect(url, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        return "password authentication failed" in str(exc)
    return False


def test_database_role_and_secret_whose_url_works_and_retain_keeps_the_data(
    resources, secrets, postgres_secret, checked_postgres, operator
):
    spec = database_spec(postgres_secret, extensions=["pgcrypto"])
    resources.create("databases", "orders", spec)
    body = resources.wait_ready("databases", "orders")

    credentials = secrets.read("orders-db")
    assert set(credentials) == SECRET_KEYS
    assert credentials["DATABASE_URL"] == credentials["uri"]
    assert (credentials["type"], credentials["database"], credentials["username"]) == (
        "postgresql",
        spec["database"],
        spec["owner"],
    )
    owner = secrets.raw("orders-db").metadata.owner_references[0]
    assert (owner.kind, owner.name, owner.uid) == ("Database", "orders", body["metadata"]["uid"])
    assert secrets.raw("orders-db").type == "servicebinding.io/postgresql"

    with psycopg2.connect(credentials["DATABASE_URL"]) as connection, connection.cursor() as cur:
        cur.execute("CREATE TABLE orders (id int PRIMARY KEY, digest bytea)")
        cur.execute("INSERT INTO orders VALUES (1, digest('x', 'sha256'))")
    connection.close()
    assert refused(credentials["DATABASE_URL"].replace(credentials["password"], "guessed"))
    assert (
        admin_scalar(
            checked_postgres,
            "SELECT has_database_privilege('public', %s, 'CONNECT')",
            spec["database"],
        )
        is False
    )

    assert body["status"]["secretName"] == "orders-db"
    assert body["status"]["observedGeneration"] == body["metadata"]["generation"]
    assert credentials["password"] not in json.dumps(body)
    assert credentials["password"] not in operator.log.read_text()
    reasons = {reason for _, reason, _ in resources.events("orders")}
    assert {"RoleCreated", "DatabaseCreated", "ExtensionCreated", "SecretWritten"} <= reasons
    assert (
        operator.metric(
            "mercado_operator_reconciles_total",
            kind="Database",
            trigger="change",
            outcome="succeeded",
        )
        >= 1
    )

    resources.delete("databases", "orders")
    resources.wait_gone("databases", "orders")
    assert (
        admin_scalar(checked_postgres, "SELECT count(*) FROM orders", database=spec["database"])
        == 1
    )
    assert (
        admin_scalar(checked_postgres, "SELECT 1 FROM pg_roles WHERE rolname = %s", spec["owner"])
        == 1
    )


def test_delete_policy_drops_the_database_and_its_role(
    resources, postgres_secret, checked_postgres
):
    spec = database_spec(postgres_secret, deletionPolicy="Delete")
    resources.create("databases", "scratch", spec)
    resources.wait_ready("databases", "scratch")
    resources.delete("databases", "scratch")
    resources.wait_gone("databases", "scratch")
    assert (
        admin_scalar(
            checked_postgres,
            "SELECT count(*) FROM pg_database WHERE datname = %s",
            spec["database"],
        )
        == 0
    )
    assert (
        admin_scalar(
            checked_postgres, "SELECT count(*) FROM pg_roles WHERE rolname = %s", spec["owner"]
        )
        == 0
    )


def test_deleted_secret_and_dropped_database_come_back(
    resources, secrets, postgres_secret, checked_postgres
):
    spec = database_spec(postgres_secret)
    resources.create("databases", "drifty", spec)
    resources.wait_ready("databases", "drifty")
    before = secrets.read("drifty-db")

    secrets.delete("drifty-db")
    checked_postgres.execute(f'DROP DATABASE "{spec["database"]}" WITH (FORCE)')

    after = eventually(lambda: secrets.read("drifty-db"), timeout=30, what="Secret back")
    assert after["password"] != before["password"], "a lost password is replaced, not recovered"
    assert refused(before["DATABASE_URL"])
    exists = "SELECT count(*) FROM pg_database WHERE datname = %s"
    eventually(lambda: admin_scalar(checked_postgres, exists, spec["database"]) == 1, timeout=30)
    with psycopg2.connect(after["DATABASE_URL"]) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE back (id int)")
    connection.close()
    repaired = [m for _, reason, m in resources.events("drifty") if reason == "DriftRepaired"]
    assert any("Secret drifty-db" in m for m in repaired)
    assert any(f"created database {spec['database']}" in m for m in repaired)


def test_unavailable_extension_is_a_permanent_error_not_a_retry_loop(
    resources, postgres_secret, operator
):
    resources.create("databases", "exotic", database_spec(postgres_secret, extensions=["nope"]))
    condition = resources.wait_reason("databases", "exotic", "ExtensionUnavailable")
    assert condition["status"] == "False"
    assert "extension nope is not available" in condition["message"]
    failed = {"kind": "Database", "trigger": "change", "outcome": "failed"}
    attempts = operator.metric("mercado_operator_reconciles_total", **failed)
    assert holds(
        lambda: operator.metric("mercado_operator_reconciles_total", **failed) == attempts,
        seconds=5,
    ), "a temporary error would have been retried every 2 s"


def test_missing_admin_secret_is_waited_for(resources, secrets, checked_postgres):
    resources.create("databases", "early", database_spec("later-admin"))
    condition = resources.wait_reason("databases", "early", "AdminSecretMissing")
    assert "Secret" in condition["message"] and "later-admin" in condition["message"]
    secrets.create("later-admin", {"uri": checked_postgres.url()})
    resources.wait_ready("databases", "early")


def test_finalizer_escape_hatch_when_the_server_is_gone_for_good(resources, secrets):
    secrets.create("gone", {"uri": "postgresql://postgres@127.0.0.1:9/postgres"})
    resources.create("databases", "orphan", database_spec("gone", deletionPolicy="Delete"))
    condition = resources.wait_reason("databases", "orphan", "DatabaseServerUnavailable")
    assert "127.0.0.1:9" in condition["message"]

    resources.delete("databases", "orphan")
    assert holds(lambda: resources.get("databases", "orphan") is not None, seconds=4)
    resources.patch_spec("databases", "orphan", {"deletionPolicy": "Retain"})
    resources.wait_gone("databases", "orphan", timeout=30)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"database": "Orders"}, "spec.database"),
        ({"database": "template1"}, "PostgreSQL's own databases"),
        ({"owner": "postgres"}, "reserved or built-in role name"),
        ({"owner": "pg_monitor"}, "reserved or built-in role name"),
        ({"deletionPolicy": "Forget"}, "spec.deletionPolicy"),
        ({"extensions": ["a", "a"]}, "Duplicate value"),
        ({"serverSecretRef": {}}, "spec.serverSecretRef.name"),
    ],
)
def test_invalid_database_specs_are_refused_by_the_api_server(
    resources, postgres_secret, change, refusal
):
    with pytest.raises(ApiException) as refused:
        resources.create("databases", "bad", {**database_spec(postgres_secret), **change})
    assert refused.value.status == 422
    assert refusal in refused.value.body


def test_database_name_and_owner_cannot_change(resources, postgres_secret):
    resources.create("databases", "fixed", database_spec(postgres_secret))
    with pytest.raises(ApiException) as refused:
        resources.patch_spec("databases", "fixed", {"database": "elsewhere", "owner": "other"})
    assert refused.value.status == 422
    assert "database cannot be changed" in refused.value.body
    assert "owner cannot be changed" in refused.value.body


def test_printer_columns_show_the_ready_condition(resources, postgres_secret, kube_cluster):
    spec = database_spec(postgres_secret)
    resources.create("databases", "listed", spec)
    resources.wait_ready("databases", "listed")
    table = requests.get(
        f"{kube_cluster.server}/apis/mercado.dev/v1alpha1/namespaces/"
        f"{resources.namespace}/databases",
        headers={
            "Authorization": f"Bearer {kube_cluster.token}",
            "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io",
        },
        verify=str(kube_cluster.ca_file),
        timeout=10,
    ).json()
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert columns == ["Name", "Database", "Owner", "Secret", "Ready", "Reason", "Age"]
    cells = table["rows"][0]["cells"]
    assert cells[:6] == [
        "listed",
        spec["database"],
        spec["owner"],
        "listed-db",
        "True",
        "Provisioned",
    ]
