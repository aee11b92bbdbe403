/*
group: annex
description: >
  Principle 2 of the annex: satisfaction per theme of each survey's likert5 questions, over
  complete responses, for all respondents and by language and by the answer to each
  single-choice question. Answers A1 ... A5 score 1 ... 5 and are pooled over the theme's
  questions (not a mean of question means); A6 and unanswered are left out. A group of fewer
  than 10 respondents is suppressed (NULL, with a note), and so is the smallest other group of
  its breakdown when a single group would otherwise be suppressed.
columns:
  survey_id: Survey id.
  year: The year it is the survey of.
  is_survey_of_year: True for the survey the annex reports for that year.
  theme: overall (every likert5 question) or the theme.
  breakdown: all, language, or the single-choice question the groups answered (e.g. STATUS).
  group_value: all, nl / fr, or the answer code ((no answer) for those who skipped it).
  respondents: Complete responses of the group with at least one A1-A5 answer in the theme.
  answers: A1-A5 answers pooled.
  satisfaction_mean: Mean score (1-5, unrounded).
  top2box: Share of A4 and A5 among the A1-A5 answers (unrounded).
  band: low (mean < 2.5), moderate (2.5 <= mean <= 3.5) or high (mean > 3.5).
  suppressed: True when the group's statistics are withheld (publication rule).
  note: Why they are withheld.
  note_nl: The same in Dutch.
  note_fr: The same in French.
*/
with complete as (
    -- identical copies of a response count once
    select distinct survey_id, response_id, language, answers
    from ingest.survey_responses
    where submitted_at is not null
),

codebook as (
    select distinct survey_id, column_name, theme, question_type
    from ingest.survey_codebook
),

scored as (
    select c.survey_id, c.response_id, q.theme, cast(substr(e.value, 2) as integer) as score
    from complete c, unnest(map_entries(c.answers)) as a(e)
    join codebook q on q.survey_id = c.survey_id and q.column_name = e.key
    where q.question_type = 'likert5' and e.value in ('A1', 'A2', 'A3', 'A4', 'A5')
),

by_theme as (
    select survey_id, response_id, theme, score from scored
    union all
    select survey_id, response_id, 'overall', score from scored
),

groups as (
    select survey_id, response_id, 'all' as breakdown, 'all' as group_value from complete
    union all
    select survey_id, response_id, 'language', language from complete
    union all
    select c.survey_id, c.response_id, q.column_name,
           coalesce(c.answers[q.column_name], '(no answer)')
    from complete c
    join codebook q on q.survey_id = c.survey_id and q.question_type = 'single'
),

cells as (
    select distinct g.survey_id, t.theme, g.breakdown, g.group_value
    from groups g
    join (select distinct survey_id, theme from by_theme) t using (survey_id)
),

stats as (
    select g.survey_id, b.theme, g.breakdown, g.group_value,
           count(distinct g.response_id) as respondents, count(*) as answers,
           avg(b.score) as satisfaction_mean,
           avg(case when b.score >= 4 then 1 else 0 end) as top2box
    from groups g
    join by_theme b using (survey_id, response_id)
    group by all
),

ranked as (
    select c.*, coalesce(s.respondents, 0) as respondents, coalesce(s.answers, 0) as answers,
           s.satisfaction_mean, s.top2box,
           -- the breakdown `all` is one group: nothing to reveal by complement there
           suppress_small(
               s.respondents, false, (c.survey_id, c.theme, c.breakdown),
               (coalesce(s.respondents, 0), c.group_value)
           ) as suppression
    from cells c
    left join stats s using (survey_id, theme, breakdown, group_value)
),

flagged as (
    select *,
           suppression_note(suppression, 'en', 'responses') as note,
           suppression_note(suppression, 'nl', 'responses') as note_nl,
           suppression_note(suppression, 'fr', 'responses') as note_fr
    from ranked
)

select s.survey_id, s.year, s.is_survey_of_year, f.theme, f.breakdown, f.group_value,
       case when f.note is null then f.respondents end as respondents,
       case when f.note is null then f.answers end as answers,
       case when f.note is null then f.satisfaction_mean end as satisfaction_mean,
       case when f.note is null then f.top2box end as top2box,
       case
           when f.note is not null then null
           when f.satisfaction_mean < 2.5 then 'low'
           when f.satisfaction_mean <= 3.5 then 'moderate'
           else 'high'
       end as band,
       f.note is not null as suppressed, f.note, f.note_nl, f.note_fr
from flagged f
join core.surveys s using (survey_id)
order by s.survey_id, f.theme <> 'overall', f.theme, f.breakdown <> 'all', f.breakdown,
         f.group_value
