"""Every SQL model of sql/, one step per layer (staging, core, annex), with its checks; and the
frozen figures of closed years, which annex.figures reads."""

import dagster as dg

from pipelines.lib.assets import key_of
from pipelines.lib.freeze import FROZEN_DESCRIPTION, FROZEN_TABLE, load_frozen_figures
from pipelines.lib.metadata import table_metadata
from pipelines.lib.models import layer_assets
from pipelines.lib.resources import Warehouse
from pipelines.lib.sqlfiles import LAYERS

staging_models, core_models, annex_models = (layer_assets(layer) for layer in LAYERS)


# --- closed years: frozen figures and their revisions (see pipelines/lib/freeze.py) ---------


@dg.asset(
    key=key_of(FROZEN_TABLE),
    group_name="annex",
    kinds={"duckdb", "csv"},
    description=FROZEN_DESCRIPTION,
)
def frozen_figures(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Load the frozen figures of every closed year (`annex close-year`)."""
    settings = warehouse.settings
    with warehouse.connect() as con:
        years = load_frozen_figures(con, settings)
        if years:
            context.log.info(f"closed years keep their frozen figures: {sorted(years)}")
        return dg.MaterializeResult(
            metadata=table_metadata(con, FROZEN_TABLE)
            | {"closed_years": ", ".join(map(str, sorted(years))) or "none"}
        )
