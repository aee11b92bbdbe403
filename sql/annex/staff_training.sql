/*
group: annex
description: >
  Principle 5 of the annex: trainings of the support staff per year (the year of the start
  date), in total, by type and by gender. A training counts when someone took part; hours are
  the participations' hours. In the breakdowns, a cell covering fewer than 10 people is
  suppressed (NULL, with a note), and so is the smallest other cell of the breakdown when a
  single cell would otherwise be suppressed (it could be recomputed from the total).
columns:
  year: Year the trainings started.
  breakdown: total, type or gender.
  category: all (total), formeel / informeel / initieel (type) or M / V / X (gender).
  trainings: Distinct trainings with at least one participation (of the category).
  participants: Distinct staff members who took part.
  hours: Hours followed.
  suppressed: True when the cell is withheld (publication rule).
  note: Why the cell is withheld.
  note_nl: The same in Dutch.
  note_fr: The same in French.
*/
with covered as (
    -- the years the HR workbooks cover: their file years and their trainings' start years
    select file_year as year from ingest.staff_trainings where file_year is not null
    union
    select year(start_date) from ingest.staff_trainings
),

trainings as (
    select distinct training_id, training_type, year(start_date) as year
    from ingest.staff_trainings
),

participations as (
    select distinct p.training_id, p.staff_number, p.gender, p.hours, t.training_type, t.year
    from ingest.staff_participations p
    join trainings t using (training_id)
),

cells as (
    select year, 'total' as breakdown, 'all' as category,
           count(distinct training_id) as trainings,
           count(distinct staff_number) as participants, sum(hours) as hours
    from participations group by year
    union all
    select year, 'type', training_type, count(distinct training_id),
           count(distinct staff_number), sum(hours)
    from participations group by year, training_type
    union all
    select year, 'gender', gender, count(distinct training_id), count(distinct staff_number),
           sum(hours)
    from participations group by year, gender
),

grid as (
    select c.year, g.breakdown, g.category, g.position
    from covered c
    cross join (values
        ('total', 'all', 0), ('type', 'formeel', 1), ('type', 'informeel', 2),
        ('type', 'initieel', 3), ('gender', 'M', 4), ('gender', 'V', 5), ('gender', 'X', 6)
    ) as g(breakdown, category, position)
),

filled as (
    select g.year, g.breakdown, g.category, g.position,
           coalesce(c.trainings, 0) as trainings, coalesce(c.participants, 0) as participants,
           coalesce(c.hours, 0) as hours
    from grid g
    left join cells c using (year, breakdown, category)
),

ranked as (
    select *,
           suppress_small(
               participants, breakdown = 'total', (year, breakdown), (participants, position)
           ) as suppression
    from filled
),

flagged as (
    select *,
           suppression_note(suppression, 'en', 'people') as note,
           suppression_note(suppression, 'nl', 'people') as note_nl,
           suppression_note(suppression, 'fr', 'people') as note_fr
    from ranked
)

select year, breakdown, category,
       case when note is null then trainings end as trainings,
       case when note is null then participants end as participants,
       case when note is null then hours end as hours,
       note is not null as suppressed, note, note_nl, note_fr
from flagged
order by year, position
