"""Selecting a table's columns as one domain object, so `session.scalars` yields objects."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Bundle


class As(Bundle):
    """The columns of `table` (all, or those named) built into `factory(**columns)`."""

    def __init__(self, factory: Callable[..., Any], table: Table, *names: str) -> None:
        columns = [table.c[name] for name in names] if names else list(table.c)
        super().__init__(table.name, *columns)
        self.factory = factory

    def create_row_processor(self, query: Any, procs: Any, labels: Any) -> Callable[..., Any]:
        """Build the domain object from each row instead of a named tuple."""

        def build(row: Any) -> Any:
            return self.factory(
                **{label: proc(row) for label, proc in zip(labels, procs, strict=True)}
            )

        return build
