"""What the definition modules share: asset keys mirror tables, and an export's report.
The SQL models and their checks are made by pipelines/lib/models.py."""

from __future__ import annotations

import logging

import dagster as dg
import duckdb

from pipelines.lib.ingest import LoadResult
from pipelines.lib.metadata import table_metadata

# Schemas keyed by raw member numbers: their rows never reach the run log.
PRIVATE_SCHEMAS = ("ingest", "staging")


def ingest_spec(
    table: str, description: str, *kinds: str, deps: tuple[str, ...] = ()
) -> dg.AssetSpec:
    """The asset of a table an export is loaded into: group `ingest`, kind duckdb and the
    file's format (`csv`, `excel`, `yaml`)."""
    return dg.AssetSpec(
        key_of(table),
        description=description,
        group_name="ingest",
        kinds={"duckdb", *kinds},
        deps=[key_of(dep) for dep in deps],
    )


def key_of(table: str) -> dg.AssetKey:
    """`core.member_spells` -> AssetKey(["core", "member_spells"]): asset keys mirror tables."""
    return dg.AssetKey(table.split("."))


def export_materialization(
    con: duckdb.DuckDBPyConnection,
    result: LoadResult,
    *,
    log: logging.Logger | dg.DagsterLogManager | None = None,
    table: str | None = None,
    keyed: bool = True,
    **extra: object,
) -> dg.MaterializeResult:
    """What an ingestion asset reports for one export: its warnings, counts and schema.

    No preview: ingestion tables may hold personal data. `keyed=False` for a single-asset step.
    """
    table = table or result.table
    for warning in result.warnings if log is not None else ():
        log.warning(warning)
    return dg.MaterializeResult(
        asset_key=key_of(table) if keyed else None,
        metadata=table_metadata(con, table, preview=False)
        | {
            "files": ", ".join(result.files) or "none",
            "rows_read": result.rows_read,
            "rows_quarantined": result.rows_quarantined,
            # the files and the reading code are those the table was made from: not read again
            "reused": result.reused,
        }
        | extra,
    )
