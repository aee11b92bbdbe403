"""Builders shared by the definition modules: an asset per SQL model, a check per SQL query."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import dagster as dg
import duckdb

from pipelines.lib.exports import LoadResult
from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import Warehouse
from pipelines.lib.warehouse import run_model, sql_model

CHECK_RESULTS_TABLE = "quality.check_results"
# Schemas keyed by raw member numbers: their rows never reach the run log.
PRIVATE_SCHEMAS = ("ingest", "staging")


def key_of(table: str) -> dg.AssetKey:
    """`core.member_spells` -> AssetKey(["core", "member_spells"]): asset keys mirror tables."""
    return dg.AssetKey(table.split("."))


@dataclass(frozen=True)
class SqlCheck:
    """A check that passes when `query` returns no row; the rows it returns are the offenders."""

    table: str
    name: str
    description: str
    query: str
    fix: str
    blocking: bool = True


def ensure_check_results(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists quality")
    con.execute(
        f"create table if not exists {CHECK_RESULTS_TABLE} (check_name varchar, asset varchar, "
        "passed boolean, blocking boolean, offending_rows bigint, description varchar, "
        "evaluated_at timestamptz)"
    )
    con.execute(
        f"comment on table {CHECK_RESULTS_TABLE} is 'The result of every data check of the "
        "last build that reached it; a failed blocking check stops publication.'"
    )


def evaluate_check(con: duckdb.DuckDBPyConnection, check: SqlCheck) -> dg.AssetCheckResult:
    """Run the check's query, record the outcome in quality.check_results, and report it."""
    offenders = con.execute(f"select * from ({check.query}) limit 20").df()
    total = int(con.execute(f"select count(*) from ({check.query})").fetchone()[0])
    ensure_check_results(con)
    con.execute(f"delete from {CHECK_RESULTS_TABLE} where check_name = ?", [check.name])
    con.execute(
        f"insert into {CHECK_RESULTS_TABLE} values (?, ?, ?, ?, ?, ?, now())",
        [check.name, check.table, total == 0, check.blocking, total, check.description],
    )
    metadata: dict[str, object] = {"offending_rows": total}
    if total:
        metadata["offenders"] = dg.MetadataValue.md(offenders.to_markdown(index=False))
        metadata["how_to_fix"] = check.fix
    return dg.AssetCheckResult(
        asset_key=key_of(check.table),
        check_name=check.name,
        passed=total == 0,
        severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=check.description if total == 0 else f"{check.description} {check.fix}",
    )


def check_spec(check: SqlCheck) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        check.name,
        asset=key_of(check.table),
        description=check.description,
        blocking=check.blocking,
    )


def sql_model_asset(
    relative: str,
    *,
    deps: Sequence[str],
    group: str,
    checks: Sequence[SqlCheck] = (),
    after: Callable[[duckdb.DuckDBPyConnection], dict[str, object]] | None = None,
) -> dg.AssetsDefinition:
    """An asset that materialises `sql/<relative>` as the table (or view) it names, then runs
    its checks. Models of a private schema (keyed by member number) show no preview.

    Checks run in the asset's own step (a separate step per check costs Dagster ~0.1 s each);
    a failed blocking check stops everything downstream, publication included.
    """
    model = sql_model(relative)

    @dg.asset(
        key=key_of(model.qualified_name),
        deps=[key_of(dep) for dep in deps],
        group_name=group,
        kinds={"duckdb", "sql"},
        description=(model.doc.get("description") or "").strip() or None,
        metadata={"source": model.source},
        check_specs=[check_spec(check) for check in checks],
    )
    def _model(warehouse: Warehouse) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        with warehouse.connect() as con:
            run_model(con, model)
            extra = after(con) if after else {}
            metadata = table_metadata(
                con,
                model.qualified_name,
                preview=model.schema not in PRIVATE_SCHEMAS,
                count=not model.is_view,
            )
            yield dg.MaterializeResult(metadata=metadata | extra)
            for check in checks:
                yield evaluate_check(con, check)

    return _model


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
        }
        | extra,
    )
