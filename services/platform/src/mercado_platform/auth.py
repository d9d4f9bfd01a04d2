"""Verify RS256 access tokens against the users service's JWKS; require scopes and roles."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Protocol, TypeVar

import jwt
import requests
from flask import current_app, g, request

from mercado_platform.errors import Forbidden, ServiceUnavailable, Unauthorized

ALGORITHMS = ["RS256"]


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the token says."""

    subject: str
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    claims: dict[str, Any] = field(default_factory=dict, compare=False)

    def has_scope(self, scope: str) -> bool:
        """True when the token grants `scope`."""
        return scope in self.scopes


@dataclass(frozen=True)
class Caller:
    """Who acts on a resource that has an owner, and whether they may act on anyone's."""

    subject: str
    any_owner: bool = False

    def may_see(self, owner: str | None) -> bool:
        """Their own always; anyone's with the `:any` scope."""
        return self.any_owner or owner == self.subject


class KeySource(Protocol):
    """Where a verifier finds the public key for a token's `kid`."""

    def key_for(self, kid: str) -> Any:
        """The verification key for `kid`; raises Unauthorized when there is none."""
        ...


class JwksKeys:
    """Public keys from a JWKS URL, cached, refetched when an unknown `kid` shows up."""

    def __init__(
        self,
        url: str,
        *,
        ttl: float = 300.0,
        min_refresh_interval: float = 5.0,
        timeout: float = 2.0,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refresh_interval = min_refresh_interval
        self.timeout = timeout
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def key_for(self, kid: str) -> Any:
        """The verification key for `kid`, refreshing the cache at most once per interval."""
        with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = age > self.ttl
            unknown = kid not in self._keys and age > self.min_refresh_interval
            if stale or unknown:
                self._refresh()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("The token was signed with an unknown key.", code="unknown_key")
        return key

    def load(self) -> None:
        """Raise unless the keys are at hand, fetching them if they never were: a process
        that cannot verify a token is not ready to serve (a readiness check)."""
        with self._lock:
            if not self._keys:
                self._refresh()
            if not self._keys:
                raise ServiceUnavailable(f"{self.url} lists no keys.", code="auth_unavailable")

    def _refresh(self) -> None:
        try:
            response = requests.get(self.url, timeout=self.timeout)
            response.raise_for_status()
            document = jwt.PyJWKSet.from_dict(response.json())
        except (requests.RequestException, ValueError, jwt.PyJWKSetError) as exc:
            if not self._keys:
                raise ServiceUnavailable(
                    f"Cannot fetch signing keys from {self.url}: {exc}", code="auth_unavailable"
                ) from exc
            return
        self._keys = {key.key_id: key.key for key in document.keys if key.key_id}
        self._fetched_at = time.monotonic()


class TokenVerifier:
    """Checks signature, expiry, issuer and audience; turns claims into a Principal.

    A token that passed is remembered for `remember_seconds`, never past its expiry, up to
    `remembered` tokens: a client's next calls skip the RSA check and the decoding. A key
    withdrawn from the JWKS is thus trusted that much longer.
    """

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        leeway: float = 10,
        remember_seconds: float = 30,
        remembered: int = 4096,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.remember_seconds = remember_seconds
        self.remembered = remembered
        self._passed: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """Return the token's principal or raise Unauthorized with a specific code."""
        known = self._passed.get(token)
        if known is not None and time.time() < known[0]:
            return known[1]
        principal = self._check(token)
        self._remember(token, principal)
        return principal

    def _remember(self, token: str, principal: Principal) -> None:
        if self.remembered <= 0:
            return
        until = time.time() + self.remember_seconds
        until = min(until, float(principal.claims["exp"]) + self.leeway)
        with self._lock:
            self._passed.pop(token, None)
            while len(self._passed) >= self.remembered:
                del self._passed[next(iter(self._passed))]  # the longest remembered
            self._passed[token] = (until, principal)

    def _check(self, token: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.DecodeError:
            raise Unauthorized("The bearer token is malformed.", code="invalid_token") from None
        if not kid:
            raise Unauthorized("The token names no signing key (kid).", code="invalid_token")
        try:
            claims = jwt.decode(
                token,
                self.keys.key_for(kid),
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The token has expired.", code="token_expired") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"The token is not valid: {exc}.", code="invalid_token") from None
        return Principal(
            subject=str(claims["sub"]),
            roles=frozenset(claims.get("roles", [])),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            claims=claims,
        )


F = TypeVar("F", bound=Callable[..., Any])


def requires(*scopes: str, roles: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Let the view run only for a valid bearer token holding every scope and role named."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require(authenticate(), scopes, roles)
            return view(*args, **kwargs)

        wrapper.__mercado_auth__ = {"scopes": scopes, "roles": roles}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def authenticate() -> Principal:
    """The principal of the current request's bearer token, verified once per request."""
    if "principal" in g:
        return g.principal
    verifier = current_app.extensions.get("mercado.verifier")
    g.principal = bearer_principal(request.headers.get("Authorization", ""), verifier)
    return g.principal


def bearer_principal(authorization: str, verifier: TokenVerifier | None) -> Principal:
    """The principal of an `Authorization: Bearer <token>` value (HTTP header or gRPC
    metadata), verified."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send a bearer token: 'Authorization: Bearer <token>'.")
    if verifier is None:
        raise ServiceUnavailable(
            "This service has no JWKS_URL configured.", code="auth_unavailable"
        )
    return verifier.verify(token.strip())


def require(principal: Principal, scopes: tuple[str, ...], roles: tuple[str, ...] = ()) -> None:
    """Refuse a principal lacking any of `scopes` or `roles`."""
    missing = [s for s in scopes if s not in principal.scopes]
    missing += [f"role:{r}" for r in roles if r not in principal.roles]
    if missing:
        raise Forbidden(f"This needs {', '.join(missing)}.", code="insufficient_scope")


def caller(own_scope: str, any_scope: str) -> Caller:
    """The current request's caller, refused unless they hold `own_scope` (their own
    resources) or `any_scope` (anyone's)."""
    return caller_of(authenticate(), own_scope, any_scope)


def caller_of(principal: Principal, own_scope: str, any_scope: str) -> Caller:
    """`principal` as the caller of a use case on owned resources (see `caller`)."""
    any_owner = principal.has_scope(any_scope)
    if not (any_owner or principal.has_scope(own_scope)):
        raise Forbidden(
            f"This needs the scope {own_scope} (or {any_scope}).", code="insufficient_scope"
        )
    return Caller(principal.subject, any_owner=any_owner)
