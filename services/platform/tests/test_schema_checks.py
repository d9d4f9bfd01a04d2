"""The quick contract checks answer as jsonschema does, on every contract we have."""

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mercado_platform.messaging.schema_checks import compile_check

from .shop.app import SPEC

# a value matching each pattern the contracts use: a new pattern needs one here
MATCHING = {"^[0-9]+(\\.[0-9]{1,4})?$": "12.5", "^[a-z]{3}$": "brl"}
# wrong types, edge numbers and near misses of the patterns (re.search's $ before a "\n")
ODD: list[Any] = [None, True, False, 0, -1, 1, 1.0, 1.5, "", "x", "BRL", "br", "brl\n", "12.5\n"]
ODD += ["12.34567", "1.", "-3", [], [None], {}, {"a": 1}]


def sample(schema: dict[str, Any]) -> Any:
    """A valid instance of `schema`, with every property it names."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema["type"] if isinstance(schema["type"], str) else schema["type"][0]
    if kind == "object":
        return {name: sample(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        item = sample(schema["items"]) if "items" in schema else "any"
        return [item] * max(1, schema.get("minItems", 0))
    if kind == "string":
        if "pattern" in schema:
            return MATCHING[schema["pattern"]]
        return "s" * max(1, schema.get("minLength", 0))
    return {"integer": max(1, schema.get("minimum", 1)), "boolean": True}[kind]


def variants(value: Any) -> Iterator[Any]:
    """`value` with one part of it replaced, removed or added, at every depth."""
    yield from ODD
    if isinstance(value, dict):
        yield {**value, "unexpected": 1}
        for key in value:
            yield {name: item for name, item in value.items() if name != key}
            for changed in variants(value[key]):
                yield {**value, key: changed}
    if isinstance(value, list) and value:
        yield []
        yield [*value, *value]
        for changed in variants(value[0]):
            yield [changed, *value[1:]]


@pytest.mark.parametrize("contract", list(SPEC.contracts), ids=lambda c: f"{c.type}.v{c.version}")
def test_the_quick_check_agrees_with_jsonschema(contract):
    quick = compile_check(contract.schema)
    assert quick is not None, "every contract of ours is in the quick checks' subset"
    judge = Draft202012Validator(contract.schema)
    valid = sample(contract.schema)
    assert judge.is_valid(valid) and quick(valid)
    disagreements = [v for v in variants(valid) if quick(v) != judge.is_valid(v)]
    assert disagreements == []


def test_more_than_the_subset_is_left_to_jsonschema():
    assert compile_check({"type": "string", "maxLength": 3}) is not None
    assert compile_check({"type": "object", "patternProperties": {"^x": {}}}) is None
    assert compile_check({"type": "object", "properties": {"a": {"const": 1}}}) is None
    assert compile_check({"enum": [1, True]}) is None
    assert compile_check({"type": "date"}) is None


def test_integers_and_numbers_are_told_apart_from_booleans():
    check = compile_check({"type": "integer", "minimum": 1})
    assert check is not None
    answers = [check(value) for value in (1, 2.0, 2.5, True, "1", 0)]
    assert answers == [True, True, False, False, False, False]
