/*
group: core
description: >
  Every staff training once (a training listed identically in two HR workbooks counts once),
  with the year it counts in (the year of its start date, whatever file lists it) and its
  participations summed. No staff number is kept.
columns:
  training_id: Opleidings-ID.
  year: Year of the start date, the year the training counts in.
  title: Title.
  training_type: formeel, informeel or initieel.
  provider: intern or the external provider.
  start_date: First day.
  end_date: Last day.
  cost_eur: Cost in euro.
  participants: Distinct staff members who took part.
  hours: Hours followed, summed over the participations.
  counted: True when it has at least one participation (only those count in the annex).
  listed_in: The workbooks that list it.
*/
with trainings as (
    select training_id, any_value(title) as title, any_value(training_type) as training_type,
           any_value(provider) as provider, any_value(start_date) as start_date,
           any_value(end_date) as end_date, any_value(cost_eur) as cost_eur,
           list(distinct source_file order by source_file) as listed_in
    from ingest.staff_trainings
    group by training_id
),

participations as (
    -- identical copies count once (copies that differ stop the ingestion)
    select distinct training_id, staff_number, gender, hours
    from ingest.staff_participations
),

per_training as (
    select training_id, count(distinct staff_number) as participants, sum(hours) as hours
    from participations
    group by training_id
)

select t.training_id, year(t.start_date) as year, t.title, t.training_type, t.provider,
       t.start_date, t.end_date, t.cost_eur, coalesce(p.participants, 0) as participants,
       coalesce(p.hours, 0) as hours, p.training_id is not null as counted, t.listed_in
from trainings t
left join per_training p using (training_id)
order by t.start_date, t.training_id
