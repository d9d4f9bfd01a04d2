"""Request validation with pydantic: malformed input is a 400/415/422, never a 500. What is
accepted is exactly what the OpenAPI document (openapi.py) says: values are taken as sent
(no stripping, no coercion), and the few rules JSON Schema and pydantic read differently
are settled here, once, for every model."""

import json
import re
import types
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import wraps
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from flask import Flask, request
from pydantic import BaseModel, ConfigDict, RootModel, ValidationError

from mercado_platform.errors import MalformedRequest, UnsupportedMediaType, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])
NUL = "\x00"
NO_NUL = r"^[^\x00]*$"
"""What every text without a pattern of its own matches: PostgreSQL cannot store U+0000."""
RFC3339 = (
    r"^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$"
)
"""A date-time as RFC 3339 writes it (upper-case T and Z, at most microseconds, no leap
second, offsets within PostgreSQL's ±15:59): what pydantic, a JSON Schema `date-time` and
the database all accept."""
_QUERY_INTEGER = re.compile(r"^-?[0-9]{1,18}$")


def _kinds(annotation: Any) -> set[Any]:
    """The types a field's annotation admits (through Optional, unions and Annotated)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in get_args(annotation)))
    return {annotation}


class ApiModel(BaseModel):
    """Base for request bodies: unknown fields are refused, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryModel(BaseModel):
    """Base for query strings: each value is read as its field's type says (integers as
    digits, booleans as true/false), then checked like a body."""

    model_config = ConfigDict(extra="forbid", strict=True)


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
    try:
        data = json.loads(raw)
    except ValueError:
        data = None  # pydantic names what is wrong with it
    return _validated(model, raw, data, body=True)


def parse_query(model: type[M]) -> M:
    """Validate the query string against `model`; repeated keys become lists."""
    args = {
        key: [_query_value(model, key, value) for value in values]
        for key, values in request.args.lists()
    }
    data = {key: values if len(values) > 1 else values[0] for key, values in args.items()}
    return parse_values(model, data)


def parse_values(model: type[M], values: dict[str, Any]) -> M:
    """Validate values already read (a query string's, converted; a gRPC message's fields)
    against `model`: one validation for both. Decimals may be text here, as a query
    string and a proto `string` carry them."""
    return _validated(model, None, values, body=False)


def _validated(model: type[M], raw: bytes | None, data: Any, *, body: bool) -> M:
    """`model` from the JSON `data` (or `raw`, when it is not JSON), after the rules that
    pydantic's strict mode reads otherwise than JSON Schema."""
    errors: list[dict[str, Any]] = []
    text: bytes | str | None = raw
    if data is not None:
        normalised = _as_json_schema_reads(model, data, (), errors, body=body)
        if raw is None or _dump(normalised) != _dump(data):
            text = _dump(normalised)
    if errors:
        raise ValidationFailed("The request does not match the expected schema.", errors=errors)
    try:
        return model.model_validate_json(text or b"")
    except ValidationError as exc:
        raise _as_api_error(exc) from None


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _as_json_schema_reads(
    annotation: Any, value: Any, loc: tuple[Any, ...], errors: list[dict[str, Any]], *, body: bool
) -> Any:
    """`value` checked and normalised where JSON Schema and pydantic read it differently:
    no NUL in text (PostgreSQL refuses it), 3.0 is an integer, date-times are RFC 3339 and,
    in a body, decimals are JSON numbers (a string has no exact schema)."""
    kinds = _kinds(annotation)
    roots = [kind for kind in kinds if isinstance(kind, type) and issubclass(kind, RootModel)]
    if roots:
        inner = roots[0].model_fields["root"].annotation
        return _as_json_schema_reads(inner, value, loc, errors, body=body)
    if isinstance(value, dict):
        fields = _fields_for(kinds, value)
        return {
            key: _as_json_schema_reads(
                fields[key].annotation if key in fields else Any,
                item,
                (*loc, key),
                errors,
                body=body,
            )
            if _text_ok(key, (*loc, key), errors)
            else item
            for key, item in value.items()
        }
    if isinstance(value, list):
        items = [get_args(kind)[0] for kind in kinds if get_origin(kind) in (list, tuple)]
        inner = items[0] if items else Any
        return [
            _as_json_schema_reads(inner, item, (*loc, index), errors, body=body)
            for index, item in enumerate(value)
        ]
    if isinstance(value, str) and _text_ok(value, loc, errors):
        _check_text(kinds, value, loc, errors, body=body)
    if isinstance(value, float) and int in kinds and value.is_integer():
        return int(value)
    return value


def _fields_for(kinds: set[Any], value: dict[str, Any]) -> dict[str, Any]:
    """The fields of the model (of those `kinds` admit) that an object's keys fit."""
    models = [kind for kind in kinds if isinstance(kind, type) and issubclass(kind, BaseModel)]
    fitting = [model for model in models if set(value) <= set(model.model_fields)]
    return (fitting or models or [BaseModel])[0].model_fields


def _check_text(
    kinds: set[Any], value: str, loc: tuple[Any, ...], errors: list[dict[str, Any]], *, body: bool
) -> None:
    if datetime in kinds and not re.fullmatch(RFC3339, value):
        message = "Write an RFC 3339 date-time, e.g. 2024-05-01T12:00:00Z"
        errors.append(_error(loc, "datetime_format", message))
    if body and Decimal in kinds:
        errors.append(_error(loc, "decimal_type", "Send the amount as a JSON number, e.g. 19.99"))


def _text_ok(text: Any, loc: tuple[Any, ...], errors: list[dict[str, Any]]) -> bool:
    if isinstance(text, str) and NUL in text:
        errors.append(_error(loc, "string_nul", "Text must not contain NUL (U+0000) characters"))
        return False
    return True


def _error(loc: tuple[Any, ...], kind: str, message: str) -> dict[str, Any]:
    return {"field": ".".join(str(part) for part in loc) or None, "type": kind, "message": message}


def _query_value(model: type[BaseModel], key: str, text: str) -> Any:
    """`text` as the JSON value the field's type reads it as; as text when it is none."""
    field = model.model_fields.get(key)
    kinds = _kinds(field.annotation) if field else set()
    if int in kinds and _QUERY_INTEGER.fullmatch(text):
        return int(text)
    if bool in kinds and text in ("true", "false"):
        return text == "true"
    return text


def init_validation(app: Flask) -> None:
    """Refuse a NUL in the path before any view sees it (no id, name or code has one)."""

    @app.before_request
    def _refuse_nul_in_path() -> None:
        if NUL in request.path:
            raise MalformedRequest(
                "The path must not contain NUL (%00) characters.", code="nul_character"
            )


def _as_api_error(exc: ValidationError) -> Exception:
    errors = [
        _error(error["loc"], error["type"], error["msg"])
        for error in exc.errors(include_input=False, include_url=False)
    ]
    if any(error["type"] == "json_invalid" for error in errors):
        return MalformedRequest("The request body is not valid JSON.", errors=errors)
    return ValidationFailed("The request does not match the expected schema.", errors=errors)
