"""An OpenAPI 3.1 document built from the app's routes and their pydantic models."""

import re
from typing import Any

from flask import Flask, Response, current_app, jsonify
from pydantic import BaseModel

_PARAM = re.compile(r"<(?:(?P<converter>[^:<>]+):)?(?P<name>[^<>]+)>")
_PARAM_TYPES = {
    "int": {"type": "integer"},
    "uuid": {"type": "string", "format": "uuid"},
    "id": {"type": "string", "format": "uuid"},
}
_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable, machine-readable error code."},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def init_openapi(app: Flask, *, title: str, version: str) -> None:
    """Serve the app's OpenAPI document at `/openapi.json`."""
    app.extensions["mercado.openapi"] = {"title": title, "version": version, "document": None}
    app.add_url_rule("/openapi.json", "openapi", _serve)


def _serve() -> Response:
    state = current_app.extensions["mercado.openapi"]
    if state["document"] is None:
        state["document"] = build_document(current_app, state["title"], state["version"])
    return jsonify(state["document"])


def build_document(app: Flask, title: str, version: str) -> dict[str, Any]:
    """Describe every route of `app`: methods, path parameters, bodies, queries, auth."""
    schemas: dict[str, Any] = {"Problem": _PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        path = _PARAM.sub(lambda m: "{" + m["name"] + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = _operation(view, rule.endpoint, rule.rule, schemas)
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _operation(view: Any, endpoint: str, rule: str, schemas: dict[str, Any]) -> dict[str, Any]:
    api = getattr(view, "__mercado_api__", {})
    auth = getattr(view, "__mercado_auth__", None)
    operation: dict[str, Any] = {
        "operationId": endpoint,
        "summary": (view.__doc__ or endpoint).strip().splitlines()[0],
        "parameters": _path_parameters(rule) + _query_parameters(api.get("query")),
        "responses": {
            "200": {"description": "Success."},
            "4XX": {
                "description": "Client error.",
                "content": {"application/problem+json": {"schema": _PROBLEM}},
            },
        },
    }
    if api.get("body") is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _register(api["body"], schemas)}},
        }
    if auth is not None:
        operation["security"] = [{"bearer": list(auth["scopes"])}]
    return operation


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    return [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": _PARAM_TYPES.get(match["converter"] or "", {"type": "string"}),
        }
        for match in _PARAM.finditer(rule)
    ]


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _register(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}
