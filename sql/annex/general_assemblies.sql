/*
group: annex
description: >
  Principle 2 of the annex: every general assembly, who voted and the turnout. Voters are the
  distinct members (the member represented, for a proxy) who were members on the eve of the
  assembly; duplicate rows count once and votes of non-members are left out.
columns:
  assembly_date: Date of the assembly.
  year: Its year.
  is_ordinary: True for the ordinary assembly of the year; NULL when it cannot be told.
  voters: Distinct members who voted and were members on the eve.
  members_on_eve: Members after every operation dated before the assembly.
  turnout: voters / members_on_eve (unrounded).
  vote_rows: Vote rows read and typed.
  duplicate_votes: Further rows of a member who had already voted (counted once).
  non_member_votes: Rows of people who were not members on the eve.
*/
with votes as (
    select assembly_date, count(*) as vote_rows,
           count(distinct member_key) filter (where status = 'counted') as voters,
           count(*) filter (where status = 'duplicate_vote') as duplicate_votes,
           count(*) filter (where status = 'not_a_member') as non_member_votes
    from core.assembly_votes
    group by all
),

eve as (
    select ref_date + 1 as assembly_date, sum(members)::bigint as members_on_eve
    from core.member_counts
    where ref_date in (select ref_date from core.reference_dates where purpose = 'assembly_eve')
    group by all
)

select a.assembly_date, a.year, a.is_ordinary, v.voters, e.members_on_eve,
       v.voters / nullif(e.members_on_eve, 0) as turnout,
       v.vote_rows, v.duplicate_votes, v.non_member_votes
from core.general_assemblies a
left join votes v using (assembly_date)
left join eve e using (assembly_date)
order by a.assembly_date
