"""The identities of figures.md: they must hold every year or nothing is published."""

from pipelines.lib.assets import SqlCheck, sql_check

flows_reconcile = sql_check(
    SqlCheck(
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
)
categories_sum = sql_check(
    SqlCheck(
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
)
