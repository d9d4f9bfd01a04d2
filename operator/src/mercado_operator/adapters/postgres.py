"""PostgreSQL as its administrator sees it: login roles, databases and extensions.

Every role and database the operator creates carries a comment naming the resource it
belongs to, so the operator never takes over or drops one it did not create.
Passwords are sent as SCRAM verifiers: a logged statement never shows one.
"""

from collections.abc import Iterator
from contextlib import closing, contextmanager
from types import TracebackType

import psycopg2
import psycopg2.errors
from psycopg2 import sql
from psycopg2.extensions import connection as Connection  # noqa: N812
from psycopg2.extensions import parse_dsn

from mercado_operator import passwords
from mercado_operator.failures import PermanentFailure, TemporaryFailure

ROLE = "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = %s"
DATABASE = """SELECT shobj_description(oid, 'pg_database'), pg_get_userbyid(datdba)
FROM pg_database WHERE datname = %s"""
UNAVAILABLE_EXTENSION = (psycopg2.errors.UndefinedFile, psycopg2.errors.FeatureNotSupported)


class PostgresAdmin:
    """An administrator's session on one server; use it in a `with` block."""

    def __init__(self, url: str, *, timeout: int = 5) -> None:
        self.url = url
        self.timeout = timeout
        params = parse_dsn(url)
        self.host, self.port = params.get("host", "localhost"), int(params.get("port", 5432))
        self._connection: Connection | None = None

    def __enter__(self) -> "PostgresAdmin":
        self._connection = self._connect()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._connection is not None:
            self._connection.close()

    def ensure_role(self, name: str, password: str, marker: str) -> bool:
        """Make `name` a login role with `password`; True if it had to be created."""
        found = self._one(ROLE, name)
        if found is not None and found[0] != marker:
            raise PermanentFailure(
                "RoleConflict", f"role {name} already exists and is not managed by {marker!r}"
            )
        role, verifier = sql.Identifier(name), passwords.scram_sha256(password)
        if found is None:
            self._run(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(role), verifier)
            self._run(sql.SQL("COMMENT ON ROLE {} IS %s").format(role), marker)
        else:
            self._run(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD %s").format(role), verifier)
        return found is None

    def ensure_database(self, name: str, owner: str, marker: str) -> list[str]:
        """Make `name` exist, owned by `owner`, closed to PUBLIC; says what it changed."""
        found = self._one(DATABASE, name)
        if found is not None and found[0] != marker:
            raise PermanentFailure(
                "DatabaseConflict",
                f"database {name} already exists and is not managed by {marker!r}",
            )
        database, role = sql.Identifier(name), sql.Identifier(owner)
        changes = []
        if found is None:
            self._run(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, role))
            self._run(sql.SQL("COMMENT ON DATABASE {} IS %s").format(database), marker)
            changes.append(f"created database {name} owned by {owner}")
        elif found[1] != owner:
            self._run(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, role))
            changes.append(f"gave database {name} back to {owner}")
        self._run(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
        return changes

    def ensure_extensions(self, database: str, extensions: list[str]) -> list[str]:
        """Create the missing `extensions` in `database`; returns those it created."""
        created = []
        connection = self._connect(database)
        with closing(connection), _statement_errors(self.host, self.port):
            cursor = connection.cursor()
            for extension in extensions:
                cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (extension,))
                if cursor.fetchone() is not None:
                    continue
                try:
                    cursor.execute(
                        sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(
                            sql.Identifier(extension)
                        )
                    )
                except UNAVAILABLE_EXTENSION as exc:
                    raise PermanentFailure(
                        "ExtensionUnavailable",
                        f"extension {extension} is not available on {self.host}:{self.port}: "
                        f"{_first_line(exc)}",
                    ) from exc
                created.append(extension)
        return created

    def drop(self, database: str, owner: str, marker: str) -> list[str]:
        """Drop `database`, then `owner`, each only if it carries `marker`; says what it dropped."""
        dropped = []
        found = self._one(DATABASE, database)
        if found is not None and found[0] == marker:
            self._run(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
            dropped.append(f"database {database}")
        found = self._one(ROLE, owner)
        if found is not None and found[0] == marker:
            self._run(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(owner)))
            dropped.append(f"role {owner}")
        return dropped

    def _connect(self, database: str | None = None) -> Connection:
        extra = {"dbname": database} if database else {}
        try:
            connection = psycopg2.connect(
                self.url,
                connect_timeout=self.timeout,
                options="-c statement_timeout=30000",
                application_name="mercado-operator",
                **extra,
            )
        except psycopg2.OperationalError as exc:
            raise TemporaryFailure(
                "DatabaseServerUnavailable",
                f"cannot connect to PostgreSQL at {self.host}:{self.port}: {_first_line(exc)}",
            ) from exc
        connection.autocommit = True
        return connection

    def _one(self, query: str, *params: object) -> tuple | None:
        with _statement_errors(self.host, self.port), self._connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchone()

    def _run(self, statement: sql.Composable, *params: object) -> None:
        with _statement_errors(self.host, self.port), self._connection.cursor() as cursor:
            cursor.execute(statement, params or None)


@contextmanager
def _statement_errors(host: str, port: int) -> Iterator[None]:
    """Turn a lost connection or a refusal by the server into a failure a person can act on."""
    try:
        yield
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
        raise TemporaryFailure(
            "DatabaseServerUnavailable", f"PostgreSQL at {host}:{port}: {_first_line(exc)}"
        ) from exc
    except psycopg2.errors.InsufficientPrivilege as exc:
        raise TemporaryFailure(
            "AdminNotPermitted", f"the admin user was refused: {_first_line(exc)}"
        ) from exc
    except psycopg2.errors.DependentObjectsStillExist as exc:
        raise TemporaryFailure("StillInUse", _first_line(exc)) from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
