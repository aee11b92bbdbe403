"""The annex: one readable table per section, and every figure in annex.figures."""

import dagster as dg

from pipelines.lib.assets import Model, SqlCheck, key_of, sql_model_assets
from pipelines.lib.freeze import FROZEN_DESCRIPTION, FROZEN_TABLE, load_frozen_figures
from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import Warehouse

FLOWS_RECONCILE = SqlCheck(
    table="annex.membership_flows",
    name="membership_flows_reconcile",
    description="members_end = members_start + new_members - exits, every year.",
    query="""
            select year, members_start, new_members, exits, members_end,
                   members_start + new_members - exits - members_end as difference
            from annex.membership_flows
            where members_end <> members_start + new_members - exits
        """,
    fix="The year-end counts and the spells disagree: look for operations that do not "
    "apply in date order in the register export, then rebuild.",
)
CATEGORIES_SUM = SqlCheck(
    table="annex.membership_flows",
    name="categories_sum_to_members",
    description="members_end.A + .B + .C = members_end, every year.",
    query="""
            select year, members_end_a, members_end_b, members_end_c, members_end
            from annex.membership_flows
            where members_end_a + members_end_b + members_end_c <> members_end
        """,
    fix="Some member holds shares of a class outside A, B, C: check share_short_name.",
)


annex_models = sql_model_assets(
    "annex_models",
    group="annex",
    models=[
        Model(
            "annex/membership_flows.sql",
            deps=[
                "core.years",
                "core.member_counts",
                "staging.member_spells",
                "ingest.subscription_requests",
                "ingest.operation_requests",
            ],
            checks=[FLOWS_RECONCILE, CATEGORIES_SUM],
        ),
        Model("annex/members_by_category.sql", deps=["core.years", "core.member_counts"]),
        Model(
            "annex/general_assemblies.sql",
            deps=[
                "core.general_assemblies",
                "core.assembly_votes",
                "core.member_counts",
                "core.reference_dates",
            ],
        ),
        Model("annex/figure_catalog.sql"),
        Model(
            "annex/computed_figures.sql",
            deps=[
                "core.years",
                "core.general_assemblies",
                "annex.figure_catalog",
                "annex.membership_flows",
                "annex.general_assemblies",
                "annex.staff_training",
                "annex.member_courses",
                "annex.survey_responses",
                "annex.survey_satisfaction",
                "annex.governance_facts",
                "ingest.register_source",
                "ingest.governance_facts",
            ],
        ),
        Model(
            "annex/figure_revisions.sql", deps=["annex.frozen_figures", "annex.computed_figures"]
        ),
        Model("annex/figures.sql", deps=["annex.computed_figures", "annex.frozen_figures"]),
    ],
)


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
