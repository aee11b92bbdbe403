/*
group: core
description: >
  The general assemblies: those with a vote file, and those the governance files list. The
  ordinary assembly of a year is the one the year's governance file lists with kind ordinary;
  without one there, the only assembly of that year with a vote file. With several and none
  named, it cannot be told.
columns:
  assembly_date: Date of the assembly.
  year: Its year.
  is_ordinary: True for the year's ordinary assembly; NULL when it cannot be told.
  assemblies_in_year: How many assemblies of the year have a vote file.
  has_votes: True when a vote file exists for it.
  kind: ordinary or extraordinary as the governance file says; NULL when it does not list it.
*/
with voted as (
    select distinct assembly_date from ingest.votes
),

listed as (
    select assembly_date, kind from ingest.governance_assemblies
),

assemblies as (
    select assembly_date, v.assembly_date is not null as has_votes, l.kind
    from voted v
    full join listed l using (assembly_date)
),

counted as (
    select *, year(assembly_date) as year,
           count(*) filter (where has_votes) over (partition by year(assembly_date))
               as assemblies_in_year,
           bool_or(kind = 'ordinary') over (partition by year(assembly_date)) as year_named
    from assemblies
)

select assembly_date, year,
       case
           when year_named then coalesce(kind = 'ordinary', false)
           when has_votes and assemblies_in_year = 1 then true
       end as is_ordinary,
       assemblies_in_year, has_votes, kind
from counted
order by assembly_date
