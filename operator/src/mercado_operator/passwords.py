"""Generated passwords, and the hashes the servers store, computed here so that a password
never travels in a statement a server might log."""

import base64
import hashlib
import hmac
import os
import secrets

SCRAM_ITERATIONS = 4096


def generate() -> str:
    """A new random password, safe in URLs without quoting."""
    return secrets.token_urlsafe(24)


def scram_sha256(password: str) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier of `password`, with a fresh salt."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    stored_key = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"


def rabbit_hash_matches(password: str, password_hash: str) -> bool:
    """Whether RabbitMQ's salted SHA-256 `password_hash` is the hash of `password`."""
    try:
        raw = base64.b64decode(password_hash, validate=True)
    except ValueError:
        return False
    salt, digest = raw[:4], raw[4:]
    return hmac.compare_digest(digest, hashlib.sha256(salt + password.encode()).digest())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
