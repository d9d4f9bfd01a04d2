"""Named API errors and the one place that turns every failure into problem+json."""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, jsonify, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ApiError(Exception):
    """An error a client can act on; `code` is stable, `message` is for people."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, code: str | None = None, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.errors = errors


class MalformedRequest(ApiError):
    status, code = 400, "malformed_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(ApiError):
    status, code = 422, "validation_failed"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


def problem(status: int, code: str, message: str, **extra: Any) -> Response:
    """Build an RFC 7807 problem+json response carrying a stable `code`."""
    body = {
        "type": f"https://mercado.dev/problems/{code}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "code": code,
        "detail": message,
        "instance": request.path,
        "request_id": g.get("request_id"),
        **{key: value for key, value in extra.items() if value is not None},
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


@dataclass(frozen=True)
class ErrorAnswer:
    """How the API answers one kind of domain error: its status, and what of the exception
    goes into the problem's `errors` list and the response's headers."""

    status: int
    errors: Callable[[Any], list[dict[str, Any]]] | None = None
    headers: Callable[[Any], dict[str, str]] | None = None


DomainErrors = Mapping[type[Exception], int | ErrorAnswer]
"""A service's domain errors and their answers; each error class names its stable `code`.
A class answers for its subclasses unless they have an entry of their own."""


def register_error_handlers(app: Flask, domain_errors: DomainErrors) -> None:
    """Answer every error, the service's domain errors as `domain_errors` says and anything
    unexpected as a 500, as problem+json."""
    for kind, answer in domain_errors.items():
        app.register_error_handler(kind, _domain_answer(answer))

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return problem(exc.status, exc.code, exc.message, errors=exc.errors)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "_")
        response = problem(exc.code or 500, code, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(exc: Exception) -> Response:
        # Lost connection, server down or pool exhausted: the client may retry, not a bug.
        log.warning("database unavailable: %s", str(exc).splitlines()[0])
        response = problem(
            503, "database_unavailable", "The service's database cannot be reached; retry later."
        )
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem(
            500,
            "internal_error",
            "An unexpected error occurred; report the request_id to the operators.",
        )


def _domain_answer(answer: int | ErrorAnswer) -> Callable[[Exception], Response]:
    spec = answer if isinstance(answer, ErrorAnswer) else ErrorAnswer(answer)

    def answer_with(exc: Exception) -> Response:
        errors = spec.errors(exc) if spec.errors else None
        code: str = exc.code  # type: ignore[attr-defined]
        response = problem(spec.status, code, str(exc), errors=errors)
        response.headers.update(spec.headers(exc) if spec.headers else {})
        return response

    return answer_with
