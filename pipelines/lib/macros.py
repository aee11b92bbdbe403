"""The project's DuckDB macros (`sql/macros/*.sql`), for any connection that needs them."""

from __future__ import annotations

import functools

import duckdb

from pipelines.lib.config import SQL_DIR

MACROS_DIR = SQL_DIR / "macros"


def load_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create every macro of `sql/macros` on `con` (in file name order)."""
    for path in sorted(MACROS_DIR.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))


@functools.cache
def min_cell() -> int:
    """The smallest number of people (or responses) a published cell may cover."""
    with duckdb.connect() as con:
        load_macros(con)
        return int(con.execute("select min_cell()").fetchone()[0])


def suppressed(counts: list[float | None]) -> list[bool]:
    """Which of `counts` the small-cell rule withholds (`suppress_small` gives NULL)."""
    with duckdb.connect() as con:
        load_macros(con)
        found = con.execute(
            "select list_transform(?::double[], lambda n: suppress_small(n) is null)", [counts]
        ).fetchone()[0]
    return list(found)
