"""Request validation with pydantic: malformed input is a 400/415/422, never a 500."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, ValidationError

from mercado_platform.errors import MalformedRequest, UnsupportedMediaType, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])


class ApiModel(BaseModel):
    """Base for request bodies: unknown fields are refused, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class QueryModel(BaseModel):
    """Base for query strings: values arrive as text and are converted, unknown keys refused."""

    model_config = ConfigDict(extra="forbid")


def validate(
    *, body: type[BaseModel] | None = None, query: type[BaseModel] | None = None
) -> Callable[[F], F]:
    """Parse the JSON body and/or query string into models passed as `body=` / `query=`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return view(*args, **kwargs)

        wrapper.__mercado_api__ = {"body": body, "query": query}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M]) -> M:
    """Validate the request's JSON body against `model`."""
    if not request.is_json:
        raise UnsupportedMediaType(
            "Send the request body as JSON (Content-Type: application/json)."
        )
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise MalformedRequest("The request body is empty; a JSON object is expected.")
    return parse_json(model, raw)


def parse_json(model: type[M], raw: str | bytes) -> M:
    """Validate a JSON document against `model` (a request body, or a gRPC message as
    JSON: one validation for both)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise _as_api_error(exc) from None


def parse_query(model: type[M]) -> M:
    """Validate the query string against `model`; repeated keys become lists."""
    args = {key: values if len(values) > 1 else values[0] for key, values in request.args.lists()}
    return parse_values(model, args)


def parse_values(model: type[M], values: dict[str, Any]) -> M:
    """Validate query-like values (converted, as a query string's are) against `model`."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _as_api_error(exc) from None


def _as_api_error(exc: ValidationError) -> Exception:
    errors = [
        {
            "field": ".".join(str(part) for part in error["loc"]) or None,
            "type": error["type"],
            "message": error["msg"],
        }
        for error in exc.errors(include_input=False, include_url=False)
    ]
    if any(error["type"] == "json_invalid" for error in errors):
        return MalformedRequest("The request body is not valid JSON.", errors=errors)
    return ValidationFailed("The request does not match the expected schema.", errors=errors)
