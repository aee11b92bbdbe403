"""The member survey: codebooks and responses into the ingestion layer (free-text answers are
never read), which survey is the survey of its year (core), and the annex tables."""

import dagster as dg

from pipelines.lib.assets import (
    Model,
    SqlCheck,
    check_spec,
    evaluate_check,
    export_materialization,
    key_of,
    sql_model_assets,
)
from pipelines.lib.resources import Warehouse
from pipelines.lib.sources.survey import SURVEY_CHECKS, load_surveys

CODEBOOK_TABLE = "ingest.survey_codebook"
RESPONSES_TABLE = "ingest.survey_responses"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key_of(table),
            description=description,
            group_name="survey",
            kinds={"duckdb", "csv"},
        )
        for table, description in (
            (CODEBOOK_TABLE, "The codebook of every survey: each question's theme and type."),
            (
                RESPONSES_TABLE,
                "Every survey response with its answer codes (free-text answers never read).",
            ),
        )
    ],
    check_specs=[check_spec(check) for check in SURVEY_CHECKS],
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
        for check in SURVEY_CHECKS:
            yield evaluate_check(con, check)


SURVEY_OF_YEAR = SqlCheck(
    table="core.surveys",
    name="survey_of_each_year_known",
    description="Each year with surveys has one survey to report: the only one, or the one "
    "named by participation.survey_id in the year's governance file.",
    query="""
        select year, list(survey_id order by survey_id) as surveys,
               any_value(named_in_governance) as named_in_governance
        from core.surveys
        group by year
        having count(*) filter (where is_survey_of_year) <> 1
    """,
    fix="Several surveys start with this year: name the one the annex reports as "
    "participation.survey_id in governance/<year>.yaml (or correct the survey id named there).",
)

survey_models = sql_model_assets(
    "survey_models",
    group="survey",
    models=[
        Model(
            "core/surveys.sql",
            deps=[CODEBOOK_TABLE, RESPONSES_TABLE, "ingest.governance_facts"],
            checks=[SURVEY_OF_YEAR],
        ),
        Model("annex/survey_responses.sql", deps=["core.surveys", "core.member_counts"]),
        Model(
            "annex/survey_distribution.sql", deps=["core.surveys", CODEBOOK_TABLE, RESPONSES_TABLE]
        ),
        Model(
            "annex/survey_satisfaction.sql", deps=["core.surveys", CODEBOOK_TABLE, RESPONSES_TABLE]
        ),
    ],
)
