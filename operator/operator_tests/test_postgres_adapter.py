"""The PostgreSQL adapter against a real server that checks passwords."""

import psycopg2
import pytest

from mercado_operator.adapters.postgres import PostgresAdmin
from mercado_operator.failures import PermanentFailure, TemporaryFailure

from .conftest import unique

MARKER = "mercado-operator: Database shop/orders"


def connects(server, user: str, password: str, database: str = "postgres") -> bool:
    try:
        psycopg2.connect(
            host="127.0.0.1", port=server.port, user=user, password=password, dbname=database
        ).close()
    except psycopg2.OperationalError:
        return False
    return True


def test_role_database_and_extensions_are_created_once_and_repaired(checked_postgres):
    owner, database = unique("role_"), unique("db_")
    with PostgresAdmin(checked_postgres.url()) as server:
        assert server.ensure_role(owner, "first-password", MARKER) is True
        assert server.ensure_database(database, owner, MARKER) == [
            f"created database {database} owned by {owner}"
        ]
        assert server.ensure_extensions(database, ["pgcrypto"]) == ["pgcrypto"]
        assert connects(checked_postgres, owner, "first-password", database)

        assert server.ensure_role(owner, "second-password", MARKER) is False
        assert server.ensure_database(database, owner, MARKER) == []
        assert server.ensure_extensions(database, ["pgcrypto"]) == []
    assert connects(checked_postgres, owner, "second-password", database)
    assert not connects(checked_postgres, owner, "first-password", database)

    checked_postgres.execute(f'ALTER DATABASE "{database}" OWNER TO postgres')
    with PostgresAdmin(checked_postgres.url()) as server:
        assert server.ensure_database(database, owner, MARKER) == [
            f"gave database {database} back to {owner}"
        ]


def test_roles_and_databases_of_someone_else_are_neither_taken_nor_dropped(checked_postgres):
    owner, database = unique("role_"), unique("db_")
    checked_postgres.execute(f'CREATE ROLE "{owner}" LOGIN')
    checked_postgres.execute(f'CREATE DATABASE "{database}"')
    with PostgresAdmin(checked_postgres.url()) as server:
        with pytest.raises(PermanentFailure) as role:
            server.ensure_role(owner, "password", MARKER)
        with pytest.raises(PermanentFailure) as db:
            server.ensure_database(database, "postgres", MARKER)
        assert server.drop(database, owner, MARKER) == []
    assert role.value.reason == "RoleConflict" and owner in role.value.message
    assert db.value.reason == "DatabaseConflict"
    assert connects(checked_postgres, "postgres", "", database)


def test_drop_removes_the_database_and_role_it_made(checked_postgres):
    owner, database = unique("role_"), unique("db_")
    with PostgresAdmin(checked_postgres.url()) as server:
        server.ensure_role(owner, "password", MARKER)
        server.ensure_database(database, owner, MARKER)
        assert server.drop(database, owner, MARKER) == [f"database {database}", f"role {owner}"]
        assert server.drop(database, owner, MARKER) == []


def test_an_unavailable_extension_is_permanent(checked_postgres):
    owner, database = unique("role_"), unique("db_")
    with PostgresAdmin(checked_postgres.url()) as server:
        server.ensure_role(owner, "password", MARKER)
        server.ensure_database(database, owner, MARKER)
        with pytest.raises(PermanentFailure) as missing:
            server.ensure_extensions(database, ["no_such_extension"])
    assert missing.value.reason == "ExtensionUnavailable"
    assert "no_such_extension" in missing.value.message


def test_a_server_that_does_not_answer_is_temporary():
    with (
        pytest.raises(TemporaryFailure) as down,
        PostgresAdmin("postgresql://postgres:hunter2@127.0.0.1:9/postgres", timeout=2),
    ):
        pass
    assert down.value.reason == "DatabaseServerUnavailable"
    assert "127.0.0.1:9" in down.value.message and "hunter2" not in down.value.message
