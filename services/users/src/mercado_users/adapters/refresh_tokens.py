"""Refresh tokens: opaque random strings handed out once, stored only as SHA-256 digests."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from mercado_platform.ids import new_id
from mercado_users.adapters.tables import refresh_tokens


def digest(token: str) -> str:
    """What is stored for `token`: it has 256 random bits, so a plain digest is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StoredToken:
    """A refresh token as the database knows it."""

    user_id: str
    family_id: str
    expires_at: datetime
    spent: bool
    now: datetime


class RefreshTokens:
    """Issue, look up, spend and revoke refresh tokens on one unit of work's session."""

    def __init__(self, session: Connection) -> None:
        self.session = session

    def issue(self, user_id: str, lifetime: timedelta, family: str | None = None) -> str:
        """A new token for `user_id`, in `family` (one login's chain of rotations)."""
        token = secrets.token_urlsafe(32)
        self.session.execute(
            insert(refresh_tokens).values(
                token_hash=digest(token),
                user_id=user_id,
                family_id=family or new_id(),
                expires_at=func.now() + lifetime,
            )
        )
        return token

    def claim(self, token: str) -> StoredToken | None:
        """The stored token, locked so two refreshes with it cannot both succeed."""
        row = self.session.execute(
            select(
                refresh_tokens.c.user_id,
                refresh_tokens.c.family_id,
                refresh_tokens.c.expires_at,
                (refresh_tokens.c.used_at.is_not(None) | refresh_tokens.c.revoked_at.is_not(None)),
                func.now(),
            )
            .where(refresh_tokens.c.token_hash == digest(token))
            .with_for_update()
        ).first()
        return StoredToken(*row) if row else None

    def spend(self, token: str) -> None:
        """Mark `token` used: presenting it again is a sign it was stolen."""
        self.session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == digest(token))
            .values(used_at=func.now())
        )

    def revoke_family(self, family_id: str) -> None:
        """Revoke every token descended from the same login."""
        self.session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )

    def revoke_all(self, user_id: str) -> None:
        """Revoke every token of the user (disable, password change)."""
        self.session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=func.now())
        )

    def forget_all(self, user_id: str) -> None:
        """Delete every token of the user (account deletion)."""
        self.session.execute(delete(refresh_tokens).where(refresh_tokens.c.user_id == user_id))

    def sessions_of(self, user_id: str) -> list[dict]:
        """When each of the user's tokens was issued, expires, was used or revoked (export)."""
        rows = self.session.execute(
            select(
                refresh_tokens.c.issued_at,
                refresh_tokens.c.expires_at,
                refresh_tokens.c.used_at,
                refresh_tokens.c.revoked_at,
            )
            .where(refresh_tokens.c.user_id == user_id)
            .order_by(refresh_tokens.c.issued_at)
        ).all()
        return [dict(row._mapping) for row in rows]

    def prune_expired(self, user_id: str) -> None:
        """Drop the user's expired tokens so the table does not grow without bound."""
        self.session.execute(
            delete(refresh_tokens).where(
                refresh_tokens.c.user_id == user_id, refresh_tokens.c.expires_at < func.now()
            )
        )
