"""Signing and verification keys: the configured key (a Kubernetes Secret) plus previous
public keys during a rollover, or else one development key kept in the database so that
every gunicorn worker and every replica signs with the same key."""

import base64
import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

from mercado_platform.db import Database, UnitOfWork
from mercado_platform.errors import ServiceUnavailable, Unauthorized
from mercado_users.adapters.tables import dev_signing_key

log = logging.getLogger(__name__)
PUBLIC_PEM = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)
MIN_BITS = 2048


def parse_private_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA private key in `pem`, or ValueError saying what is wrong with it."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError("is not an unencrypted PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_BITS:
        raise ValueError(f"must be an RSA key of at least {MIN_BITS} bits")
    return key


def parse_public_keys(pems: str) -> list[rsa.RSAPublicKey]:
    """Every RSA public key in `pems` (PEM blocks one after another)."""
    blocks = PUBLIC_PEM.findall(pems)
    if not blocks:
        raise ValueError("holds no PEM public key (-----BEGIN PUBLIC KEY-----)")
    keys = []
    for block in blocks:
        try:
            key = serialization.load_pem_public_key(block.encode())
        except (ValueError, UnsupportedAlgorithm):
            raise ValueError("holds a PEM block that is not a public key") from None
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_BITS:
            raise ValueError(f"must hold RSA keys of at least {MIN_BITS} bits")
        keys.append(key)
    return keys


def key_id(key: rsa.RSAPublicKey) -> str:
    """The RFC 7638 thumbprint of `key`: every replica derives the same `kid` unaided."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True)
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode()[:43]


@dataclass(frozen=True)
class KeySet:
    """The key that signs now and every public key (its own first) that still verifies."""

    kid: str
    private: rsa.RSAPrivateKey
    public: dict[str, rsa.RSAPublicKey]

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set other services fetch."""
        return {"keys": [_jwk(kid, key) for kid, key in self.public.items()]}


class KeyRing:
    """Loads the key set on first use (not at start, so a worker boots without its
    database) and keeps it; also the key source of the platform's TokenVerifier."""

    def __init__(
        self, database: Database, signing_pem: str | None, previous_pems: str | None
    ) -> None:
        self.database = database
        self.signing_pem = signing_pem
        self.previous_pems = previous_pems
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    def current(self) -> KeySet:
        """The key set, loading it the first time."""
        with self._lock:
            if self._keys is None:
                self._keys = self._load()
            return self._keys

    def key_for(self, kid: str) -> rsa.RSAPublicKey:
        """The public key named `kid`, for verifying a token."""
        key = self.current().public.get(kid)
        if key is None:
            raise Unauthorized("The token was signed with an unknown key.", code="unknown_key")
        return key

    def _load(self) -> KeySet:
        if self.signing_pem:
            private = parse_private_key(self.signing_pem)
        else:
            private = parse_private_key(self._development_pem())
        kid = key_id(private.public_key())
        public = {kid: private.public_key()}
        for key in parse_public_keys(self.previous_pems) if self.previous_pems else []:
            public.setdefault(key_id(key), key)
        return KeySet(kid, private, public)

    def _development_pem(self) -> str:
        try:
            with UnitOfWork(self.database) as uow:
                pem = uow.session.scalar(select(dev_signing_key.c.private_pem))
                if pem is None:
                    # concurrent first starts race here; the first insert wins for everyone
                    uow.session.execute(
                        insert(dev_signing_key)
                        .values(id=1, private_pem=_new_private_pem())
                        .on_conflict_do_nothing()
                    )
                    pem = uow.session.scalar(select(dev_signing_key.c.private_pem))
                uow.commit()
        except SQLAlchemyError as exc:
            raise ServiceUnavailable(
                f"Cannot load the signing key from the database: {exc}", code="keys_unavailable"
            ) from exc
        log.warning(
            "JWT_SIGNING_KEY is not set: tokens are signed with a DEVELOPMENT key stored in "
            "the database; set JWT_SIGNING_KEY for any real deployment"
        )
        return pem


def _new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _jwk(kid: str, key: rsa.RSAPublicKey) -> dict[str, Any]:
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True)
    return {**public, "kid": kid, "use": "sig", "alg": "RS256"}
