"""The annex: one readable table per section, and every figure in annex.figures."""

from pipelines.lib.assets import sql_model_asset

membership_flows = sql_model_asset(
    "annex/membership_flows.sql",
    deps=[
        "core.years",
        "core.members_on_date",
        "core.member_spells",
        "ingest.subscription_requests",
        "ingest.operation_requests",
    ],
    group="annex",
)
members_by_category = sql_model_asset(
    "annex/members_by_category.sql", deps=["core.years", "core.members_on_date"], group="annex"
)
general_assemblies = sql_model_asset(
    "annex/general_assemblies.sql",
    deps=["core.general_assemblies", "core.assembly_votes", "core.members_on_date"],
    group="annex",
)
figure_catalog = sql_model_asset("annex/figure_catalog.sql", deps=[], group="annex")
figures = sql_model_asset(
    "annex/figures.sql",
    deps=[
        "core.years",
        "annex.figure_catalog",
        "annex.membership_flows",
        "annex.general_assemblies",
    ],
    group="annex",
)
