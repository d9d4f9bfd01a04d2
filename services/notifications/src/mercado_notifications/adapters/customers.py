"""The notifications service's copy of customers, kept from the users service's events."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from mercado_notifications.adapters.tables import customers


class Customers:
    """The customers notifications knows of, as the users service's events described them."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def upsert(self, values: dict[str, Any], seen_at: datetime) -> None:
        """Store a customer's state unless a newer event already did (events may arrive
        reordered)."""
        statement = insert(customers).values(**values, seen_at=seen_at)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["customer_id"],
                set_={name: statement.excluded[name] for name in (*values, "seen_at")},
                where=customers.c.seen_at <= statement.excluded.seen_at,
            )
        )
