"""SQLAlchemy 2 engine and the unit of work: the only thing that commits.

A unit of work is one Core `Connection` in a transaction ("commit as you go"). Services
use tables and Core statements, no mapped classes, so the ORM `Session` would add only its
own bookkeeping to every transaction. A service's unit of work adds its repositories.
"""

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    Update,
    bindparam,
    create_engine,
    event,
    exc,
    text,
    update,
)
from sqlalchemy.pool import ConnectionPoolEntry

from mercado_platform.messaging.contracts import Contracts, platform_contracts
from mercado_platform.messaging.events import Event
from mercado_platform.messaging.schema import NOTIFY_CHANNEL, add_messaging_tables
from mercado_platform.messaging.tracing import for_outbox
from mercado_platform.tracing import instrument_engine, span

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the naming convention every service's migrations rely on."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def service_metadata() -> MetaData:
    """The MetaData of a service's own database: the naming convention, and the outbox
    and inbox tables every service has."""
    metadata = new_metadata()
    add_messaging_tables(metadata)
    return metadata


class Database:
    """An engine (with its pool) for one service's own database."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        connect_timeout: int = 3,
        ping_after_idle_seconds: float = 1.0,
    ) -> None:
        self.engine: Engine = create_engine(
            sqlalchemy_url(url),
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=1800,
            connect_args={"connect_timeout": connect_timeout},
            # an UPDATE or DELETE of many rows goes in one round trip (psycopg2's
            # execute_batch) rather than one per row; INSERTs are multi-row VALUES anyway
            executemany_mode="values_plus_batch",
        )
        _transactional_on_checkout(self.engine)
        _ping_when_idle(self.engine, ping_after_idle_seconds)
        instrument_engine(self.engine)

    def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _transactional_on_checkout(engine: Engine) -> None:
    """Hand out every connection in transactions, whatever mode it was given back in: a
    reading unit of work leaves its connection in autocommit, and a writer must never get
    one like that (it costs no round trip when there is no transaction open)."""

    def transactional(dbapi: Any, _entry: ConnectionPoolEntry, _proxy: Any) -> None:
        if dbapi.autocommit:
            dbapi.autocommit = False

    event.listen(engine, "checkout", transactional)


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only if it sat idle for `idle_seconds`.

    A connection handed back a moment ago is alive: pinging it before every transaction (as
    `pool_pre_ping` does) costs a round trip per transaction on the hot paths. One that idled
    may have been cut (server restart, proxy timeout): the pool replaces it if it fails.
    """

    def used(_dbapi: Any, entry: ConnectionPoolEntry) -> None:
        entry.info["used_at"] = time.monotonic()

    def check_if_idle(dbapi: Any, entry: ConnectionPoolEntry, _proxy: Any) -> None:
        if time.monotonic() - entry.info.get("used_at", 0.0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"pooled connection is gone: {error}") from error

    event.listen(engine, "connect", used)
    event.listen(engine, "checkin", used)
    event.listen(engine, "checkout", check_if_idle)


# One round trip queues the event and wakes the relay: PostgreSQL delivers the notification
# only if the transaction commits, and once however many events it queued.
_QUEUE_EVENT = text(
    "WITH queued AS (INSERT INTO outbox (event_id, exchange, routing_key, body, traceparent, "
    "tracestate) VALUES (:event_id, :exchange, :routing_key, :body, :traceparent, :tracestate) "
    "RETURNING id) "
    f"SELECT pg_notify('{NOTIFY_CHANNEL}', '') FROM queued"
)


class UnitOfWork:
    """One transaction: changes are kept only when `commit()` is called inside the block
    (or, for a block that only reads, no transaction at all: see `reading`).

    Events given to `publish` are written to the outbox in the same transaction, so they
    are sent if and only if the change they describe is committed.
    """

    def __init__(
        self,
        database: Database,
        exchange: str | None = None,
        contracts: Contracts | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        self._database = database
        self.exchange = exchange
        self.contracts = contracts
        self.read_only = read_only
        self.session: Connection

    def reading(self) -> Self:
        """A unit of work on the same database for a block that only reads.

        Its statements run outside a transaction, each seeing what was committed when it
        began, as each statement of a READ COMMITTED transaction does: the same answers
        without the BEGIN and ROLLBACK round trips. It refuses to commit or publish; a
        write or a row lock in it would take effect at once, so it must have neither.
        """
        return type(self)(self._database, read_only=True)

    def __enter__(self) -> Self:
        self.session = self._database.engine.connect()
        if self.read_only:
            # on psycopg2's connection itself: SQLAlchemy's isolation_level="AUTOCOMMIT"
            # costs a SET on the way in and makes every later BEGIN a longer statement;
            # the pool turns it back before the connection's next use (_transactional_on_checkout)
            self.session.connection.dbapi_connection.autocommit = True
        self.open_repositories()
        return self

    def open_repositories(self) -> None:
        """Build the service's repositories on `self.session`; a service's own unit of
        work overrides this, so use cases reach its tables only through them."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        """Make the block's changes durable (the relay is woken if events were published)."""
        if self.read_only:
            raise RuntimeError("a read-only unit of work has nothing to commit")
        with span("commit", **{"db.system.name": "postgresql"}):
            self.session.commit()

    def rollback(self) -> None:
        """Throw away whatever was not committed, events included."""
        self.session.rollback()

    def publish(self, event: Event) -> None:
        """Check `event` against its contract and write it to the outbox, to be relayed
        once this unit of work commits."""
        if self.exchange is None:
            raise RuntimeError("this unit of work was built without an exchange to publish to")
        (self.contracts or platform_contracts()).check(event)
        event, tracestate = for_outbox(event, self.exchange)
        self.session.execute(
            _QUEUE_EVENT,
            {
                "event_id": event.id,
                "exchange": self.exchange,
                "routing_key": event.type,
                "body": event.to_json().decode(),
                "traceparent": event.traceparent,
                "tracestate": tracestate,
            },
        )


U = TypeVar("U", bound=UnitOfWork)


@dataclass(frozen=True)
class UnitsOfWork(Generic[U]):
    """Makes a service's units of work: on its database, publishing to its exchange."""

    database: Database
    exchange: str | None = None
    contracts: Contracts | None = None
    kind: type[U] = UnitOfWork  # type: ignore[assignment]

    def __call__(self) -> U:
        """A new unit of work, not yet begun."""
        return self.kind(self.database, self.exchange, self.contracts)


ROW_ID = "row_id"


def update_by_id(table: Table, **values: Any) -> Update:
    """An UPDATE, built once, of the row whose `id` is the parameter ROW_ID; each execution
    sets the columns its other parameters name (and `values`, such as updated_at=now())."""
    if ROW_ID in table.c:
        raise ValueError(f"{table.name} has a column {ROW_ID}, the name of the row's parameter")
    return update(table).where(table.c.id == bindparam(ROW_ID)).values(**values)


def containing(term: str) -> str:
    """A LIKE pattern for text that contains `term` as typed (its `%`, `_` and `\\` too)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def sqlalchemy_url(url: str) -> str:
    """`url` with the psycopg2 driver named, as SQLAlchemy wants it."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url
