"""The notifications service's copy of customers, kept from the users service's events."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from mercado_notifications.adapters.tables import customers


def upsert_customer(session: Connection, values: dict[str, Any], seen_at: datetime) -> None:
    """Store a customer's state unless a newer event already did (events may arrive
    reordered)."""
    statement = insert(customers).values(**values, seen_at=seen_at)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={name: statement.excluded[name] for name in (*values, "seen_at")},
            where=customers.c.seen_at <= statement.excluded.seen_at,
        )
    )
