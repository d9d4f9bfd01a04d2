"""Logging in, refreshing and logging out: access tokens, rotating refresh tokens, and
throttling of failed logins per account and per client address."""

from dataclasses import dataclass
from datetime import timedelta

from mercado_users.adapters.hashing import Passwords
from mercado_users.adapters.tokens import AccessTokens
from mercado_users.adapters.unit_of_work import UsersUnitOfWork
from mercado_users.domain.errors import InvalidCredentials, InvalidRefreshToken, LoginThrottled
from mercado_users.domain.model import User
from mercado_users.domain.roles import scopes_for
from mercado_users.domain.throttle import ThrottlePolicy, seconds_locked


@dataclass(frozen=True)
class Authenticator:
    """What logging in needs: hashing, signing, lifetimes and throttling rules."""

    passwords: Passwords
    access_tokens: AccessTokens
    refresh_lifetime: timedelta
    per_account: ThrottlePolicy
    per_address: ThrottlePolicy


@dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh hands back."""

    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


def login(
    uow: UsersUnitOfWork, auth: Authenticator, identifier: str, password: str, client_address: str
) -> TokenPair:
    """Exchange a login (or e-mail) and password for tokens. Unknown accounts go through
    the same steps, hash check included, as wrong passwords, and fail the same way."""
    with uow:
        users, throttle = uow.users, uow.throttle
        user = users.find_by_login_or_email(identifier.strip().lower())
        account_key = f"account:{user.id if user else identifier.strip().lower()}"
        address_key = f"address:{client_address}"
        now = throttle.now()
        wait = seconds_locked(throttle.locks([account_key, address_key]), now)
        if wait:
            raise LoginThrottled(wait)
        verified = auth.passwords.verify(user.password_hash if user else None, password)
        if user is None or not verified:
            throttle.record_failure(account_key, auth.per_account, now)
            throttle.record_failure(address_key, auth.per_address, now)
            throttle.prune(now - auth.per_address.window - auth.per_address.lockout)
            uow.commit()
            raise InvalidCredentials("The login or the password is wrong.")
        user.ensure_active()  # said only to someone who proved they know the password
        throttle.clear(account_key)
        if auth.passwords.needs_rehash(user.password_hash):
            user.password_hash = auth.passwords.hash(password)
            users.save(user)
        pair = _issue(uow, auth, user)
        uow.commit()
        return pair


def refresh(uow: UsersUnitOfWork, auth: Authenticator, token: str) -> TokenPair:
    """Swap a refresh token for a new pair; a token used twice revokes its whole family."""
    with uow:
        stored = uow.tokens.claim(token)
        if stored is None or stored.expires_at <= stored.now:
            raise InvalidRefreshToken("The refresh token is unknown or expired; log in again.")
        user = uow.users.get(stored.user_id)
        if stored.spent or user is None or not user.active:
            uow.tokens.revoke_family(stored.family_id)
            uow.commit()
            raise InvalidRefreshToken(
                "The refresh token was revoked or already used; log in again."
            )
        uow.tokens.spend(token)
        pair = _issue(uow, auth, user, stored.family_id)
        uow.commit()
    return pair


def logout(uow: UsersUnitOfWork, token: str) -> None:
    """Revoke the refresh token and every token rotated from the same login."""
    with uow:
        stored = uow.tokens.claim(token)
        if stored is not None:
            uow.tokens.revoke_family(stored.family_id)
            uow.commit()


def _issue(
    uow: UsersUnitOfWork, auth: Authenticator, user: User, family: str | None = None
) -> TokenPair:
    uow.tokens.prune_expired(user.id)
    return TokenPair(
        access_token=auth.access_tokens.issue(user),
        refresh_token=uow.tokens.issue(user.id, auth.refresh_lifetime, family),
        expires_in=auth.access_tokens.lifetime,
        scope=" ".join(scopes_for(user.roles)),
    )
