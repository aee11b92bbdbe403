"""Register errors (figures.md) found in the export itself: each blocks publication."""

from pipelines.lib.assets import SqlCheck

REGISTER_CHECKS = [
    SqlCheck(
        table="ingest.cooperators",
        name="member_numbers_unique",
        description="Every member number appears once in cooperators.csv.",
        query="""
            select source_file, list(source_row order by source_row) as rows
            from ingest.cooperators group by source_file, cooperator_register_number
            having count(*) > 1
        """,
        fix="Fix the register export so that each cooperator_register_number is on one row "
        "(the rows listed share one).",
    ),
    SqlCheck(
        table="ingest.share_operations",
        name="operation_numbers_unique",
        description="Every register_number_operation appears once in share_operations.csv.",
        query="""
            select register_number_operation, list(source_row order by source_row) as rows
            from ingest.share_operations group by register_number_operation
            having count(*) > 1
        """,
        fix="Each operation number listed is used by several rows: correct the export.",
    ),
    SqlCheck(
        table="ingest.subscription_requests",
        name="subscription_request_ids_unique",
        description="Every subscription request id appears once.",
        query="""
            select request_id, list(source_row order by source_row) as rows
            from ingest.subscription_requests group by request_id having count(*) > 1
        """,
        fix="Each id listed is used by several rows of subscription_requests: correct the export.",
    ),
    SqlCheck(
        table="ingest.operation_requests",
        name="operation_request_ids_unique",
        description="Every operation request id appears once.",
        query="""
            select request_id, list(source_row order by source_row) as rows
            from ingest.operation_requests group by request_id having count(*) > 1
        """,
        fix="Each id listed is used by several rows of operation_requests: correct the export.",
    ),
    SqlCheck(
        table="ingest.share_operations",
        name="operation_members_known",
        description="Every operation names members (and transfer receivers) of cooperators.csv.",
        query="""
            select o.register_number_operation, o.source_row,
                   case when c.member_key is null then 'cooperator_register_number'
                        else 'partner_to_register_number' end as unknown_column
            from ingest.share_operations o
            left join ingest.cooperators c
                on c.cooperator_register_number = o.cooperator_register_number
            left join ingest.cooperators p
                on p.cooperator_register_number = o.partner_to_register_number
            where c.member_key is null
               or (o.partner_to_register_number is not null and p.member_key is null)
            order by o.register_number_operation
        """,
        fix="The operations listed name a member that is not in cooperators.csv: export both "
        "files from the same snapshot, or add the member.",
    ),
]
