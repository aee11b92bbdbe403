/*
group: core
description: >
  Members on each reference date (see core.reference_dates) by category: members are counted
  after every operation dated on or before the date; the category is the share class held, or
  with several the class with the most shares, ties going to the first letter.
columns:
  ref_date: The reference date.
  category: A, B or C.
  members: Members of the category on that date.
*/
with changes as (
    -- +1 on the day a member enters a state, -1 on the day the state ends
    select valid_from as change_date, category, 1 as delta from staging.member_states
    union all
    select valid_to, category, -1 from staging.member_states where valid_to is not null
),

daily as (
    select change_date, category, sum(delta) as delta from changes group by all
),

running as (
    select change_date, category,
           sum(delta) over (partition by category order by change_date) as members
    from daily
),

grid as (
    select distinct d.ref_date, c.category
    from core.reference_dates d
    cross join (select unnest(['A', 'B', 'C']) as category) c
)

select g.ref_date, g.category, coalesce(r.members, 0)::bigint as members
from grid g
asof left join running r on r.category = g.category and r.change_date <= g.ref_date
order by g.ref_date, g.category
