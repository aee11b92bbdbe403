/*
group: core
description: >
  Every member survey found (a responses file with its codebook), and which one is the survey of
  its year: the only survey whose id starts with the year, or with several the one named by
  participation.survey_id in that year's governance file.
columns:
  survey_id: Survey id (starts with its reference month YYYY-MM).
  year: The year it is the survey of (the id's first four digits).
  complete_responses: Responses with a submit date (counted once when exported twice).
  incomplete_responses: Responses without a submit date (never counted).
  first_complete_date: Date of the first complete response (members are counted on that date).
  likert_questions: likert5 questions in its codebook.
  themes: Themes of its likert5 questions.
  surveys_in_year: Surveys found for the same year.
  named_in_governance: The survey id participation.survey_id names for the year, if any.
  is_survey_of_year: True for the survey the annex reports for its year.
*/
with codebooks as (
    select survey_id,
           count(*) filter (where question_type = 'likert5') as likert_questions,
           list(distinct theme order by theme) filter (where question_type = 'likert5') as themes
    from ingest.survey_codebook
    group by survey_id
),

responses as (
    select survey_id,
           count(distinct response_id) filter (where submitted_at is not null)
               as complete_responses,
           count(distinct response_id) filter (where submitted_at is null)
               as incomplete_responses,
           cast(min(submitted_at) as date) as first_complete_date
    from ingest.survey_responses
    group by survey_id
),

surveys as (
    select c.survey_id, cast(left(c.survey_id, 4) as integer) as year,
           coalesce(r.complete_responses, 0) as complete_responses,
           coalesce(r.incomplete_responses, 0) as incomplete_responses,
           r.first_complete_date, c.likert_questions, c.themes
    from codebooks c
    left join responses r using (survey_id)
),

named as (
    select year, value_text as survey_id
    from ingest.governance_facts
    where key_path = 'participation.survey_id'
)

select s.*, count(*) over (partition by s.year) as surveys_in_year,
       n.survey_id as named_in_governance,
       case
           when n.survey_id is not null then s.survey_id = n.survey_id
           else count(*) over (partition by s.year) = 1
       end as is_survey_of_year
from surveys s
left join named n on n.year = s.year
order by s.survey_id
