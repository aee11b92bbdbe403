"""The factory: the sql/ folder (pipelines/lib/sqlfiles.py) as Dagster assets and checks.

Each layer's models share one Dagster step (a step costs Dagster ~0.1 s of its own); the asset
graph still shows every table, its dependencies read from its query, and its checks.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Iterable, Iterator

import dagster as dg
import duckdb

from pipelines.lib.assets import PRIVATE_SCHEMAS, key_of
from pipelines.lib.ingest import record_quarantine
from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import Warehouse
from pipelines.lib.reuse import WorkLedger, content_version, model_fingerprint, table_is_current
from pipelines.lib.sqlfiles import (
    Check,
    SqlModel,
    checks_of,
    layer_models,
    model_deps,
    model_group,
)
from pipelines.lib.warehouse import CHECK_RESULTS_TABLE, insertion_order, run_model

# --- checks -----------------------------------------------------------------------------------


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


def passes_quickly(con: duckdb.DuckDBPyConnection, check: Check) -> bool:
    """Whether the check's cheap `passes_if` query proves it passes (False: run the query)."""
    if check.passes_if is None:
        return False
    try:
        row = con.execute(check.passes_if).fetchone()
    except duckdb.OutOfRangeException:  # numbers too far apart for a bitmap: the query decides
        return False
    return bool(row and row[0] is True)


def evaluate_check(con: duckdb.DuckDBPyConnection, check: Check) -> dg.AssetCheckResult:
    """Run the check's query, record the outcome in quality.check_results, and report it."""
    if passes_quickly(con, check):
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


def check_specs(tables: Iterable[str]) -> list[dg.AssetCheckSpec]:
    """The specs of the checks of `tables` (their check files), for the step that makes those
    tables; the other tables a check reads are its extra dependencies."""
    tables = list(tables)
    inside = set(tables)
    return [
        dg.AssetCheckSpec(
            check.name,
            asset=key_of(check.table),
            description=check.description,
            blocking=check.blocking,
            additional_deps=[key_of(table) for table in sorted(check.deps - inside)],
        )
        for table in tables
        for check in checks_of(table)
    ]


# --- models -----------------------------------------------------------------------------------


def _quarantine_uncounted_votes(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Votes of non-members and repeated votes are set aside with their reason."""
    record_quarantine(
        con,
        "assembly_votes",
        "(select source_file, source_row, 'member_number' as column_name, status as reason "
        "from core.assembly_votes where status <> 'counted')",
    )
    rows = con.execute(
        "select status, count(*) from core.assembly_votes group by all order by all"
    ).fetchall()
    return {f"votes_{status}": count for status, count in rows}


# What runs after a model is made (or kept): Python a table needs beyond its query; returns
# extra metadata. Only replaces what it wrote, so it runs for a kept table too.
AFTER: dict[str, Callable[[duckdb.DuckDBPyConnection], dict[str, object]]] = {
    "core.assembly_votes": _quarantine_uncounted_votes,
}


def _make_model(con: duckdb.DuckDBPyConnection, model: SqlModel, *, reuse: bool) -> bool:
    """Make the model's table (or view), unless `reuse` and the table there was made from what
    it would be made from now (see reuse.py). Returns whether the table was kept. The one
    place the models' reuse is decided."""
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


def layer_assets(layer: str) -> dg.AssetsDefinition:
    """One step (`<layer>_models`) that materialises every model of `sql/<layer>/` as the
    table (or view) it names, each its own asset with its checks, in the order their
    dependencies ask for. A subset run makes only the selected models. A failed blocking check
    stops the models that depend on its table, and fails the step when it ends, so that
    nothing downstream (publication included) runs. Every model, a view too, shows its row
    count; models of a private schema (keyed by member number) show no preview.
    """
    models = {model.qualified_name: model for model in layer_models(layer)}
    # what a model waits for: the tables its query and its checks read
    needs = {
        table: set(model_deps(model)).union(*(c.deps for c in checks_of(table)))
        for table, model in models.items()
    }
    order = list(
        graphlib.TopologicalSorter(
            {table: needs[table] & models.keys() for table in models}
        ).static_order()
    )

    @dg.multi_asset(
        name=f"{layer}_models",
        specs=[
            dg.AssetSpec(
                key_of(table),
                deps=[key_of(dep) for dep in sorted(model_deps(models[table]))],
                group_name=model_group(models[table]),
                kinds={"duckdb", "sql"},
                description=(models[table].doc.get("description") or "").strip() or None,
                metadata={"source": models[table].source},
            )
            for table in order
        ],
        check_specs=check_specs(order),
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
            for table in order:
                model = models[table]
                if key_of(table) not in selected:
                    continue
                if needs[table] & stopped:
                    stopped.add(table)
                    context.log.warning(f"{table} not made: a blocking check upstream failed")
                    continue
                kept = _make_model(con, model, reuse=warehouse.reuse_unchanged)
                extra = AFTER[table](con) if table in AFTER else {}
                metadata = table_metadata(con, table, preview=model.schema not in PRIVATE_SCHEMAS)
                yield dg.MaterializeResult(
                    asset_key=key_of(table), metadata=metadata | extra | {"unchanged": kept}
                )
                for check in checks_of(table):
                    result = evaluate_check(con, check)
                    if not result.passed and check.blocking:
                        stopped.add(table)
                    yield result

    return _models
