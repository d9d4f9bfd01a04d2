"""Selecting a table's columns and building one domain object from each row."""

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Row, Select, Table, select


class As:
    """The columns of `table` (all, or those named), each row built into `factory(**columns)`."""

    def __init__(self, factory: Callable[..., Any], table: Table, *names: str) -> None:
        self.columns = [table.c[name] for name in names] if names else list(table.c)
        self.factory = factory

    def select(self) -> Select[Any]:
        """A SELECT of the columns, for callers to filter and order."""
        return select(*self.columns)

    def all(self, rows: Iterable[Row[Any]]) -> list[Any]:
        """The objects of every row, in order."""
        return [self.factory(**row._mapping) for row in rows]
