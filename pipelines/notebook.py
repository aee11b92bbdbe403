"""The notebooks' one way into the published warehouse, and the publication rules they apply.

Every call opens a fresh read-only connection to `$ANNEX_WAREHOUSE_DIR/coop.duckdb` (through
`read_publication`), reads what it needs into a pandas DataFrame and closes the connection: a
notebook left open for days never holds the file, never blocks the nightly build, and sees the
newest publication on its next query.

    from pipelines import notebook as nb
    flows = nb.query("from annex.membership_flows order by year")
    nb.figures(2024, prefix="p1.")

The publication rules of the annex apply to what the notebooks show as well:
- `suppress_small` blanks the cells of a breakdown that cover fewer than `MIN_CELL` people, and
  the next-smallest cell of the same group when a single suppressed cell could be recomputed
  from the group's (published) total;
- `mask_small_groups` blanks every statistic of a group of fewer than `MIN_CELL` responses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from pipelines.lib.config import Settings
from pipelines.lib.warehouse import read_publication

# Smallest number of people (or survey responses) a published cell may cover.
MIN_CELL = 10

NOT_PUBLISHED = "table not yet published"

Params = Sequence[object] | Mapping[str, object] | None


def publication_path() -> Path:
    """The published warehouse the notebooks read (honours ANNEX_WAREHOUSE_DIR)."""
    return Settings.from_env().publication_path


def query(sql: str, params: Params = None) -> pd.DataFrame:
    """Run one query on the publication, through a read-only connection closed on return.

    `params` are DuckDB parameters: a list for `?` placeholders or a dict for `$name` ones.
    """
    with read_publication(Settings.from_env()) as con:
        return con.execute(sql, params).df()


def published_tables(schema: str | None = None) -> pd.DataFrame:
    """Every published table (optionally of one schema), its size and its description."""
    return query(
        "select schema_name as schema, table_name as table, estimated_size as rows, "
        "comment as description from duckdb_tables() "
        "where $schema is null or schema_name = $schema order by all",
        {"schema": schema},
    )


def table_exists(table: str) -> bool:
    """True when `schema.table` is in the publication."""
    schema, _, name = table.partition(".")
    found = query(
        "select count(*) as n from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, name],
    )
    return bool(found["n"].iloc[0])


def columns(table: str) -> pd.DataFrame:
    """The columns of a published `schema.table`, their types and their documentation."""
    schema, _, name = table.partition(".")
    return query(
        "select column_name as column, data_type as type, comment as description "
        "from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    )


def read_table(table: str, *, order_by: str | None = None) -> pd.DataFrame | None:
    """The whole of a published `schema.table`; None, with a printed notice, when it is absent.

    Sections still being built are not in every publication: a notebook reads them with this
    and skips the charts that need them, rather than failing.
    """
    if not table_exists(table):
        print(f"{table}: {NOT_PUBLISHED} (rebuild with `annex build` once it exists).")
        return None
    order = f" order by {order_by}" if order_by else ""
    return query(f"from {table}{order}")


def figures(year: int | None = None, prefix: str | None = None) -> pd.DataFrame:
    """The published figures (annex.figures), optionally of one year and/or an id prefix."""
    return query(
        "select year, figure_id, value, value_text, qualifier, unit, label_nl, label_fr, "
        "source, note from annex.figures "
        "where ($year is null or year = $year) "
        "and ($prefix is null or starts_with(figure_id, $prefix)) "
        "order by year, figure_id",
        {"year": year, "prefix": prefix},
    )


def suppress_small(
    frame: pd.DataFrame,
    count: str,
    *,
    by: str | Iterable[str] | None = None,
    threshold: int = MIN_CELL,
    others: Iterable[str] = (),
) -> pd.DataFrame:
    """Blank the cells of a breakdown that cover fewer than `threshold` people.

    `count` holds the people of each cell; `by` names the columns of a group whose cells add up
    to a published total (e.g. the assembly, for a breakdown of its voters by channel). When a
    group has exactly one suppressed cell, its next-smallest cell is suppressed too, so that the
    first cannot be recomputed from the total. `others` are further columns derived from the
    count (shares, rates), blanked along with it. Returns a copy with a boolean `suppressed`
    column; suppressed counts are <NA>.
    """
    out = frame.copy()
    small = out[count].fillna(0) < threshold
    if by is not None:
        keys = [by] if isinstance(by, str) else list(by)
        for _, group in out.groupby(keys, dropna=False, sort=False):
            hidden = small.loc[group.index]
            if hidden.sum() == 1 and len(group) > 1:
                shown = group.loc[~hidden, count]
                small.loc[shown.idxmin()] = True
    out["suppressed"] = small
    out[count] = out[count].astype("Int64").mask(small)
    for column in others:
        out[column] = out[column].astype("Float64").mask(small)
    return out


def mask_small_groups(
    frame: pd.DataFrame, size: str, statistics: Iterable[str], *, threshold: int = MIN_CELL
) -> pd.DataFrame:
    """Blank every statistic of a group of fewer than `threshold` responses (its `size`)."""
    out = frame.copy()
    small = out[size].fillna(0) < threshold
    for column in statistics:
        out[column] = out[column].mask(small)
    out["suppressed"] = small
    return out
