"""What the benchmark's orders asked of PostgreSQL: statements (and how many were only
BEGIN/COMMIT/ROLLBACK) and execution time per accepted order, by service database, from
pg_stat_statements, from the orders phase's start until its work is done."""

from collections import Counter
from dataclasses import dataclass

from mercado_local.invariants import rows

# Given to the private PostgreSQL server: pg_stat_statements must be loaded at start.
SETTINGS = {"shared_preload_libraries": "pg_stat_statements"}
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")
_READ = """
SELECT d.datname, s.calls, s.total_exec_time, regexp_replace(s.query, '\\s+', ' ', 'g')
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname LIKE %s
"""


@dataclass(frozen=True)
class Statement:
    """One normalised statement of one database, with its counts."""

    database: str
    calls: int
    milliseconds: float
    text: str


def reset(admin_url: str) -> None:
    """Start counting from now."""
    rows(admin_url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    rows(admin_url, "SELECT pg_stat_statements_reset()")


def statements(admin_url: str, prefix: str) -> list[Statement]:
    """Every statement run in the databases named `prefix`..., most often run first."""
    read = rows(admin_url, _READ, (prefix.replace("_", "\\_") + "%",))
    found = [Statement(db.removeprefix(prefix), calls, ms, text) for db, calls, ms, text in read]
    return sorted(found, key=lambda statement: -statement.calls)


def sql_rows(found: list[Statement], orders: int) -> list[tuple[str, str]]:
    """Table rows: statements and execution time per accepted order, by database."""
    if not orders:
        return [("SQL statements per accepted order", "n/a")]
    calls: Counter = Counter()
    for statement in found:
        calls[statement.database] += statement.calls
    control = sum(s.calls for s in found if s.text.upper() in TRANSACTION_CONTROL)
    by_database = ", ".join(f"{db} {n / orders:.1f}" for db, n in calls.most_common())
    executing = sum(statement.milliseconds for statement in found) / orders
    return [
        (
            "SQL statements per accepted order",
            f"{calls.total() / orders:.1f} ({control / orders:.1f} BEGIN/COMMIT/ROLLBACK): "
            + by_database,
        ),
        ("SQL execution time per accepted order", f"{executing:.1f} ms"),
    ]


def top(found: list[Statement], orders: int, count: int) -> str:
    """The `count` statements run most per accepted order, one line each."""
    lines = [f"{'per order':>9} {'ms':>5}  database  statement"]
    for s in found[:count]:
        lines.append(
            f"{s.calls / orders:9.2f} {s.milliseconds / orders:5.2f}  {s.database:9} {s.text[:110]}"
        )
    return "\n".join(lines)
