"""A private PostgreSQL server in a temporary directory, on a free loopback port."""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg2

from mercado_platform.testing.processes import (
    ServerError,
    find_binary,
    free_port,
    spawn,
    stop_process,
    wait_until,
)

PG_BIN = "/usr/lib/postgresql/*/bin"


class PostgresServer:
    """initdb + postgres owned by this object; databases are created per test. `settings`
    are extra server settings (such as shared_preload_libraries)."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.settings = settings or {}
        self.root = Path(tempfile.mkdtemp(prefix="mercado-pg-"))
        self.port = free_port()
        self.user = _server_user()
        self.process: subprocess.Popen | None = None
        self.log = self.root / "postgres.log"
        if self.user is not None:
            shutil.chown(self.root, user=self.user)

    def url(self, database: str = "postgres") -> str:
        """A connection URL for `database` as the superuser."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> "PostgresServer":
        """Initialise the data directory on first start, then run postgres until ready."""
        data = self.root / "data"
        if not data.exists():
            self._run(
                find_binary("initdb", f"{PG_BIN}/initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
        self.process = spawn(
            [
                find_binary("postgres", f"{PG_BIN}/postgres"),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.root}",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=300",
                *(f"-c{name}={value}" for name, value in self.settings.items()),
            ],
            log=self.log,
            user=self.user,
        )
        wait_until(self._accepts, timeout=60, what="postgres", process=self.process, log=self.log)
        return self

    def stop(self) -> None:
        """Fast shutdown: disconnect clients and stop."""
        stop_process(self.process, sig=signal.SIGINT)
        self.process = None

    def destroy(self) -> None:
        """Stop and remove every file of this server."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self) -> str:
        """A new empty database with a random name; returns its URL."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database at `url`, disconnecting whoever still uses it."""
        self.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction as the superuser."""
        connection = psycopg2.connect(self.url(), connect_timeout=5)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def _accepts(self) -> bool:
        try:
            psycopg2.connect(self.url(), connect_timeout=1).close()
        except psycopg2.OperationalError:
            return False
        return True

    def _run(self, *args: str) -> None:
        result = subprocess.run(args, capture_output=True, text=True, user=self.user, check=False)
        if result.returncode != 0:
            raise ServerError(f"{args[0]} failed: {result.stderr or result.stdout}")


def _server_user() -> str | None:
    """postgres refuses to run as root: as root, run it as the `postgres` system user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServerError("running as root needs the `postgres` user; install postgresql") from None
    return "postgres"
