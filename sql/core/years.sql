/*
group: core
description: >
  Every year from the first to the last year with any data: each figure gets a row for each.
  Data: register operations and requests, assembly votes, staff trainings (start dates), course
  sessions, surveys (the year in their id) and governance files.
columns:
  year: Calendar year.
*/
with data_years as (
    select year(operation_date) as year from ingest.share_operations
    union all
    select year(request_date) from ingest.subscription_requests
    union all
    select year(request_date) from ingest.operation_requests
    union all
    select year(assembly_date) from ingest.votes
    union all
    select year(start_date) from ingest.staff_trainings
    union all
    select year(session_date) from ingest.member_course_registrations
    union all
    select cast(left(survey_id, 4) as integer) from ingest.survey_codebook
    union all
    select year from ingest.governance_facts
)

select unnest(generate_series(min(year), max(year))) as year
from data_years
