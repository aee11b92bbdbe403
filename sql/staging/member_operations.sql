/*
group: staging
description: >
  (Private: keyed by member number, never published.) Every operation seen from each member it
  concerns, in the register's order (date, then operation number): the shares it adds or removes
  in each class, the holdings after it, and the member's total before and after. A transfer moves
  shares out of the giver and into the receiver, a conversion out of one class and into another.
  Spells begin where the total leaves zero and end where it returns; a negative holding is a
  register error.
columns:
  member_number: Member number of the member.
  operation_no: register_number_operation of the journal.
  operation_date: Effective date of the operation.
  operation_type: subscription, transfer, sell_back or convert.
  reason: Reason of a sell_back (resignation, exclusion, death, bankruptcy, winding_up, withdrawal).
  shares_a: Shares of class A added (positive) or removed (negative) by the operation.
  shares_b: Same for class B.
  shares_c: Same for class C.
  holding_a: Shares of class A held after the operation.
  holding_b: Shares of class B held after the operation.
  holding_c: Shares of class C held after the operation.
  total_before: Total shares (all classes) held before the operation.
  total_after: Total shares held after the operation.
  next_date: Date of the member's next operation; NULL for the last one.
  ends_day: True for the member's last operation of its date (its holdings are the day-end ones).
*/
with member_changes as (
    -- one row per member an operation concerns: its member (the giver of a transfer) and, for
    -- a transfer to someone else, the receiver; a conversion changes two classes of one member
    select cooperator_register_number as member_number,
           register_number_operation as operation_no, operation_date, operation_type, reason,
           case
               -- a transfer to oneself changes nothing
               when operation_type = 'transfer'
                    and partner_to_register_number = cooperator_register_number then 0
               when operation_type = 'subscription' then quantity
               else -quantity
           end as shares,
           share_short_name as share_class,
           case when operation_type = 'convert' then share_to_short_name end as target_class,
           case when operation_type = 'convert' then quantity_to else 0 end as target_shares
    from ingest.share_operations
    union all
    select partner_to_register_number, register_number_operation, operation_date,
           operation_type, reason, quantity, share_short_name, null, 0
    from ingest.share_operations
    where operation_type = 'transfer'
      and partner_to_register_number <> cooperator_register_number
),

class_changes as (
    select member_number, operation_no, operation_date, operation_type, reason,
           (case when share_class = 'A' then shares else 0 end)
           + (case when target_class = 'A' then target_shares else 0 end) as shares_a,
           (case when share_class = 'B' then shares else 0 end)
           + (case when target_class = 'B' then target_shares else 0 end) as shares_b,
           (case when share_class = 'C' then shares else 0 end)
           + (case when target_class = 'C' then target_shares else 0 end) as shares_c
    from member_changes
),

running as (
    -- one sort serves every window: they share the partition and the order; a sum of
    -- integers is a HUGEINT in DuckDB, twice the width of the BIGINT a holding needs
    select *,
           cast(sum(shares_a) over member_history as bigint) as holding_a,
           cast(sum(shares_b) over member_history as bigint) as holding_b,
           cast(sum(shares_c) over member_history as bigint) as holding_c,
           lead(operation_date) over member_history as next_date
    from class_changes
    window member_history as (
        partition by member_number order by operation_date, operation_no
        rows between unbounded preceding and current row
    )
)

select member_number, operation_no, operation_date, operation_type, reason,
       shares_a, shares_b, shares_c, holding_a, holding_b, holding_c,
       holding_a + holding_b + holding_c - (shares_a + shares_b + shares_c) as total_before,
       holding_a + holding_b + holding_c as total_after,
       next_date,
       next_date is distinct from operation_date as ends_day
from running
