/*
name: holdings_never_negative
description: No operation takes a member's holding of a share class below zero.
fix: >
  The operations listed remove more shares than the member held at that point: correct their
  quantity or date in the register, or add the missing subscription.
severity: error
*/
select o.source_file, o.source_row, m.operation_no, m.operation_date, m.holding_a,
       m.holding_b, m.holding_c
from staging.member_operations m
join ingest.share_operations o on o.register_number_operation = m.operation_no
where least(m.holding_a, m.holding_b, m.holding_c) < 0
order by m.operation_date, m.operation_no;
