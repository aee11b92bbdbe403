"""General assemblies: every vote file into the ingestion layer, bad rows quarantined."""

import dagster as dg

from pipelines.lib.assets import export_materialization, key_of
from pipelines.lib.ingest import load_csv_export, not_read
from pipelines.lib.resources import Warehouse
from pipelines.lib.sources.assembly import VOTES, vote_files


@dg.asset(
    key=key_of(VOTES.table),
    description=VOTES.description,
    group_name="ingest",
    kinds={"duckdb", "csv"},
)
def votes(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings
    folder = settings.raw_dir / "assembly"
    files = vote_files(folder)
    for warning in not_read(folder, files, settings.raw_dir, "a vote file (ga_YYYY-MM-DD.csv)"):
        context.log.warning(warning)
    with warehouse.connect() as con:
        result = load_csv_export(
            con, VOTES, files, settings.raw_dir, reuse=warehouse.reuse_unchanged
        )
        return export_materialization(con, result, log=context.log, keyed=False)
