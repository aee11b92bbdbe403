"""Core models, published under pseudonyms: members, spells, votes, years and dates."""

import duckdb

from pipelines.lib.assets import sql_model_asset
from pipelines.lib.exports import record_quarantine


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


member_spells = sql_model_asset(
    "core/member_spells.sql",
    deps=["staging.member_spells", "ingest.cooperators"],
    group="core",
)
members = sql_model_asset("core/members.sql", deps=["ingest.cooperators"], group="core")
years = sql_model_asset(
    "core/years.sql",
    deps=[
        "ingest.share_operations",
        "ingest.subscription_requests",
        "ingest.operation_requests",
        "ingest.votes",
        "ingest.staff_trainings",
        "ingest.member_course_registrations",
        "ingest.survey_codebook",
        "ingest.governance_facts",
    ],
    group="core",
)
reference_dates = sql_model_asset(
    "core/reference_dates.sql",
    deps=["core.years", "ingest.votes", "ingest.survey_responses"],
    group="core",
)
member_counts = sql_model_asset(
    "core/member_counts.sql",
    deps=["core.reference_dates", "staging.member_states"],
    group="core",
)
assembly_votes = sql_model_asset(
    "core/assembly_votes.sql",
    deps=["ingest.votes", "staging.member_states"],
    group="core",
    after=_quarantine_uncounted_votes,
)
general_assemblies = sql_model_asset(
    "core/general_assemblies.sql",
    deps=["ingest.votes", "ingest.governance_assemblies"],
    group="core",
)
