"""Builders shared by the definition modules: an asset per SQL model, a check per SQL query."""

from __future__ import annotations

import graphlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import dagster as dg
import duckdb

from pipelines.lib.ingest import LoadResult
from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import Warehouse
from pipelines.lib.reuse import WorkLedger, content_version, model_fingerprint, table_is_current
from pipelines.lib.warehouse import (
    CHECK_RESULTS_TABLE,
    SqlModel,
    insertion_order,
    run_model,
    sql_model,
)

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
    # a cheaper test that can prove the check passes (True) without running `query`; the query
    # still runs when it returns False, to list the offenders
    passes_quickly: Callable[[duckdb.DuckDBPyConnection], bool] | None = None


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
    if check.passes_quickly is not None and check.passes_quickly(con):
        total, offenders = 0, None
    else:
        # the query runs once: a check over millions of operations is not cheap
        with insertion_order(con):  # keep the query's ORDER BY for the listing
            con.execute(f"create or replace temp table _check_offenders as {check.query}")
        offenders = con.execute("select * from _check_offenders limit 20").df()
        total = int(con.execute("select count(*) from _check_offenders").fetchone()[0])
        con.execute("drop table _check_offenders")
    ensure_check_results(con)
    con.execute(f"delete from {CHECK_RESULTS_TABLE} where check_name = ?", [check.name])
    con.execute(
        f"insert into {CHECK_RESULTS_TABLE} values (?, ?, ?, ?, ?, ?, now())",
        [check.name, check.table, total == 0, check.blocking, total, check.description],
    )
    metadata: dict[str, object] = {"offending_rows": total}
    if total and offenders is not None:
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


@dataclass(frozen=True)
class Model:
    """A SQL model of a step: `sql/<relative>`, the tables it reads, its checks, and what to
    do after it is made (`after` returns extra metadata)."""

    relative: str
    deps: Sequence[str] = ()
    checks: Sequence[SqlCheck] = ()
    after: Callable[[duckdb.DuckDBPyConnection], dict[str, object]] | None = None


def sql_model_assets(name: str, *, group: str, models: Sequence[Model]) -> dg.AssetsDefinition:
    """One step that materialises several SQL models as the tables (or views) they name, each
    its own asset with its checks, in the order their dependencies ask for.

    A step costs Dagster ~0.1 s of its own, so the models of one domain share a step; the
    asset graph still shows every table. A subset run makes only the selected models. A failed
    blocking check stops the models that depend on its table, and fails the step when it ends,
    so that nothing downstream (publication included) runs. Every model, a view too, shows its
    row count; models of a private schema (keyed by member number) show no preview.
    """
    loaded = [(sql_model(m.relative), m) for m in models]
    by_table = {model.qualified_name: (model, m) for model, m in loaded}
    inside = graphlib.TopologicalSorter(
        {table: [d for d in m.deps if d in by_table] for table, (_, m) in by_table.items()}
    )
    order = [by_table[table] for table in inside.static_order()]

    @dg.multi_asset(
        name=name,
        specs=[
            dg.AssetSpec(
                key_of(model.qualified_name),
                deps=[key_of(dep) for dep in spec.deps],
                group_name=group,
                kinds={"duckdb", "sql"},
                description=(model.doc.get("description") or "").strip() or None,
                metadata={"source": model.source},
            )
            for model, spec in order
        ],
        check_specs=[check_spec(check) for _, spec in order for check in spec.checks],
        can_subset=True,
    )
    # `context` is left unannotated: Dagster reads that annotation itself, and this module's
    # postponed annotations would hand it a string
    def _models(
        context,  # noqa: ANN001
        warehouse: Warehouse,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        selected = context.selected_asset_keys
        stopped: set[str] = set()  # tables not made: a blocking check failed upstream
        with warehouse.connect() as con:
            for model, spec in order:
                table = model.qualified_name
                if key_of(table) not in selected:
                    continue
                if any(dep in stopped for dep in spec.deps):
                    stopped.add(table)
                    context.log.warning(f"{table} not made: a blocking check upstream failed")
                    continue
                kept = _make_model(con, model, reuse=warehouse.reuse_unchanged)
                extra = spec.after(con) if spec.after else {}
                metadata = table_metadata(con, table, preview=model.schema not in PRIVATE_SCHEMAS)
                yield dg.MaterializeResult(
                    asset_key=key_of(table), metadata=metadata | extra | {"unchanged": kept}
                )
                for check in spec.checks:
                    result = evaluate_check(con, check)
                    if not result.passed and check.blocking:
                        stopped.add(table)
                    yield result

    return _models


def _make_model(con: duckdb.DuckDBPyConnection, model: SqlModel, *, reuse: bool) -> bool:
    """Make the model's table (or view), unless `reuse` and the table there was made from what
    it would be made from now (see reuse.py). Returns whether the table was kept."""
    table = model.qualified_name
    fingerprint = model_fingerprint(con, model)
    if reuse and table_is_current(con, table, fingerprint, "view" if model.is_view else "table"):
        return True
    ledger = WorkLedger(con)
    ledger.forget(table)  # a model that stops half-way matches nothing
    run_model(con, model)
    # a small table is versioned by its content: the same result changes nothing downstream
    content = None if model.is_view else content_version(con, table)
    ledger.record(table, fingerprint, version=content)
    return False


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
