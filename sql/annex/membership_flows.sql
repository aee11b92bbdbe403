/*
group: annex
description: >
  Principle 1 and 2 of the annex: members at the start and end of each year, who joined (a
  membership spell starting in the year, comebacks included), who left and why, applications
  and withdrawal requests and how many the board refused. members_end = members_start +
  new_members - exits holds every year.
columns:
  year: Calendar year.
  members_start: Members on 31 December of the year before.
  new_members: Spells starting in the year (a comeback counts).
  exits: Spells ending in the year.
  exits_resignation: Exits by resignation (a withdrawal of all shares included).
  exits_exclusion: Exits by exclusion.
  exits_death: Exits by death.
  exits_bankruptcy: Exits by bankruptcy.
  exits_winding_up: Exits by winding up.
  exits_transfer: Exits by transfer of all shares.
  members_end: Members on 31 December (an exit dated 31/12 is no longer a member).
  members_end_a: Members of category A on 31 December.
  members_end_b: Members of category B on 31 December.
  members_end_c: Members of category C on 31 December.
  applications: Applications for membership (subscription requests of type new) dated in the year.
  applications_refused: Of those, refused by the board (cancelled or blocked with a reason).
  withdrawal_requests: Requests to withdraw shares (sell_back, exclusions aside) dated in the year.
  withdrawal_requests_refused: Of those, refused.
*/
with year_end_counts as (
    select year(ref_date) as year, sum(members)::bigint as members,
           (sum(members) filter (where category = 'A'))::bigint as members_a,
           (sum(members) filter (where category = 'B'))::bigint as members_b,
           (sum(members) filter (where category = 'C'))::bigint as members_c
    from core.member_counts
    where month(ref_date) = 12 and day(ref_date) = 31
    group by all
),

-- spells by member number (the same spells core.member_spells publishes under pseudonyms)
spell_starts as (
    select year(start_date) as year, count(*) as new_members
    from staging.member_spells group by all
),

spell_ends as (
    select year(end_date) as year, count(*) as exits,
           count(*) filter (where exit_reason = 'resignation') as exits_resignation,
           count(*) filter (where exit_reason = 'exclusion') as exits_exclusion,
           count(*) filter (where exit_reason = 'death') as exits_death,
           count(*) filter (where exit_reason = 'bankruptcy') as exits_bankruptcy,
           count(*) filter (where exit_reason = 'winding_up') as exits_winding_up,
           count(*) filter (where exit_reason = 'transfer') as exits_transfer
    from staging.member_spells
    where end_date is not null
    group by all
),

applications as (
    select year(request_date) as year, count(*) as applications,
           count(*) filter (
               where state in ('cancelled', 'blocked') and trim(refusal_reason) <> ''
           ) as applications_refused
    from ingest.subscription_requests
    where request_type = 'new'
    group by all
),

withdrawal_requests as (
    select year(request_date) as year, count(*) as withdrawal_requests,
           count(*) filter (where state = 'refused') as withdrawal_requests_refused
    from ingest.operation_requests
    where operation_type = 'sell_back' and reason is distinct from 'exclusion'
    group by all
)

select y.year,
       coalesce(s.members, 0) as members_start,
       coalesce(n.new_members, 0) as new_members,
       coalesce(x.exits, 0) as exits,
       coalesce(x.exits_resignation, 0) as exits_resignation,
       coalesce(x.exits_exclusion, 0) as exits_exclusion,
       coalesce(x.exits_death, 0) as exits_death,
       coalesce(x.exits_bankruptcy, 0) as exits_bankruptcy,
       coalesce(x.exits_winding_up, 0) as exits_winding_up,
       coalesce(x.exits_transfer, 0) as exits_transfer,
       coalesce(e.members, 0) as members_end,
       coalesce(e.members_a, 0) as members_end_a,
       coalesce(e.members_b, 0) as members_end_b,
       coalesce(e.members_c, 0) as members_end_c,
       coalesce(a.applications, 0) as applications,
       coalesce(a.applications_refused, 0) as applications_refused,
       coalesce(w.withdrawal_requests, 0) as withdrawal_requests,
       coalesce(w.withdrawal_requests_refused, 0) as withdrawal_requests_refused
from core.years y
left join year_end_counts s on s.year = y.year - 1
left join year_end_counts e on e.year = y.year
left join spell_starts n on n.year = y.year
left join spell_ends x on x.year = y.year
left join applications a on a.year = y.year
left join withdrawal_requests w on w.year = y.year
order by y.year
