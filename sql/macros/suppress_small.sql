-- The small-cell rule of everything published: a cell that covers fewer people (or survey
-- responses) than this is withheld; a missing count counts as none.
create or replace macro min_cell() as 10;

-- `people` when a cell of that many may be published, else NULL.
create or replace macro suppress_small(people) as
    case when coalesce(people, 0) >= min_cell() then people end;
