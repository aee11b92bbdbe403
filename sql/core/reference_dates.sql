/*
group: core
description: >
  The dates on which the annex counts members: every 31 December (including the one before the
  first year), the eve of every general assembly, and the date of the first complete response
  of every survey (the response rate's denominator).
columns:
  ref_date: The date; members are counted after every operation dated on or before it.
  purpose: year_end, assembly_eve or survey_first_response.
  year: The year the date serves (for year_end of Y-1, the year Y-1 itself).
*/
select distinct make_date(year, 12, 31) as ref_date, 'year_end' as purpose, year
from (select year from core.years union all select min(year) - 1 from core.years)
where year is not null
union all
select distinct assembly_date - 1, 'assembly_eve', year(assembly_date)
from ingest.votes
union all
select distinct cast(min(submitted_at) as date), 'survey_first_response',
       cast(left(survey_id, 4) as integer)
from ingest.survey_responses
where submitted_at is not null
group by survey_id
