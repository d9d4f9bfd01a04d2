"""An OpenAPI 3.1 document built from the app's routes: the models `@validate` checks, the
scopes `@requires` asks for and the answers `@answers` declares. Every schema is what the
validation enforces, every status a route can answer is listed (the fuzzing suite fails on
any other)."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, Response, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from mercado_platform.errors import ApiError, DomainErrors, ErrorAnswer
from mercado_platform.validation import NO_NUL, RFC3339

F = TypeVar("F", bound=Callable[..., Any])
Raised = type[Exception] | tuple[type[ApiError], str]
"""An error class a route raises, or an ApiError class with the code the route gives it."""
_PARAM = re.compile(r"<(?:(?P<converter>[^:<>]+):)?(?P<name>[^<>]+)>")
_TEXT = {"type": "string", "pattern": NO_NUL}
_PARAM_TYPES = {
    "int": {"type": "integer", "minimum": 0},
    "uuid": {"type": "string", "format": "uuid"},
    "id": {"type": "string", "format": "uuid"},
}
_REF = "#/components/schemas/{model}"
_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem: `code` is stable, `detail` is for people.",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "description": "Stable, machine-readable error code."},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": ["string", "null"]},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Answers:
    """What a route answers: its success status and body, and the errors it may raise."""

    status: int = 200
    raises: tuple["Raised", ...] = ()
    schema: type[BaseModel] | None = None
    content: str | None = "application/json"
    example: Any = None
    request_example: Any = None
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Target operationId -> its parameters, as runtime expressions on this answer."""
    database: bool = True
    """False for routes that answer without the database (no 503 `database_unavailable`)."""
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Request headers the route reads -> their schema (`required` inside when it is)."""
    also: tuple[int, ...] = ()
    """Other statuses answered with the success body's shape (readiness' 503)."""


def answers(status: int = 200, *raises: Raised, **details: Any) -> Callable[[F], F]:
    """Declare a route's success status and the error classes it may raise (their statuses
    come from the service's error map, or the ApiError's own); see `Answers` for details."""
    declared = Answers(status, raises, **details)

    def decorate(view: F) -> F:
        view.__mercado_answers__ = declared  # type: ignore[attr-defined]
        return view

    return decorate


class ExactSchema(GenerateJsonSchema):
    """pydantic's JSON Schema, made to say exactly what validation.py accepts."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        """Text: no NUL where no pattern of its own says more."""
        json_schema = super().str_schema(schema)
        if "pattern" not in json_schema and "format" not in json_schema:
            json_schema["pattern"] = NO_NUL
        return json_schema

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> JsonSchemaValue:
        """Date-times: RFC 3339 as validation.py reads them."""
        return {**super().datetime_schema(schema), "pattern": RFC3339}

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        """No `default: null` where null is refused: leaving the field out is not null."""
        json_schema = super().default_schema(schema)
        if json_schema.get("default", ...) is None and schema["schema"]["type"] != "nullable":
            del json_schema["default"]
        return json_schema

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        """Decimals: JSON numbers, their places as multipleOf, their digits as bounds."""
        places, digits = schema.get("decimal_places"), schema.get("max_digits")
        json_schema: dict[str, Any] = {"type": "number"}
        if places is not None:
            json_schema["multipleOf"] = 10.0**-places if places else 1
        if digits is not None:
            if places is None:
                raise ValueError("a decimal with max_digits needs decimal_places to be exact")
            largest = float(10 ** (digits - places)) - (10.0**-places if places else 1)
            json_schema["maximum"], json_schema["minimum"] = largest, -largest
        for bound, keyword in (
            ("gt", "exclusiveMinimum"),
            ("ge", "minimum"),
            ("lt", "exclusiveMaximum"),
            ("le", "maximum"),
        ):
            if schema.get(bound) is None:
                continue
            limit = float(schema[bound])  # type: ignore[literal-required]
            if keyword.startswith("exclusive"):  # it replaces the digits' inclusive bound
                json_schema.pop(keyword.replace("exclusiveM", "m"), None)
            elif keyword in json_schema:  # the tighter of the bound and the digits'
                limit = (max if keyword == "minimum" else min)(limit, json_schema[keyword])
            json_schema[keyword] = limit
        return json_schema


def init_openapi(app: Flask, *, title: str, version: str, errors: DomainErrors) -> None:
    """Serve the app's OpenAPI document at `/openapi.json`."""
    app.extensions["mercado.openapi"] = {
        "title": title,
        "version": version,
        "errors": errors,
        "document": None,
    }
    app.add_url_rule("/openapi.json", "openapi", _serve)


@answers(database=False)
def _serve() -> Response:
    """This OpenAPI document."""
    state = current_app.extensions["mercado.openapi"]
    if state["document"] is None:
        state["document"] = build_document(
            current_app, state["title"], state["version"], state["errors"]
        )
    return jsonify(state["document"])


def build_document(
    app: Flask, title: str, version: str, errors: DomainErrors | None = None
) -> dict[str, Any]:
    """Describe every route of `app`: methods, parameters, bodies, answers, auth."""
    builder = _Builder(errors or {})
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        path = _PARAM.sub(lambda m: "{" + m["name"] + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = builder.operation(
                view, rule.endpoint, rule.rule
            )
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": {"Problem": _PROBLEM_SCHEMA, **builder.schemas},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


class _Builder:
    """Operations, and the component schemas they refer to."""

    def __init__(self, errors: DomainErrors) -> None:
        self.errors = errors
        self.schemas: dict[str, Any] = {}

    def operation(self, view: Any, endpoint: str, rule: str) -> dict[str, Any]:
        """One operation of the document."""
        api = getattr(view, "__mercado_api__", {})
        auth = getattr(view, "__mercado_auth__", None)
        declared: Answers = getattr(view, "__mercado_answers__", None) or Answers()
        path_parameters = _path_parameters(rule)
        operation: dict[str, Any] = {
            "operationId": endpoint,
            "summary": (view.__doc__ or endpoint).strip().splitlines()[0],
            "parameters": path_parameters
            + self._query_parameters(api.get("query"))
            + _header_parameters(declared.headers),
            "responses": self._responses(declared, api, auth, bool(path_parameters)),
            "security": [{"bearer": list(auth["scopes"])}] if auth is not None else [],
        }
        if api.get("body") is not None:
            media: dict[str, Any] = {"schema": self._register(api["body"])}
            if declared.request_example is not None:
                media["example"] = declared.request_example
            operation["requestBody"] = {"required": True, "content": {"application/json": media}}
        return operation

    def _responses(
        self, declared: Answers, api: dict[str, Any], auth: Any, has_path: bool
    ) -> dict[str, Any]:
        codes: dict[int, set[str]] = {}

        def add(status: int, *names: str) -> None:
            codes.setdefault(status, set()).update(names)

        if api.get("body") is not None:
            add(400, "malformed_request")
            add(413, "request_entity_too_large")
            add(415, "unsupported_media_type")
            add(422, "validation_failed")
        if api.get("query") is not None:
            add(422, "validation_failed")
        if has_path:
            add(400, "nul_character")
        if auth is not None:
            add(401, "unauthorized", "invalid_token", "token_expired", "unknown_key")
            add(403, "insufficient_scope")
            add(503, "auth_unavailable")
        if declared.database:
            add(503, "database_unavailable")
        for raised in declared.raises:
            kind, code = raised if isinstance(raised, tuple) else (raised, raised.code)  # type: ignore[attr-defined]
            add(self._status_of(kind), code)
        responses = {
            str(status): self._success(declared) for status in (declared.status, *declared.also)
        }
        for status in sorted(codes):
            named = ", ".join(sorted(codes[status]))
            responses[str(status)] = {
                "description": f"{_REASONS.get(status, 'Error')}: {named}.",
                "content": {"application/problem+json": {"schema": _PROBLEM}},
            }
        return responses

    def _success(self, declared: Answers) -> dict[str, Any]:
        answer: dict[str, Any] = {"description": "Success."}
        if declared.status != 204 and declared.content is not None:
            if declared.schema is not None:
                schema: dict[str, Any] = self._register(declared.schema)
            elif declared.content == "application/json":
                schema = {"type": "object"}
            else:
                schema = {"type": "string"}
            media: dict[str, Any] = {"schema": schema}
            if declared.example is not None:
                media["example"] = declared.example
            answer["content"] = {declared.content: media}
        if declared.links:
            answer["links"] = {
                target: {"operationId": target, "parameters": dict(parameters)}
                for target, parameters in declared.links.items()
            }
        return answer

    def _status_of(self, kind: type[Exception]) -> int:
        """The status the service answers `kind` with: its nearest class in the error map,
        or the ApiError's own."""
        for cls in kind.__mro__:
            answer = self.errors.get(cls)
            if answer is not None:
                return answer.status if isinstance(answer, ErrorAnswer) else answer
        if issubclass(kind, ApiError):
            return kind.status
        raise LookupError(f"{kind.__name__} has no answer in the service's error map")

    def _query_parameters(self, model: type[BaseModel] | None) -> list[dict[str, Any]]:
        if model is None:
            return []
        schema = model.model_json_schema(ref_template=_REF, schema_generator=ExactSchema)
        self.schemas.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        return [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": _absent_not_null(prop),
            }
            for name, prop in schema.get("properties", {}).items()
        ]

    def _register(self, model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=_REF, schema_generator=ExactSchema)
        self.schemas.update(schema.pop("$defs", {}))
        self.schemas[model.__name__] = schema
        return {"$ref": _REF.format(model=model.__name__)}


def _absent_not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema: a query string has no null, only absent parameters."""
    schema = {key: value for key, value in schema.items() if key != "title"}
    if schema.get("default", ...) is None:
        del schema["default"]
    branches = [branch for branch in schema.get("anyOf", []) if branch != {"type": "null"}]
    if "anyOf" in schema and len(branches) == 1:
        del schema["anyOf"]
        schema = {**branches[0], **schema}
    return schema


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    return [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": _PARAM_TYPES.get(match["converter"] or "", _TEXT),
        }
        for match in _PARAM.finditer(rule)
    ]


def _header_parameters(headers: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "header",
            "required": bool(schema.get("required")),
            "schema": {key: value for key, value in schema.items() if key != "required"},
        }
        for name, schema in headers.items()
    ]
