"""Calling a real gRPC server in tests: a channel with a token, and how a call was refused."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.rpc import error_details_pb2

from mercado_platform.rpc.status import details_of


@dataclass(frozen=True)
class Refusal:
    """A failed call: its code, message, stable reason, request id and the fields or
    preconditions it names."""

    code: grpc.StatusCode
    message: str
    reason: str
    request_id: str
    fields: dict[str, str] = field(default_factory=dict)
    """Invalid field -> why (BadRequest)."""
    violations: list[Any] = field(default_factory=list)
    """PreconditionFailure violations (type, subject, description)."""


def refusal(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Refusal:
    """Make the call, which must fail; how it failed."""
    try:
        call(*args, **kwargs)
    except grpc.RpcError as error:
        return refusal_of(error)
    raise AssertionError("the call succeeded")


def refusal_of(error: grpc.RpcError) -> Refusal:
    """How a failed call was refused."""
    info, fields, violations = None, {}, []
    for detail in details_of(error):
        if isinstance(detail, error_details_pb2.ErrorInfo):
            info = detail
        elif isinstance(detail, error_details_pb2.BadRequest):
            fields = {v.field: v.reason for v in detail.field_violations}
        else:
            violations = list(detail.violations)
    return Refusal(
        error.code(),  # type: ignore[attr-defined]
        error.details(),  # type: ignore[attr-defined]
        info.reason if info else "",
        info.metadata["request_id"] if info else "",
        fields,
        violations,
    )


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """The call metadata carrying `token` as REST's Authorization header does."""
    return (("authorization", f"Bearer {token}"),)
