"""Core models, published under pseudonyms: members, spells, votes, years and dates."""

import duckdb

from pipelines.lib.assets import Model, sql_model_assets
from pipelines.lib.ingest import record_quarantine


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


core_models = sql_model_assets(
    "core_models",
    group="core",
    models=[
        Model("core/members.sql", deps=["ingest.cooperators", "ingest.member_keys"]),
        Model("core/member_spells.sql", deps=["staging.member_spells", "ingest.member_keys"]),
        Model(
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
        ),
        Model(
            "core/reference_dates.sql",
            deps=["core.years", "ingest.votes", "ingest.survey_responses"],
        ),
        Model("core/member_counts.sql", deps=["core.reference_dates", "staging.member_states"]),
        Model(
            "core/assembly_votes.sql",
            deps=["ingest.votes", "staging.member_spells"],
            after=_quarantine_uncounted_votes,
        ),
        Model(
            "core/general_assemblies.sql",
            deps=["ingest.votes", "ingest.governance_assemblies"],
        ),
    ],
)
