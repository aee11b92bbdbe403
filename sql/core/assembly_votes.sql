/*
group: core
description: >
  Every vote row of every assembly, classified: counted (the member's first row, a member on
  the eve of the assembly), duplicate_vote (a further row of the same member, counted once) or
  not_a_member (not a member on the eve: after every operation dated before the assembly).
columns:
  assembly_date: Date of the assembly.
  source_file: Vote file.
  source_row: Row in the vote file.
  member_key: Pseudonym of the member who voted (the member represented, for a proxy).
  channel: onsite, online or proxy.
  voted_at: Time of the vote.
  status: counted, duplicate_vote or not_a_member.
*/
with votes as (
    select v.assembly_date, v.source_file, v.source_row, v.member_key, v.channel, v.voted_at,
           s.start_date is not null as was_member,
           row_number() over (
               partition by v.assembly_date, v.member_key order by v.voted_at, v.source_row
           ) as nth_row
    from ingest.votes v
    -- a member on the eve is in a spell then: started on or before the eve, not ended by it
    -- (spells never overlap, so a vote matches one at most; the same answer as the day-end
    -- states, from a table of spells rather than a view over every operation)
    left join staging.member_spells s
        on s.member_number = v.member_number
       and s.start_date <= v.assembly_date - 1
       and (s.end_date is null or s.end_date > v.assembly_date - 1)
)

select assembly_date, source_file, source_row, member_key, channel, voted_at,
       case
           when not was_member then 'not_a_member'
           when nth_row > 1 then 'duplicate_vote'
           else 'counted'
       end as status
from votes
