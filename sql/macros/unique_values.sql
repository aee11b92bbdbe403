/*
The rule behind every "each value appears once" check: one table macro lists the rows that share
a value, one scalar test proves quickly that none do. `tbl` is a table name ('ingest.cooperators'),
`col` a column name; a value is never shown, only the file and the rows that share it (a member
number must not reach the run log).
*/

-- the repeated values first (one cheap aggregate), then only their rows
create or replace temp macro rows_sharing_a_value(tbl, col) as table
    with cells as (
        select source_file, source_row, columns(col) as value from query_table(tbl)
    ),
    repeated as (select value from cells group by all having count(*) > 1)
    select c.source_file, list(c.source_row order by c.source_row) as rows_sharing_one
    from cells c
    semi join repeated r on r.value = c.value
    group by c.source_file, c.value
    order by rows_sharing_one[1];

-- true when no value repeats: one pass setting a bit per number (far cheaper than grouping 10 M
-- numbers); false when a value repeats, or when the range is too wide for DuckDB's bitmap (the
-- check's query then decides)
create or replace temp macro values_distinct_by_bitmap(tbl, col) as table
    select count(*) = 0 or (count(columns(col)) = count(*)
                            and bit_count(bitstring_agg(columns(col))) = count(*)) as distinct_values
    from query_table(tbl);
