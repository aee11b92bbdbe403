/*
description: >
  (Private: keyed by member number, never published.) Holding of every member in every share class after each operation that changes it, in the
  register's order (date, then operation number). A negative holding is a register error.
columns:
  member_number: Member number of the member.
  share_class: Share class.
  operation_no: The operation.
  operation_date: Its date.
  shares: Shares added or removed by the operation.
  holding: Shares of the class held after the operation.
*/
with class_changes as (
    -- a conversion within one class or a transfer to oneself nets out within the operation
    select member_number, share_class, operation_no, any_value(operation_date) as operation_date,
           sum(shares) as shares
    from staging.share_legs
    group by all
)

select member_number, share_class, operation_no, operation_date, shares,
       sum(shares) over (
           partition by member_number, share_class
           order by operation_date, operation_no
           rows between unbounded preceding and current row
       ) as holding
from class_changes
