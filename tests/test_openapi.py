"""Every service's OpenAPI document is valid OpenAPI 3.1 and says what the routes do: each
operation its security and its answers (problem+json for every error status), every domain
error of the service answered by some route, the seed's example on `POST /api/orders`."""

import json
from typing import Any

import jsonschema_rs
import pytest
from openapi_spec_validator import validate

from mercado_orders.entrypoints.schemas import PLACE_ORDER_EXAMPLE, PLACED_EXAMPLE, PlaceOrderBody
from mercado_platform.openapi import Answers
from mercado_platform.service import create_app

from .contracts import SERVICES

UNREACHABLE = {
    "database_url": "postgresql://openapi@127.0.0.1:1/openapi",
    "amqp_url": "amqp://openapi:openapi@127.0.0.1:1/",
}


def app_of(spec: Any):
    return create_app(spec, spec.settings_class(**UNREACHABLE))


def document_of(spec: Any) -> dict[str, Any]:
    return app_of(spec).test_client().get("/openapi.json").get_json()


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_the_document_is_valid_openapi_3_1(spec):
    document = document_of(spec)
    assert document["openapi"] == "3.1.0"
    validate(document)


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_every_operation_states_its_security_and_every_answer(spec):
    for name, operation in operations(document_of(spec)).items():
        assert "security" in operation, name
        statuses = [int(status) for status in operation["responses"]]
        assert [s for s in statuses if s < 400], f"{name} declares no success"
        # readiness answers its 503 with the checks that failed, as probes read it
        errors = [s for s in statuses if s >= 400 and (name, s) != ("GET /readyz", 503)]
        for status in errors:
            content = operation["responses"][str(status)]["content"]
            assert content == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, f"{name} {status}"
        if operation["security"]:
            assert {401, 403} <= set(statuses), name
        if "requestBody" in operation:
            assert {400, 415, 422} <= set(statuses), name


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_every_domain_error_is_answered_by_a_route_that_declares_it(spec):
    app = app_of(spec)
    declared: set[type] = set()
    for view in app.view_functions.values():
        answers: Answers | None = getattr(view, "__mercado_answers__", None)
        declared |= (
            {raised for raised in answers.raises if isinstance(raised, type)} if answers else set()
        )
    mapped = set(spec.errors)
    # a base class answers for its subclasses: it is declared when one of them is
    bases = {
        kind for kind in mapped if any(issubclass(d, kind) and d is not kind for d in declared)
    }
    assert sorted(k.__name__ for k in mapped - declared - bases) == []


def test_placing_an_order_shows_seed_001_as_its_example():
    document = document_of(next(spec for spec in SERVICES if spec.name == "orders"))
    place = document["paths"]["/api/orders"]["post"]
    request = place["requestBody"]["content"]["application/json"]
    answer = place["responses"]["200"]["content"]["application/json"]
    assert request["example"] == PLACE_ORDER_EXAMPLE and answer["example"] == PLACED_EXAMPLE
    schemas = document["components"]["schemas"]
    resolver = {"components": {"schemas": schemas}}
    # jsonschema-rs (schemathesis' validator) reads multipleOf exactly, not in binary floats
    examples = ((PLACE_ORDER_EXAMPLE, request["schema"]), (PLACED_EXAMPLE, answer["schema"]))
    for example, schema in examples:
        jsonschema_rs.validator_for({**schema, **resolver}).validate(example)
    assert PlaceOrderBody.model_validate_json(json.dumps(PLACE_ORDER_EXAMPLE))
