/*
description: >
  The general assemblies found in the vote files. The ordinary assembly of a year is the only
  assembly of that year; with several, the governance file must say which one is ordinary.
columns:
  assembly_date: Date of the assembly.
  year: Its year.
  is_ordinary: True for the year's ordinary assembly; NULL when it cannot be told.
  assemblies_in_year: How many assemblies the year has.
*/
with assemblies as (
    select distinct assembly_date from ingest.votes
)

select assembly_date, year(assembly_date) as year,
       case when count(*) over (partition by year(assembly_date)) = 1 then true end
           as is_ordinary,
       count(*) over (partition by year(assembly_date)) as assemblies_in_year
from assemblies
