"""The reservations repository: one row per order, with its lines."""

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from mercado_inventory.adapters.orm import reservation_lines, reservations
from mercado_inventory.adapters.rows import As
from mercado_inventory.domain.reservations import Line, Reservation, Status

LINE = As(Line, reservation_lines, "product_id", "quantity")


class Reservations:
    """Each order's reservation: one row per order, with its lines."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, order_id: str, status: Status, revision: int = 1) -> bool:
        """Start the order's reservation in `status`; False if the order already has one.

        The row also serialises work on one order: a second transaction claiming or
        locking it waits until the first one ends.
        """
        statement = (
            pg_insert(reservations)
            .values(order_id=order_id, status=status, revision=revision)
            .on_conflict_do_nothing(index_elements=["order_id"])
            .returning(reservations.c.order_id)
        )
        return self.session.execute(statement).first() is not None

    def lock(self, order_id: str) -> Reservation | None:
        """The order's reservation with its lines, locked for update; None if it has none."""
        status = self.session.execute(
            select(reservations.c.status, reservations.c.expires_at, reservations.c.revision)
            .where(reservations.c.order_id == order_id)
            .with_for_update()
        ).first()
        return None if status is None else self._with_lines(order_id, *status)

    def lock_next_due(self) -> Reservation | None:
        """A reservation past its expiry that no other transaction holds, locked."""
        due = self.session.execute(
            select(
                reservations.c.order_id,
                reservations.c.status,
                reservations.c.expires_at,
                reservations.c.revision,
            )
            .where(
                reservations.c.status == Status.RESERVED, reservations.c.expires_at <= func.now()
            )
            .order_by(reservations.c.expires_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        return None if due is None else self._with_lines(*due)

    def save(
        self, reservation: Reservation, *, lines: Literal["kept", "first", "replaced"] = "kept"
    ) -> None:
        """Write the reservation's status and expiry, and its lines unless they are `kept`:
        the `first` of a reservation just claimed, or ones that `replaced` earlier lines."""
        self.session.execute(
            update(reservations)
            .where(reservations.c.order_id == reservation.order_id)
            .values(
                status=reservation.status,
                expires_at=reservation.expires_at,
                revision=reservation.revision,
                updated_at=func.clock_timestamp(),
            )
        )
        if lines == "replaced":
            self.session.execute(
                delete(reservation_lines).where(
                    reservation_lines.c.order_id == reservation.order_id
                )
            )
        if lines != "kept":
            rows = [
                {"order_id": reservation.order_id, **asdict(line)} for line in reservation.lines
            ]
            if rows:
                self.session.execute(insert(reservation_lines), rows)

    def _with_lines(
        self, order_id: str, status: str, expires_at: datetime | None, revision: int
    ) -> Reservation:
        lines = self.session.scalars(
            select(LINE)
            .where(reservation_lines.c.order_id == order_id)
            .order_by(reservation_lines.c.product_id)
        ).all()
        return Reservation(order_id, Status(status), list(lines), expires_at, revision)
