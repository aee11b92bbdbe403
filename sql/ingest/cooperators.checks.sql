/*
name: member_numbers_unique
description: Every cooperator_register_number appears once in cooperators.csv.
fix: >
  Each group of rows listed shares one cooperator_register_number: correct cooperators.csv so that each is on one row.
severity: error
passes_if: select * from values_distinct_by_bitmap('ingest.cooperators', 'cooperator_register_number')
*/
-- the rule is the macro's (sql/macros/unique_values.sql)
select * from rows_sharing_a_value('ingest.cooperators', 'cooperator_register_number');
