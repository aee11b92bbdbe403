"""Governance facts: every `governance/YYYY.yaml`, validated, into the ingestion layer."""

import dagster as dg

from pipelines.lib.assets import ingest_spec, key_of
from pipelines.lib.ingest import not_read
from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import Warehouse
from pipelines.lib.sources.governance import (
    ASSEMBLIES_TABLE,
    FACTS_TABLE,
    load_governance,
)
from pipelines.lib.sources.governance import governance_files as listed_governance_files


@dg.multi_asset(
    specs=[
        ingest_spec(
            FACTS_TABLE,
            "Governance facts (governance/YYYY.yaml), validated, one row per fact.",
            "yaml",
        ),
        ingest_spec(
            ASSEMBLIES_TABLE,
            "The general assemblies the governance files list, with their kind.",
            "yaml",
        ),
    ],
    name="governance_files",
)
def governance_files(context: dg.AssetExecutionContext, warehouse: Warehouse):  # noqa: ANN201
    """Validate every governance file (an invalid one stops the build, naming the key)."""
    settings = warehouse.settings
    folder, listed = settings.raw_dir / "governance", listed_governance_files(settings.raw_dir)
    for warning in not_read(folder, listed, settings.raw_dir, "a governance file (YYYY.yaml)"):
        context.log.warning(warning)
    with warehouse.connect() as con:
        files = load_governance(con, settings.raw_dir)
        years = ", ".join(str(f.facts.year) for f in files) or "none"
        context.log.info(f"governance files for: {years}")
        for table in (FACTS_TABLE, ASSEMBLIES_TABLE):
            yield dg.MaterializeResult(
                asset_key=key_of(table),
                metadata=table_metadata(con, table, preview=False)
                | {"files": ", ".join(f.display for f in files) or "none"},
            )
