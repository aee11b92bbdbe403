"""The one metadata helper: row counts, column schema and a preview for the Dagster UI."""

from __future__ import annotations

import dagster as dg
import duckdb


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    preview: bool = True,
    preview_rows: int = 10,
) -> dict[str, object]:
    """Metadata for a materialised table or view: its columns, row count and first rows.
    `preview=False` for tables holding personal data or member numbers (the run log keeps
    every preview). A view is counted too: DuckDB reads only what the count needs."""
    columns = con.execute(
        "select column_name, data_type, comment from duckdb_columns() "
        "where schema_name || '.' || table_name = ? order by column_index",
        [table],
    ).fetchall()
    metadata: dict[str, object] = {
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name, dtype, description=comment) for name, dtype, comment in columns
            ]
        ),
        "dagster/table_name": table,
    }
    rows = int(con.execute(f"select count(*) from {table}").fetchone()[0])
    metadata["dagster/row_count"] = rows
    if preview and rows:
        frame = con.execute(f"select * from {table} limit {preview_rows}").df()
        metadata["preview"] = dg.MetadataValue.md(frame.to_markdown(index=False))
    return metadata
