/*
description: >
  Every year from the first to the last year with any data: each figure gets a row for each.
columns:
  year: Calendar year.
*/
with data_years as (
    select year(operation_date) as year from ingest.share_operations
    union all
    select year(request_date) from ingest.subscription_requests
    union all
    select year(request_date) from ingest.operation_requests
    union all
    select year(assembly_date) from ingest.votes
)

select unnest(generate_series(min(year), max(year))) as year
from data_years
