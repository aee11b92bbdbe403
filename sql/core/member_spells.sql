/*
group: core
materialized: view  # published as a table; in the working database a view saves a copy
description: >
  Membership spells, by pseudonym: a spell starts at the operation that takes a member's total
  holding from zero to more than zero (a subscription or a transfer received) and ends at the
  operation that takes it back to zero. A member who leaves and comes back has two spells.
columns:
  member_key: Pseudonym of the member (see core.members).
  spell_no: 1 for the first spell of the member, 2 for a comeback, ...
  start_date: Date of the operation that started the spell.
  joined_by: subscription, or transfer when the member joined by receiving shares.
  start_class: Share class acquired by the operation that started the spell (with several, the one with the most shares, ties to the first letter).
  end_date: Date of the operation that ended the spell; NULL while it lasts.
  exit_reason: >
    resignation (a withdrawal that ends the membership counts as one), exclusion, death,
    bankruptcy, winding_up, or transfer when the member gave away all shares.
*/
select k.member_key, s.spell_no, s.start_date, s.joined_by, s.start_class, s.end_date,
       s.exit_reason
from staging.member_spells s
join ingest.member_keys k on k.member_number = s.member_number
