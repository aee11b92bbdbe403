/*
description: >
  (Private: keyed by member number, never published.) Day-end holdings per member and share class as validity intervals: the holding is `shares`
  from the end of valid_from until the day before valid_to. Members and categories on any date
  are read from here.
columns:
  member_number: Member number of the member.
  share_class: Share class.
  valid_from: First day-end at which the member holds `shares` of the class.
  valid_to: First day-end at which the holding differs (exclusive); NULL while it lasts.
  shares: Shares of the class held.
*/
with day_end as (
    -- several operations on one day: only the state after the last one counts at day-end
    select member_number, share_class, operation_date,
           arg_max(holding, operation_no) as shares
    from staging.holding_history
    group by all
)

select member_number, share_class, operation_date as valid_from,
       lead(operation_date) over (
           partition by member_number, share_class order by operation_date
       ) as valid_to,
       shares
from day_end
