/*
description: >
  (Private: keyed by member number, never published.) Members on each reference date (total holding > 0 after every operation dated on or before it)
  with their category: the share class held, or with several the class with the most shares,
  ties going to the first letter.
columns:
  ref_date: Reference date (see core.reference_dates).
  member_number: Member number of the member.
  category: Category on that date (share class A, B or C).
  shares: Total shares held.
*/
with holdings_on_date as (
    select d.ref_date, h.member_number, h.share_class, h.shares
    from (select distinct ref_date from core.reference_dates) d
    join staging.class_holdings h
        on h.valid_from <= d.ref_date and (h.valid_to is null or h.valid_to > d.ref_date)
    where h.shares > 0
)

select ref_date, member_number,
       -- most shares wins, ties to the first letter: (shares, then A > B > C) as one integer
       arg_max(share_class, shares * 4 + 3 - (ascii(share_class) - ascii('A'))) as category,
       sum(shares) as shares
from holdings_on_date
group by ref_date, member_number
