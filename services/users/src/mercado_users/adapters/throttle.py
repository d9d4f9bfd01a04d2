"""Failed-login counters in PostgreSQL, so every replica sees the same counts and locks."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from mercado_users.adapters.tables import login_throttle
from mercado_users.domain.throttle import FailureCount, ThrottlePolicy, after_failure


class ThrottleStore:
    """Counts of failed logins per key (`account:<id>`, `address:<ip>`)."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def now(self) -> datetime:
        """The database's clock, the one every replica shares."""
        return self.session.scalar(select(func.now()))

    def locks(self, keys: Iterable[str]) -> list[datetime | None]:
        """The lock end of each key that has one."""
        return list(
            self.session.scalars(
                select(login_throttle.c.locked_until).where(login_throttle.c.key.in_(list(keys)))
            )
        )

    def record_failure(self, key: str, policy: ThrottlePolicy, now: datetime) -> FailureCount:
        """Count one more failure for `key`; concurrent failures are serialised on its row."""
        self.session.execute(
            insert(login_throttle)
            .values(key=key, failures=0, window_started_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = self.session.execute(
            select(
                login_throttle.c.failures,
                login_throttle.c.window_started_at,
                login_throttle.c.locked_until,
            )
            .where(login_throttle.c.key == key)
            .with_for_update()
        ).one()
        count = after_failure(FailureCount(*row), now, policy)
        self.session.execute(
            login_throttle.update()
            .where(login_throttle.c.key == key)
            .values(
                failures=count.failures,
                window_started_at=count.window_started_at,
                locked_until=count.locked_until,
            )
        )
        return count

    def clear(self, key: str) -> None:
        """Forget the failures of `key` (after a successful login)."""
        self.session.execute(delete(login_throttle).where(login_throttle.c.key == key))

    def prune(self, older_than: datetime) -> None:
        """Drop counters whose window and lock both ended before `older_than`."""
        self.session.execute(
            delete(login_throttle).where(
                login_throttle.c.window_started_at < older_than,
                (login_throttle.c.locked_until.is_(None))
                | (login_throttle.c.locked_until < older_than),
            )
        )
