"""Ids: every entity's id is a UUID, carried everywhere as its canonical lower-case text."""

import uuid

from flask import Flask
from werkzeug.routing import BaseConverter


def new_id() -> str:
    """A new random id."""
    return str(uuid.uuid4())


def canonical_id(value: object) -> str | None:
    """`value` as a canonical id (lower-case UUID text), or None if it is not one."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


class IdConverter(BaseConverter):
    """`<id:name>` in a route: an id, given to the view canonical. Anything else is given as
    it came, to be found nowhere, so the view answers with its own not-found code; except a
    word of lower-case letters (`me`, `stuck`, `webhook`): the API's own words are never ids,
    so only the routes that name them match there, and a method they lack is a 405 whose
    `Allow` lists their methods alone."""

    regex = r"(?![a-z]+$)[^/]+"

    def to_python(self, value: str) -> str:
        """The canonical id, or the segment unchanged when it is not one."""
        return canonical_id(value) or value


def init_ids(app: Flask) -> None:
    """Let the app's routes take `<id:...>` parameters."""
    app.url_map.converters["id"] = IdConverter
