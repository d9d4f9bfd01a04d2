"""Idempotency keys: the first answer to a request, kept per caller and key."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects.postgresql import insert

from mercado_orders.adapters.tables import idempotency_keys

_FIND = select(idempotency_keys).where(
    idempotency_keys.c.owner == bindparam("owner"), idempotency_keys.c.key == bindparam("key")
)
_CLAIM = insert(idempotency_keys).on_conflict_do_nothing().returning(idempotency_keys.c.key)


@dataclass(frozen=True)
class Stored:
    """What a key was first used for and answered."""

    request_hash: str
    status: int
    body: dict[str, Any]


class IdempotencyKeys:
    """Keys and the answers they were given."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def find(self, owner: str, key: str) -> Stored | None:
        """The answer `owner` got with `key`, if they used it before."""
        row = self.session.execute(_FIND, {"owner": owner, "key": key}).first()
        if row is None:
            return None
        return Stored(row.request_hash, row.response_status, row.response_body)

    def claim(self, owner: str, key: str, stored: Stored) -> bool:
        """Record the key with its answer; False when a concurrent request claimed it
        first (PostgreSQL makes this insert wait for that request's transaction to end)."""
        values = {
            "owner": owner,
            "key": key,
            "request_hash": stored.request_hash,
            "response_status": stored.status,
            "response_body": stored.body,
        }
        return self.session.execute(_CLAIM, values).first() is not None
