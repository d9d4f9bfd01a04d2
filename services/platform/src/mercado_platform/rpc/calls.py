"""What a servicer method knows of the call it serves: who is calling (the bearer token in
the `authorization` metadata, as REST's header), its validated input, and its deadline."""

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

import grpc
from pydantic import BaseModel

from mercado_platform.auth import Caller, Principal, TokenVerifier, bearer_principal, caller_of
from mercado_platform.auth import require as require_grants
from mercado_platform.errors import ValidationFailed
from mercado_platform.ids import canonical_id
from mercado_platform.rpc.status import DeadlineExceeded
from mercado_platform.validation import parse_values


@dataclass
class Call:
    """One call being served: its context and the verifier its token is checked with."""

    context: grpc.ServicerContext
    verifier: TokenVerifier | None
    principal: Principal | None = field(default=None)

    def metadata(self, key: str) -> str:
        """The first value of metadata `key` (lower-case), or empty."""
        for name, value in self.context.invocation_metadata() or ():
            if name == key:
                return str(value)
        return ""


current: ContextVar[Call] = ContextVar("mercado_grpc_call")
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)


def authenticate() -> Principal:
    """The principal of the current call's bearer token, verified once per call."""
    call = current.get()
    if call.principal is None:
        call.principal = bearer_principal(call.metadata("authorization"), call.verifier)
    return call.principal


def requires(*scopes: str, roles: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Let the servicer method run only for a valid bearer token holding every scope and
    role named (REST's `requires`)."""

    def decorate(method: F) -> F:
        @wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_grants(authenticate(), scopes, roles)
            return method(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def caller(own_scope: str, any_scope: str) -> Caller:
    """The current call's caller on owned resources (REST's `caller`)."""
    return caller_of(authenticate(), own_scope, any_scope)


def parse(model: type[M], values: dict[str, Any]) -> M:
    """A message's fields validated as REST validates the same body (strictly; its
    decimals are text, as the proto's `string` fields carry them)."""
    return parse_values(model, values)


def parse_query(model: type[M], values: dict[str, Any]) -> M:
    """A message's fields validated as REST validates the same query string; fields left at
    their proto3 default are left out, so the model's defaults apply."""
    return parse_values(model, {name: value for name, value in values.items() if value})


def resource_id(value: str, name: str) -> str:
    """An id naming a resource, canonical; any other text is passed on to be found nowhere
    (REST's `<id:...>` converter). Only a missing one is invalid."""
    if not value:
        error = {"field": name, "type": "missing", "message": "Field required"}
        raise ValidationFailed("The request does not match the expected schema.", errors=[error])
    return canonical_id(value) or value


def before_deadline(step: Callable[..., Any]) -> Callable[..., Any]:
    """`step`, after which the call ends with DEADLINE_EXCEEDED if its caller gave up
    meanwhile: nothing is committed for a caller that is no longer waiting."""
    call = current.get()

    def bounded(*args: Any, **kwargs: Any) -> Any:
        result = step(*args, **kwargs)
        if not call.context.is_active():
            raise DeadlineExceeded("The call's deadline passed before it could be served.")
        return result

    return bounded
