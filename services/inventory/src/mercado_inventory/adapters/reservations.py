"""The reservations repository: one row per order, with its lines.

Its statements are built once, with bound parameters: every order runs them, and building
one per call (and its cache key) cost more CPU than PostgreSQL spent running it.
"""

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from mercado_inventory.adapters.rows import As
from mercado_inventory.adapters.tables import reservation_lines, reservations
from mercado_inventory.domain.reservations import Line, Reservation, Status

LINE = As(Line, reservation_lines, "product_id", "quantity")
_CLAIM = (
    pg_insert(reservations)
    .on_conflict_do_nothing(index_elements=["order_id"])
    .returning(reservations.c.order_id)
)
# the reservation with its lines in one round trip: a row per line (one with no line if it
# has none), the reservation's alone locked
_LOCK = (
    select(
        reservations.c.status,
        reservations.c.expires_at,
        reservations.c.revision,
        *LINE.columns,
    )
    .select_from(
        reservations.outerjoin(
            reservation_lines, reservation_lines.c.order_id == reservations.c.order_id
        )
    )
    .where(reservations.c.order_id == bindparam("key"))
    .order_by(reservation_lines.c.product_id)
    .with_for_update(of=reservations)
)
_LOCK_NEXT_DUE = (
    select(
        reservations.c.order_id,
        reservations.c.status,
        reservations.c.expires_at,
        reservations.c.revision,
    )
    .where(reservations.c.status == Status.RESERVED, reservations.c.expires_at <= func.now())
    .order_by(reservations.c.expires_at)
    .limit(1)
    .with_for_update(skip_locked=True)
)
_SAVE = (
    update(reservations)
    .where(reservations.c.order_id == bindparam("key"))
    .values(
        status=bindparam("status"),
        expires_at=bindparam("expires_at"),
        revision=bindparam("revision"),
        updated_at=func.clock_timestamp(),
    )
)
_DELETE_LINES = delete(reservation_lines).where(reservation_lines.c.order_id == bindparam("key"))
_INSERT_LINES = insert(reservation_lines)
_LINES = (
    LINE.select()
    .where(reservation_lines.c.order_id == bindparam("key"))
    .order_by(reservation_lines.c.product_id)
)


class Reservations:
    """Each order's reservation: one row per order, with its lines."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def claim(self, order_id: str, status: Status, revision: int = 1) -> bool:
        """Start the order's reservation in `status`; False if the order already has one.

        The row also serialises work on one order: a second transaction claiming or
        locking it waits until the first one ends.
        """
        row = {"order_id": order_id, "status": status, "revision": revision}
        return self.session.execute(_CLAIM, row).first() is not None

    def lock(self, order_id: str) -> Reservation | None:
        """The order's reservation with its lines, locked for update; None if it has none."""
        rows = self.session.execute(_LOCK, {"key": order_id}).all()
        if not rows:
            return None
        lines = [Line(row.product_id, row.quantity) for row in rows if row.product_id is not None]
        first = rows[0]
        return Reservation(order_id, Status(first.status), lines, first.expires_at, first.revision)

    def lock_next_due(self) -> Reservation | None:
        """A reservation past its expiry that no other transaction holds, locked."""
        due = self.session.execute(_LOCK_NEXT_DUE).first()
        return None if due is None else self._with_lines(*due)

    def save(
        self, reservation: Reservation, *, lines: Literal["kept", "first", "replaced"] = "kept"
    ) -> None:
        """Write the reservation's status and expiry, and its lines unless they are `kept`:
        the `first` of a reservation just claimed, or ones that `replaced` earlier lines."""
        row = {
            "key": reservation.order_id,
            "status": reservation.status,
            "expires_at": reservation.expires_at,
            "revision": reservation.revision,
        }
        self.session.execute(_SAVE, row)
        if lines == "replaced":
            self.session.execute(_DELETE_LINES, {"key": reservation.order_id})
        if lines != "kept":
            rows = [
                {"order_id": reservation.order_id, **asdict(line)} for line in reservation.lines
            ]
            if rows:
                self.session.execute(_INSERT_LINES, rows)

    def _with_lines(
        self, order_id: str, status: str, expires_at: datetime | None, revision: int
    ) -> Reservation:
        lines = LINE.all(self.session.execute(_LINES, {"key": order_id}))
        return Reservation(order_id, Status(status), lines, expires_at, revision)
