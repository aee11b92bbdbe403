/*
description: >
  (Private: keyed by member number, never published.) Every operation seen from the member it concerns: total shares (all classes) before and after
  it, in the register's order. Spells begin where the total leaves zero and end where it returns.
columns:
  member_number: Member number of the member.
  operation_no: The operation.
  operation_date: Its date.
  operation_type: subscription, transfer, sell_back or convert.
  leg: giver or receiver (transfer), source/target (convert), member otherwise.
  reason: Reason of a sell_back.
  shares: Net shares added or removed by the operation for this member.
  total_before: Total shares held before the operation.
  total_after: Total shares held after the operation.
*/
with member_changes as (
    select member_number, operation_no, any_value(operation_date) as operation_date,
           any_value(operation_type) as operation_type,
           -- a member is on one side of an operation, except in a conversion (source and target)
           case when count(distinct leg) = 1 then any_value(leg) else 'member' end as leg,
           any_value(reason) as reason, sum(shares) as shares
    from staging.share_legs
    group by member_number, operation_no
),

running as (
    select *,
           sum(shares) over (
               partition by member_number
               order by operation_date, operation_no
               rows between unbounded preceding and current row
           ) as total_after
    from member_changes
)

select member_number, operation_no, operation_date, operation_type, leg, reason, shares,
       total_after - shares as total_before, total_after
from running
