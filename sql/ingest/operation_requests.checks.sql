/*
name: operation_request_ids_unique
description: Every request_id appears once in operation_requests.csv (column id).
fix: >
  Each group of rows listed shares one request_id: correct operation_requests.csv (column id) so that each is on one row.
severity: error
# one pass setting a bit per number (~15x cheaper than grouping 10 M numbers); a range too
# wide for DuckDB's bitmap leaves it to the query
passes_if: >
  select count(*) = 0 or (count(request_id) = count(*)
                          and bit_count(bitstring_agg(request_id)) = count(*))
  from ingest.operation_requests
*/
-- the repeated values first (one cheap aggregate), then only their rows; a member number is
-- not shown: the check's output reaches the run log
with repeated as (
    select request_id as value from ingest.operation_requests group by all having count(*) > 1
)
select t.source_file, list(t.source_row order by t.source_row) as rows_sharing_one
from ingest.operation_requests t
semi join repeated r on r.value = t.request_id
group by t.source_file, t.request_id
order by rows_sharing_one[1];
