/*
group: staging
description: >
  (Private: keyed by member number, never published.) Membership spells: a spell starts at the
  operation that takes a member's total holding from zero to more than zero (a subscription or a
  transfer received) and ends at the operation that takes it back to zero. A member who leaves
  and comes back has two spells.
columns:
  member_number: Member number of the member.
  spell_no: 1 for the first spell of the member, 2 for a comeback, ...
  start_date: Date of the operation that started the spell.
  start_operation_no: That operation.
  joined_by: subscription, or transfer when the member joined by receiving shares.
  start_class: Share class acquired by that operation (with several, the one with the most shares, ties to the first letter).
  end_date: Date of the operation that ended the spell; NULL while it lasts.
  end_operation_no: That operation.
  exit_reason: >
    resignation (a withdrawal that ends the membership counts as one), exclusion, death,
    bankruptcy, winding_up, or transfer when the member gave away all shares.
*/
with boundaries as (
    -- the operations where a spell starts or ends; per member they alternate (start, end,
    -- start, ...), so the end of a spell is the boundary that follows its start
    select *,
           total_before <= 0 and total_after > 0 as starts_spell
    from staging.member_operations
    where (total_before <= 0 and total_after > 0) or (total_before > 0 and total_after <= 0)
),

paired as (
    select *,
           count(*) filter (where starts_spell) over member_boundaries as spell_no,
           lead(operation_date) over member_boundaries as end_date,
           lead(operation_no) over member_boundaries as end_operation_no,
           lead(operation_type) over member_boundaries as end_type,
           lead(reason) over member_boundaries as end_reason
    from boundaries
    window member_boundaries as (
        partition by member_number order by operation_date, operation_no
        rows between unbounded preceding and current row
    )
)

select member_number, spell_no, operation_date as start_date,
       operation_no as start_operation_no,
       case when operation_type = 'transfer' then 'transfer' else 'subscription' end
           as joined_by,
       case
           when shares_a >= shares_b and shares_a >= shares_c then 'A'
           when shares_b >= shares_c then 'B'
           else 'C'
       end as start_class,
       end_date, end_operation_no,
       case
           when end_operation_no is null then null
           when end_type = 'transfer' then 'transfer'
           when end_reason = 'withdrawal' then 'resignation'
           else end_reason
       end as exit_reason
from paired
where starts_spell
