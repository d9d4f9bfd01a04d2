"""Argon2id password hashes; unknown accounts are checked against a decoy hash so that a
login takes as long whether the account exists or not."""

import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hashes and verifies passwords with argon2-cffi's recommended (RFC 9106) parameters."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        """A salted Argon2id hash of `password`."""
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True if `password` matches `stored`; with no stored hash, the same work is done
        against a decoy and the answer is False."""
        decoy = self._decoy  # made on the first login of either kind, so neither pays alone
        try:
            return self.hasher.verify(stored or decoy, password) and bool(stored)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when `stored` was made with weaker parameters than today's."""
        return self.hasher.check_needs_rehash(stored)

    @cached_property
    def _decoy(self) -> str:
        return self.hasher.hash(secrets.token_urlsafe(24))
