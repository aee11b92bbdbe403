/*
group: staging
materialized: view
description: >
  (Private: keyed by member number, never published.) Membership and category of each member
  from one day-end to the next: a member on date d is a member at the end of d, after every
  operation dated on or before d. The category is the share class held, or with several the
  class with the most shares, ties going to the first letter. A view over
  staging.member_operations (its day-end rows where the member holds shares).
columns:
  member_number: Member number of the member.
  valid_from: First date on which the member is in this state (at day-end).
  valid_to: First date on which the state may differ (exclusive); NULL while it lasts.
  category: Category (share class A, B or C).
  shares: Total shares held.
*/
select member_number, operation_date as valid_from, next_date as valid_to,
       case
           when holding_a >= holding_b and holding_a >= holding_c then 'A'
           when holding_b >= holding_c then 'B'
           else 'C'
       end as category,
       total_after as shares
from staging.member_operations
where ends_day and total_after > 0
