"""The one place that turns a failure into a gRPC status: the same codes and messages as
the REST problems, with google.rpc details (ErrorInfo; BadRequest or PreconditionFailure)."""

import logging
from collections import namedtuple
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from mercado_platform.errors import ApiError, DomainErrors, ErrorAnswer

log = logging.getLogger(__name__)

DOMAIN = "mercado.dev"
DETAILS_KEY = "grpc-status-details-bin"
# REST's status -> gRPC's code (https://google.aip.dev/193 maps them the same way).
CODES: dict[int, grpc.StatusCode] = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    415: grpc.StatusCode.INVALID_ARGUMENT,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


class DeadlineExceeded(ApiError):
    """The caller's deadline passed (or it cancelled) before the work was committed."""

    status, code = 504, "deadline_exceeded"


class _Status(namedtuple("_Status", ("code", "details", "trailing_metadata")), grpc.Status):
    """A status to abort a call with."""


def status_of(exc: Exception, errors: DomainErrors, request_id: str) -> grpc.Status:
    """The status answering `exc`: domain errors as `errors` says, platform errors by their
    status, a database outage as UNAVAILABLE and anything else as INTERNAL (logged)."""
    http, code, message, entries = _described(exc, errors)
    grpc_code = CODES.get(http, grpc.StatusCode.INTERNAL)
    details = [_info(code, request_id), *_violations(grpc_code, entries)]
    rich = status_pb2.Status(code=grpc_code.value[0], message=message, details=details)
    metadata = ((DETAILS_KEY, rich.SerializeToString()), ("x-request-id", request_id))
    return _Status(grpc_code, message, metadata)


def _described(exc: Exception, errors: DomainErrors) -> tuple[int, str, str, list[dict]]:
    answer = next((errors[kind] for kind in type(exc).__mro__ if kind in errors), None)
    if answer is not None:
        spec = answer if isinstance(answer, ErrorAnswer) else ErrorAnswer(answer)
        entries = spec.errors(exc) if spec.errors else []
        return spec.status, exc.code, str(exc), entries  # type: ignore[attr-defined]
    if isinstance(exc, ApiError):
        return exc.status, exc.code, exc.message, exc.errors or []
    if isinstance(exc, OperationalError | PoolTimeout):
        log.warning("database unavailable: %s", str(exc).splitlines()[0])
        message = "The service's database cannot be reached; retry later."
        return 503, "database_unavailable", message, []
    log.exception("unhandled error")
    message = "An unexpected error occurred; report the request_id to the operators."
    return 500, "internal_error", message, []


def _info(code: str, request_id: str) -> any_pb2.Any:
    info = error_details_pb2.ErrorInfo(
        reason=code, domain=DOMAIN, metadata={"request_id": request_id}
    )
    return _packed(info)


def _violations(code: grpc.StatusCode, entries: list[dict[str, Any]]) -> list[any_pb2.Any]:
    """Invalid fields as BadRequest; anything else refused (a line's price, its stock) as
    PreconditionFailure, its extra facts (current_price, available) in the description."""
    if not entries:
        return []
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        fields = [
            error_details_pb2.BadRequest.FieldViolation(
                field=entry.get("field") or "",
                description=_description(entry),
                reason=entry["type"],
            )
            for entry in entries
        ]
        return [_packed(error_details_pb2.BadRequest(field_violations=fields))]
    violations = [
        error_details_pb2.PreconditionFailure.Violation(
            type=entry["type"], subject=entry.get("field") or "", description=_description(entry)
        )
        for entry in entries
    ]
    return [_packed(error_details_pb2.PreconditionFailure(violations=violations))]


def _description(entry: dict[str, Any]) -> str:
    if "message" in entry:
        return str(entry["message"])
    facts = {k: v for k, v in entry.items() if k not in {"field", "type", "product_id"}}
    return "; ".join(f"{key}: {value}" for key, value in facts.items()) or entry["type"]


def _packed(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def details_of(error: grpc.RpcError) -> list[Any]:
    """The google.rpc details of a failed call, unpacked (for clients and tests)."""
    metadata = dict(error.trailing_metadata() or ())  # type: ignore[attr-defined]
    if DETAILS_KEY not in metadata:
        return []
    rich = status_pb2.Status.FromString(metadata[DETAILS_KEY])
    kinds = (
        error_details_pb2.ErrorInfo,
        error_details_pb2.BadRequest,
        error_details_pb2.PreconditionFailure,
    )
    unpacked = []
    for detail in rich.details:
        for kind in kinds:
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                unpacked.append(message)
    return unpacked
