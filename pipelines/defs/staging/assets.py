"""Private models keyed by member number: holdings and spells, computed on integers.

Never published (the publication carries pseudonyms only); joining and windowing 10 million
operations on 64-character pseudonyms instead would cost several times as much.
"""

from pipelines.lib.assets import SqlCheck, sql_model_asset

HOLDINGS_NEVER_NEGATIVE = SqlCheck(
    table="staging.holding_history",
    name="holdings_never_negative",
    description="No operation takes a member's holding of a share class below zero.",
    query="""
        select h.operation_no, h.operation_date, h.share_class, h.shares, h.holding,
               o.source_row
        from staging.holding_history h
        join ingest.share_operations o on o.register_number_operation = h.operation_no
        where h.holding < 0
        order by h.operation_date, h.operation_no
    """,
    fix="The operations listed remove more shares than the member held at that point: "
    "correct their quantity or date in the register, or add the missing subscription.",
)

share_legs = sql_model_asset(
    "staging/share_legs.sql", deps=["ingest.share_operations"], group="staging"
)
holding_history = sql_model_asset(
    "staging/holding_history.sql",
    deps=["staging.share_legs", "ingest.share_operations"],
    group="staging",
    checks=[HOLDINGS_NEVER_NEGATIVE],
)
member_operations = sql_model_asset(
    "staging/member_operations.sql", deps=["staging.share_legs"], group="staging"
)
member_spells = sql_model_asset(
    "staging/member_spells.sql", deps=["staging.member_operations"], group="staging"
)
class_holdings = sql_model_asset(
    "staging/class_holdings.sql", deps=["staging.holding_history"], group="staging"
)
members_on_date = sql_model_asset(
    "staging/members_on_date.sql",
    deps=["core.reference_dates", "staging.class_holdings"],
    group="staging",
)
