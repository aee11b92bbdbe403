/*
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
    select *,
           total_before <= 0 and total_after > 0 as starts_spell,
           total_before > 0 and total_after <= 0 as ends_spell
    from staging.member_operations
    where (total_before <= 0 and total_after > 0) or (total_before > 0 and total_after <= 0)
),

numbered as (
    select *,
           sum(case when starts_spell then 1 else 0 end) over (
               partition by member_number order by operation_date, operation_no
               rows between unbounded preceding and current row
           ) as spell_no
    from boundaries
)

select s.member_number, s.spell_no, s.operation_date as start_date,
       s.operation_no as start_operation_no,
       case when s.operation_type = 'transfer' then 'transfer' else 'subscription' end
           as joined_by,
       case
           when s.shares_a >= s.shares_b and s.shares_a >= s.shares_c then 'A'
           when s.shares_b >= s.shares_c then 'B'
           else 'C'
       end as start_class,
       e.operation_date as end_date, e.operation_no as end_operation_no,
       case
           when e.operation_type = 'transfer' then 'transfer'
           when e.reason = 'withdrawal' then 'resignation'
           else e.reason
       end as exit_reason
from numbered s
left join numbered e
    on e.member_number = s.member_number and e.spell_no = s.spell_no and e.ends_spell
where s.starts_spell
