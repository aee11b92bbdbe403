"""Core models: holdings, membership spells, members and category on a date, votes."""

import duckdb

from pipelines.lib.assets import SqlCheck, sql_model_asset
from pipelines.lib.exports import record_quarantine

REGISTER = ["ingest.share_operations", "ingest.cooperators"]


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


share_legs = sql_model_asset("core/share_legs.sql", deps=REGISTER, group="core")
HOLDINGS_NEVER_NEGATIVE = SqlCheck(
    table="core.holding_history",
    name="holdings_never_negative",
    description="No operation takes a member's holding of a share class below zero.",
    query="""
        select operation_no, operation_date, share_class, shares, holding
        from core.holding_history where holding < 0
        order by operation_date, operation_no
    """,
    fix="The operations listed remove more shares than the member held at that point: "
    "correct their quantity or date in the register, or add the missing subscription.",
)

holding_history = sql_model_asset(
    "core/holding_history.sql",
    deps=["core.share_legs"],
    group="core",
    checks=[HOLDINGS_NEVER_NEGATIVE],
)
member_operations = sql_model_asset(
    "core/member_operations.sql", deps=["core.share_legs"], group="core"
)
member_spells = sql_model_asset(
    "core/member_spells.sql", deps=["core.member_operations"], group="core"
)
class_holdings = sql_model_asset(
    "core/class_holdings.sql", deps=["core.holding_history"], group="core"
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
members_on_date = sql_model_asset(
    "core/members_on_date.sql", deps=["core.reference_dates", "core.class_holdings"], group="core"
)
assembly_votes = sql_model_asset(
    "core/assembly_votes.sql",
    deps=["ingest.votes", "core.members_on_date"],
    group="core",
    after=_quarantine_uncounted_votes,
)
general_assemblies = sql_model_asset(
    "core/general_assemblies.sql",
    deps=["ingest.votes", "ingest.governance_assemblies"],
    group="core",
)
