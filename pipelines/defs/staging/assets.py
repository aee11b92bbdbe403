"""Private models keyed by member number: holdings and spells, computed on integers.

Never published (the publication carries pseudonyms only); joining and windowing 10 million
operations on 64-character pseudonyms instead would cost several times as much.
"""

from pipelines.lib.assets import Model, SqlCheck, sql_model_assets

HOLDINGS_NEVER_NEGATIVE = SqlCheck(
    table="staging.member_operations",
    name="holdings_never_negative",
    description="No operation takes a member's holding of a share class below zero.",
    query="""
        select o.source_file, o.source_row, m.operation_no, m.operation_date, m.holding_a,
               m.holding_b, m.holding_c
        from staging.member_operations m
        join ingest.share_operations o on o.register_number_operation = m.operation_no
        where least(m.holding_a, m.holding_b, m.holding_c) < 0
        order by m.operation_date, m.operation_no
    """,
    fix="The operations listed remove more shares than the member held at that point: "
    "correct their quantity or date in the register, or add the missing subscription.",
)

staging_models = sql_model_assets(
    "staging_models",
    group="staging",
    models=[
        Model(
            "staging/member_operations.sql",
            deps=["ingest.share_operations"],
            checks=[HOLDINGS_NEVER_NEGATIVE],
        ),
        Model("staging/member_spells.sql", deps=["staging.member_operations"]),
        Model("staging/member_states.sql", deps=["staging.member_operations"]),
    ],
)
