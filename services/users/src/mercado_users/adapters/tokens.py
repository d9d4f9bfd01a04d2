"""Short-lived RS256 access tokens, carrying the user's roles and the scopes they grant."""

import time
import uuid

import jwt

from mercado_users.adapters.keys import KeyRing
from mercado_users.domain.model import User
from mercado_users.domain.roles import scopes_for


class AccessTokens:
    """Signs access tokens with the key ring's current key."""

    def __init__(self, keys: KeyRing, *, issuer: str, audience: str, lifetime: int) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime

    def issue(self, user: User) -> str:
        """A signed token for `user`, valid for `lifetime` seconds."""
        keys = self.keys.current()
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user.id,
            "roles": sorted(user.roles),
            "scope": " ".join(scopes_for(user.roles)),
            "iat": now,
            "exp": now + self.lifetime,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, keys.private, "RS256", headers={"kid": keys.kid})
