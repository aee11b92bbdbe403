"""The member survey: codebooks and responses into the ingestion layer (free-text answers are
never read)."""

import dagster as dg

from pipelines.lib.assets import export_materialization, ingest_spec
from pipelines.lib.models import check_specs, evaluate_check
from pipelines.lib.resources import Warehouse
from pipelines.lib.sources.survey import load_surveys
from pipelines.lib.sqlfiles import checks_of

CODEBOOK_TABLE = "ingest.survey_codebook"
RESPONSES_TABLE = "ingest.survey_responses"


@dg.multi_asset(
    specs=[
        ingest_spec(table, description, "csv")
        for table, description in (
            (CODEBOOK_TABLE, "The codebook of every survey: each question's theme and type."),
            (
                RESPONSES_TABLE,
                "Every survey response with its answer codes (free-text answers never read).",
            ),
        )
    ],
    check_specs=check_specs([CODEBOOK_TABLE, RESPONSES_TABLE]),
    name="survey_exports",
)
def survey_exports(context: dg.AssetExecutionContext, warehouse: Warehouse):  # noqa: ANN201
    """Every `survey/<id>_codebook.csv`, then every `survey/<id>_responses.csv`."""
    settings = warehouse.settings
    with warehouse.connect() as con:
        codebooks, responses, warnings = load_surveys(
            con, settings.raw_dir, reuse=warehouse.reuse_unchanged
        )
        for warning in warnings:
            context.log.warning(warning)
        for table, result in ((CODEBOOK_TABLE, codebooks), (RESPONSES_TABLE, responses)):
            yield export_materialization(con, result, table=table)
        for check in (*checks_of(CODEBOOK_TABLE), *checks_of(RESPONSES_TABLE)):
            yield evaluate_check(con, check)
