/*
name: operation_request_ids_unique
description: Every request_id appears once in operation_requests.csv (column id).
fix: >
  Each group of rows listed shares one request_id: correct operation_requests.csv (column id) so that each is on one row.
severity: error
passes_if: select * from values_distinct_by_bitmap('ingest.operation_requests', 'request_id')
*/
-- the rule is the macro's (sql/macros/unique_values.sql)
select * from rows_sharing_a_value('ingest.operation_requests', 'request_id');
