"""PostgreSQL and RabbitMQ for local mode: private servers in a temporary directory, or
servers the caller already runs, given by admin URLs. Each service gets its own database."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

from mercado_platform.testing.postgres import PostgresServer
from mercado_platform.testing.rabbitmq import RabbitServer


@dataclass
class Servers:
    """An admin URL for PostgreSQL and an AMQP URL, and the private servers behind them
    (a private PostgreSQL runs with `postgres_settings` besides its own)."""

    postgres_admin_url: str = ""
    amqp_url: str = ""
    postgres_settings: dict[str, str] = field(default_factory=dict)
    _private: list[PostgresServer | RabbitServer] = field(default_factory=list)

    def start(self) -> "Servers":
        """Start a private server for each URL not given."""
        if not self.postgres_admin_url:
            postgres = PostgresServer(self.postgres_settings).start()
            self._private.append(postgres)
            self.postgres_admin_url = postgres.url()
        if not self.amqp_url:
            rabbit = RabbitServer().start()
            self._private.append(rabbit)
            self.amqp_url = rabbit.amqp_url()
        return self

    def database(self, name: str) -> str:
        """The URL of database `name`, created if missing (kept across runs on given servers)."""
        connection = psycopg2.connect(self.postgres_admin_url, connect_timeout=10)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            connection.close()
        return urlunsplit(urlsplit(self.postgres_admin_url)._replace(path=f"/{name}"))

    def pids(self) -> list[int]:
        """The private servers' main processes (their workers are in their process groups)."""
        return [server.process.pid for server in self._private if server.process is not None]

    def stop(self) -> None:
        """Stop and remove the private servers (given ones are left alone)."""
        while self._private:
            self._private.pop().destroy()
