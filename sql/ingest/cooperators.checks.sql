/*
name: member_numbers_unique
description: Every cooperator_register_number appears once in cooperators.csv.
fix: >
  Each group of rows listed shares one cooperator_register_number: correct cooperators.csv so that each is on one row.
severity: error
# one pass setting a bit per number (~15x cheaper than grouping 10 M numbers); a range too
# wide for DuckDB's bitmap leaves it to the query
passes_if: >
  select count(*) = 0 or (count(cooperator_register_number) = count(*)
                          and bit_count(bitstring_agg(cooperator_register_number)) = count(*))
  from ingest.cooperators
*/
-- the repeated values first (one cheap aggregate), then only their rows; a member number is
-- not shown: the check's output reaches the run log
with repeated as (
    select cooperator_register_number as value from ingest.cooperators group by all having count(*) > 1
)
select t.source_file, list(t.source_row order by t.source_row) as rows_sharing_one
from ingest.cooperators t
semi join repeated r on r.value = t.cooperator_register_number
group by t.source_file, t.cooperator_register_number
order by rows_sharing_one[1];
