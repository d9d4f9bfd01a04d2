"""What the users service's use cases are given; the bootstrap builds it once per process."""

from dataclasses import dataclass

from mercado_platform.auth import TokenVerifier
from mercado_platform.db import UnitsOfWork
from mercado_users.adapters.unit_of_work import UsersUnitOfWork
from mercado_users.service_layer.sessions import Authenticator


@dataclass(frozen=True)
class Dependencies:
    """Units of work on the users database, the login machinery, the verifier of the
    tokens it signs (straight from its own keys: no JWKS round trip to itself), and how
    many proxies' X-Forwarded-For entries to trust."""

    uow: UnitsOfWork[UsersUnitOfWork]
    authenticator: Authenticator
    verifier: TokenVerifier
    trusted_proxy_hops: int
