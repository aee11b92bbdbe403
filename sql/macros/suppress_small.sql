/*
The small-cell rule of the annex: a count of fewer than small_cell_limit() people (or responses)
is not published, and when a breakdown has exactly one such cell, the smallest of its other cells
is not published either (with the total, it would give the small one away).
*/
create or replace temp macro small_cell_limit() as 10;

-- a count too small to publish (NULL stays NULL, as a comparison would leave it)
create or replace temp macro is_small(n) as n < small_cell_limit();

-- 'small', 'complement' (the cell that would reveal the breakdown's one small cell) or NULL;
-- n: the cell's count (NULL is 0); is_total: the total, never suppressed; cell_group: the
-- breakdown the cell belongs to; cell_order: which cell is the smallest (ties broken by it)
create or replace temp macro suppress_small(n, is_total, cell_group, cell_order) as
    case
        when not is_total and is_small(coalesce(n, 0)) then 'small'
        when not is_total
             and count(*) filter (where not is_total and is_small(coalesce(n, 0)))
                 over (partition by cell_group) = 1
             and row_number() over (
                 partition by cell_group, is_total, is_small(coalesce(n, 0)) order by cell_order
             ) = 1
            then 'complement'
    end;
