"""Write, audit, publish: the checked working database becomes `coop.duckdb`, atomically."""

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lib.assets import key_of
from pipelines.lib.outputs.narrative import unknown_references
from pipelines.lib.resources import Warehouse
from pipelines.lib.reuse import WorkLedger
from pipelines.lib.sqlfiles import all_models
from pipelines.lib.warehouse import PUBLISHED_SCHEMAS, publication_manifest, publish

# Every published model is upstream, so any failed blocking check (they all guard an upstream
# asset) stops this step and leaves the last publication in place.
PUBLISHED_MODELS = sorted(
    model.qualified_name for model in all_models() if model.schema in PUBLISHED_SCHEMAS
)


@dg.asset(
    key=key_of("publish.coop_duckdb"),
    deps=[key_of(model) for model in PUBLISHED_MODELS],
    group_name="publish",
    kinds={"duckdb"},
    description="The published warehouse $ANNEX_WAREHOUSE_DIR/coop.duckdb (schemas "
    + ", ".join(PUBLISHED_SCHEMAS)
    + "), replaced atomically once every check has passed; readable by DuckDB 1.5 and newer.",
)
def publication(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings
    with warehouse.connect() as con:
        check_narrative_references(con, settings.raw_dir)
        # tables whose version the last publication holds are kept from it (not with --rebuild-all)
        versions = WorkLedger(con).versions() if warehouse.reuse_unchanged else None
        tables = publish(con, settings, versions=versions)
    path = settings.publication_path
    kept = publication_manifest(settings).get("kept", [])
    context.log.info(f"published {path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_bytes": path.stat().st_size,
            "tables": dg.MetadataValue.md(
                "\n".join(
                    f"- `{name}`: {rows} rows{' (kept from the last publication)' * (name in kept)}"
                    for name, rows in tables.items()
                )
            ),
            "tables_kept": len(kept),
        }
    )


def check_narrative_references(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> None:
    """The author's text (`narrative/`) may name only figures and facts the build computed: an
    unknown one stops the build here, before the publication is replaced."""
    rows = con.sql(
        "select year, figure_id from annex.figures union all "
        "select year, 'governance.' || key_path from annex.governance_facts"
    ).fetchall()
    known = set(rows)
    problems = unknown_references(raw_dir, lambda year, ref: ref == "year" or (year, ref) in known)
    if problems:
        raise dg.Failure(
            description="\n".join(problems) + "\n(the last publication is left in place)"
        )
