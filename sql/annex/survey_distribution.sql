/*
group: annex
description: >
  Principle 2 of the annex: how the complete responses of each survey answered each question
  (likert5 and single-choice questions; free-text answers are never read). Likert answers: A1
  very dissatisfied ... A5 very satisfied, A6 don't know / not applicable. A survey with fewer
  than 10 complete responses publishes no count.
columns:
  survey_id: Survey id.
  year: The year it is the survey of.
  is_survey_of_year: True for the survey the annex reports for that year.
  question_column: Response column (question code), e.g. WC[SQ001].
  theme: Theme of the question.
  question_type: likert5 or single.
  text_nl: Question in Dutch.
  text_fr: Question in French.
  answer_code: Answer code (A1 ... A6 for likert5).
  answer_nl: >
    The answer in Dutch: the scale's words for likert5, else the text the codebook's question
    gives the code in brackets (A1 werknemer, A2 ...); the code when it gives none.
  answer_fr: The answer in French, likewise.
  answers: Complete responses that gave this answer.
  share: answers / complete responses that answered the question (unrounded).
  responses: Complete responses of the survey (those that skipped the question included).
  suppressed: True when the survey has fewer than 10 complete responses.
  note: Why the counts are withheld.
  note_nl: The same in Dutch.
  note_fr: The same in French.
*/
with complete as (
    -- identical copies of a response count once
    select distinct survey_id, response_id, answers
    from ingest.survey_responses
    where submitted_at is not null
),

questions as (
    select distinct survey_id, column_name, theme, question_type, text_nl, text_fr
    from ingest.survey_codebook
    where question_type in ('likert5', 'single')
),

answers as (
    select c.survey_id, e.key as column_name, e.value as answer_code
    from complete c, unnest(map_entries(c.answers)) as a(e)
),

codes as (
    select survey_id, column_name, unnest(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']) as answer_code
    from questions where question_type = 'likert5'
    union
    select survey_id, column_name, answer_code from answers
),

counts as (
    select survey_id, column_name, answer_code, count(*) as answers
    from answers group by all
),

likert_labels as (
    select * from (values
        ('A1', 'zeer ontevreden', 'très insatisfait·e'),
        ('A2', 'ontevreden', 'insatisfait·e'),
        ('A3', 'neutraal', 'neutre'),
        ('A4', 'tevreden', 'satisfait·e'),
        ('A5', 'zeer tevreden', 'très satisfait·e'),
        ('A6', 'weet niet of niet van toepassing', 'ne sait pas ou sans objet')
    ) as l(answer_code, answer_nl, answer_fr)
),

filled as (
    select q.*, k.answer_code, coalesce(n.answers, 0) as answers
    from questions q
    join codes k using (survey_id, column_name)
    left join counts n using (survey_id, column_name, answer_code)
)

select s.survey_id, s.year, s.is_survey_of_year, f.column_name as question_column, f.theme,
       f.question_type, f.text_nl, f.text_fr, f.answer_code,
       coalesce(
           l.answer_nl,
           nullif(regexp_extract(f.text_nl, '\((?:.*[ ,])?' || regexp_escape(f.answer_code)
                                            || ' ([^,)]+)', 1), ''),
           f.answer_code
       ) as answer_nl,
       coalesce(
           l.answer_fr,
           nullif(regexp_extract(f.text_fr, '\((?:.*[ ,])?' || regexp_escape(f.answer_code)
                                            || ' ([^,)]+)', 1), ''),
           f.answer_code
       ) as answer_fr,
       case when not is_small(s.complete_responses) then f.answers end as answers,
       case when not is_small(s.complete_responses)
           then f.answers / nullif(sum(f.answers) over (partition by s.survey_id, f.column_name), 0)
       end as share,
       s.complete_responses as responses,
       is_small(s.complete_responses) as suppressed,
       suppression_note(
           case when is_small(s.complete_responses) then 'small' end, 'en', 'responses'
       ) as note,
       suppression_note(
           case when is_small(s.complete_responses) then 'small' end, 'nl', 'responses'
       ) as note_nl,
       suppression_note(
           case when is_small(s.complete_responses) then 'small' end, 'fr', 'responses'
       ) as note_fr
from filled f
join core.surveys s using (survey_id)
left join likert_labels l
    on f.question_type = 'likert5' and l.answer_code = f.answer_code
order by s.survey_id, f.column_name, f.answer_code
