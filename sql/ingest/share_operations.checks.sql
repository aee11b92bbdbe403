/*
name: operation_numbers_unique
description: Every register_number_operation appears once in share_operations.csv.
fix: >
  Each group of rows listed shares one register_number_operation: correct share_operations.csv so that each is on one row.
severity: error
passes_if: select * from values_distinct_by_bitmap('ingest.share_operations', 'register_number_operation')
*/
-- the rule is the macro's (sql/macros/unique_values.sql)
select * from rows_sharing_a_value('ingest.share_operations', 'register_number_operation');

/*
name: operation_members_known
description: Every operation names members (and transfer receivers) of cooperators.csv.
fix: >
  The operations listed (file and row) name a member that is not in cooperators.csv (or Odoo's
  export of the members, or the sheet Vennoten): export both from the same snapshot, or add
  the member.
severity: error
# each operation tests its members' bits in a bitmap of the member numbers (~3x cheaper than
# the anti-joins)
passes_if: >
  with k as (
      select min(cooperator_register_number) as low, max(cooperator_register_number) as high,
             bitstring_agg(cooperator_register_number) as bits
      from ingest.cooperators
  )
  select count(*) = 0
  from ingest.share_operations o, k
  where case when o.cooperator_register_number between k.low and k.high
             then get_bit(k.bits, (o.cooperator_register_number - k.low)::integer) else 0 end = 0
     or (o.partner_to_register_number is not null
         and case when o.partner_to_register_number between k.low and k.high
                  then get_bit(k.bits, (o.partner_to_register_number - k.low)::integer)
                  else 0 end = 0)
*/
-- the file as it lies in raw/ (with its snapshot suffix) and the row name each offender
select o.source_file, o.source_row, o.register_number_operation,
       'cooperator_register_number' as unknown_column
from ingest.share_operations o
anti join ingest.cooperators c
    on c.cooperator_register_number = o.cooperator_register_number
union all
select o.source_file, o.source_row, o.register_number_operation,
       'partner_to_register_number' as unknown_column
from ingest.share_operations o
anti join ingest.cooperators c
    on c.cooperator_register_number = o.partner_to_register_number
where o.partner_to_register_number is not null
order by register_number_operation, unknown_column;
