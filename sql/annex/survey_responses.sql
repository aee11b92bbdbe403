/*
group: annex
description: >
  Principle 2 of the annex: how many members answered each member survey. Only complete
  responses (with a submit date) count; the response rate divides them by the members on the
  date of the first complete response.
columns:
  survey_id: Survey id (starts with its reference month YYYY-MM).
  year: The year it is the survey of.
  is_survey_of_year: True for the survey the annex reports for that year.
  responses: Complete responses.
  incomplete_responses: Responses without a submit date (not counted anywhere).
  first_complete_date: Date of the first complete response.
  members_on_first_complete_date: Members on that date (after every operation dated on or before it).
  response_rate: responses / members_on_first_complete_date (unrounded).
*/
with members as (
    select ref_date, sum(members)::bigint as members
    from core.member_counts
    group by ref_date
)

select s.survey_id, s.year, s.is_survey_of_year, s.complete_responses as responses,
       s.incomplete_responses, s.first_complete_date,
       case when s.first_complete_date is not null then coalesce(m.members, 0) end
           as members_on_first_complete_date,
       s.complete_responses / nullif(m.members, 0) as response_rate
from core.surveys s
left join members m on m.ref_date = s.first_complete_date
order by s.survey_id
