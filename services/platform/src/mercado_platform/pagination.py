"""Limit/offset pagination with a `next` link, the same on every list endpoint."""

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import request
from pydantic import Field
from sqlalchemy import Connection, Select

from mercado_platform.validation import QueryModel

MAX_LIMIT = 100
T = TypeVar("T")


class PageQuery(QueryModel):
    """`?limit=&offset=`; list endpoints extend it with their filters."""

    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


def fetch_page(
    session: Connection, statement: Select[Any], page: PageQuery, *, rows: bool = False
) -> tuple[list[Any], bool]:
    """Run an ordered `statement` for one page; also say whether a next page exists.
    Items are the first column of each row, or whole rows when `rows`."""
    limited = statement.limit(page.limit + 1).offset(page.offset)
    found = session.execute(limited).all() if rows else session.scalars(limited).all()
    return list(found[: page.limit]), len(found) > page.limit


def page_body(items: Sequence[Any], page: PageQuery, has_more: bool) -> dict[str, Any]:
    """The list response: items, the paging used, and the URL of the next page or null."""
    return {
        "items": list(items),
        "limit": page.limit,
        "offset": page.offset,
        "next": _link(offset=page.offset + page.limit) if has_more else None,
    }


def _link(**overrides: int) -> str:
    args = request.args.to_dict(flat=False)
    args.update({key: [str(value)] for key, value in overrides.items()})
    return f"{request.path}?{urlencode(args, doseq=True)}"
