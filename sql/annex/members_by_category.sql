/*
group: annex
description: >
  Principle 2 of the annex: members on 31 December of each year by category (the statutes
  define the categories by share class).
columns:
  year: Calendar year.
  category: A, B or C.
  members: Members of the category on 31 December.
  share_of_members: Fraction of all members on that date (unrounded).
*/
with categories as (
    select unnest(['A', 'B', 'C']) as category
),

counts as (
    select year(ref_date) as year, category, members
    from core.member_counts
    where month(ref_date) = 12 and day(ref_date) = 31
)

select y.year, c.category, coalesce(n.members, 0) as members,
       coalesce(n.members, 0) / nullif(sum(coalesce(n.members, 0)) over (partition by y.year), 0)
           as share_of_members
from core.years y
cross join categories c
left join counts n on n.year = y.year and n.category = c.category
order by y.year, c.category
