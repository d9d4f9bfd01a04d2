"""SQLAlchemy 2 engine, sessions and the unit of work: the only thing that commits."""

from types import TracebackType
from typing import Self

from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

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


class Database:
    """An engine and a session factory for one service's own database."""

    def __init__(self, url: str, *, pool_size: int = 5, connect_timeout: int = 3) -> None:
        self.engine: Engine = create_engine(
            sqlalchemy_url(url),
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_recycle=1800,
            connect_args={"connect_timeout": connect_timeout},
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


class UnitOfWork:
    """One transaction: changes are kept only when `commit()` is called inside the block."""

    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions
        self.session: Session

    def __enter__(self) -> Self:
        self.session = self._sessions()
        return self

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
        """Make the block's changes durable."""
        self.session.commit()

    def rollback(self) -> None:
        """Throw away whatever was not committed."""
        self.session.rollback()


def sqlalchemy_url(url: str) -> str:
    """`url` with the psycopg2 driver named, as SQLAlchemy wants it."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url
