"""Register errors found once holdings are known: they block publication."""

from pipelines.lib.assets import SqlCheck, sql_check

holdings_never_negative = sql_check(
    SqlCheck(
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
)
