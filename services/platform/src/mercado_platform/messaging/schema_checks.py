"""A quick yes or no for the part of JSON Schema our event contracts use.

`jsonschema` interprets a schema afresh for every instance, on every event a service
publishes or consumes. These checks are plain functions built once per contract. They
answer exactly as `jsonschema` does on the keywords below (a test compares the two on
every contract); `Contracts.check` still asks `jsonschema` to say why an event fails, and
to judge alone any contract that uses a keyword not listed here.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]
# annotations: without a format checker jsonschema asserts none of them
ANNOTATIONS = frozenset({"description", "title", "format", "examples", "$comment"})


class Unsupported(Exception):
    """The schema uses something these checks do not know."""


def compile_check(schema: Any) -> Check | None:
    """A function telling whether an instance is valid against `schema`; None when the
    schema goes beyond this subset."""
    try:
        return _compile(schema)
    except Unsupported:
        return None


def _compile(schema: Any) -> Check:
    if not isinstance(schema, Mapping) or not set(schema) <= KEYWORDS.keys() | ANNOTATIONS:
        raise Unsupported(schema)
    checks = [KEYWORDS[word](value, schema) for word, value in schema.items() if word in KEYWORDS]
    checks = [check for check in checks if check is not None]
    if len(checks) == 1:
        return checks[0]
    return lambda instance: all(check(instance) for check in checks)


def _is_integer(value: Any) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


TYPES: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def _type(names: Any, _schema: Mapping[str, Any]) -> Check:
    names = [names] if isinstance(names, str) else names
    if not names or any(name not in TYPES for name in names):
        raise Unsupported(names)
    if len(names) == 1:
        return TYPES[names[0]]
    checks = [TYPES[name] for name in names]
    return lambda value: any(check(value) for check in checks)


def _required(names: list[str], _schema: Mapping[str, Any]) -> Check:
    return lambda value: not isinstance(value, dict) or all(name in value for name in names)


def _properties(properties: Mapping[str, Any], _schema: Mapping[str, Any]) -> Check:
    checks = [(name, _compile(sub)) for name, sub in properties.items()]
    return lambda value: (
        not isinstance(value, dict)
        or all(check(value[name]) for name, check in checks if name in value)
    )


def _additional_properties(allowed: Any, schema: Mapping[str, Any]) -> Check | None:
    if allowed is True:
        return None
    if allowed is not False:
        raise Unsupported(allowed)
    named = frozenset(schema.get("properties", {}))
    return lambda value: not isinstance(value, dict) or value.keys() <= named


def _items(items: Any, _schema: Mapping[str, Any]) -> Check:
    check = _compile(items)
    return lambda value: not isinstance(value, list) or all(check(item) for item in value)


def _min_items(least: int, _schema: Mapping[str, Any]) -> Check:
    return lambda value: not isinstance(value, list) or len(value) >= least


def _min_length(least: int, _schema: Mapping[str, Any]) -> Check:
    return lambda value: not isinstance(value, str) or len(value) >= least


def _max_length(most: int, _schema: Mapping[str, Any]) -> Check:
    return lambda value: not isinstance(value, str) or len(value) <= most


def _pattern(pattern: str, _schema: Mapping[str, Any]) -> Check:
    search = re.compile(pattern).search
    return lambda value: not isinstance(value, str) or search(value) is not None


def _minimum(least: float, _schema: Mapping[str, Any]) -> Check:
    return lambda value: not _is_number(value) or value >= least


def _enum(values: list[Any], _schema: Mapping[str, Any]) -> Check:
    if not all(isinstance(value, str) for value in values):
        raise Unsupported(values)  # JSON equality of numbers and booleans is jsonschema's
    allowed = frozenset(values)
    return lambda value: isinstance(value, str) and value in allowed


KEYWORDS: dict[str, Callable[[Any, Mapping[str, Any]], Check | None]] = {
    "type": _type,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional_properties,
    "items": _items,
    "minItems": _min_items,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "minimum": _minimum,
    "enum": _enum,
}
