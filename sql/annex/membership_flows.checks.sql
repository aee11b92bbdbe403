/*
name: membership_flows_reconcile
description: members_end = members_start + new_members - exits, every year.
fix: >
  The year-end counts and the spells disagree: look for operations that do not apply in date
  order in the register export, then rebuild.
severity: error
*/
select year, members_start, new_members, exits, members_end,
       members_start + new_members - exits - members_end as difference
from annex.membership_flows
where members_end <> members_start + new_members - exits;

/*
name: categories_sum_to_members
description: members_end.A + .B + .C = members_end, every year.
fix: "Some member holds shares of a class outside A, B, C: check share_short_name."
severity: error
*/
select year, members_end_a, members_end_b, members_end_c, members_end
from annex.membership_flows
where members_end_a + members_end_b + members_end_c <> members_end;
