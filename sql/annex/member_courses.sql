/*
group: annex
description: >
  Principle 5 of the annex: courses for members and the public per year, in total and by target
  audience. A session counts when at least one registered person was present; participants are
  the present (session, participant) pairs. In the audience breakdown, the participants of a
  cell covering fewer than 10 people are suppressed (NULL, with a note), and so are those of the
  smallest other cell when a single cell would otherwise be suppressed.
columns:
  year: Year of the sessions.
  audience: all (total), membres, grand public or membres et grand public.
  sessions: Sessions that took place (at least one person present).
  participants: Present (session, participant) pairs in those sessions.
  people: Distinct persons present at least once.
  registrations: Registrations to the year's sessions, present or not (counted once each).
  sessions_without_attendance: Sessions with registrations but nobody present (not counted).
  suppressed: True when participants and people are withheld (publication rule).
  note: Why they are withheld.
  note_nl: The same in Dutch.
  note_fr: The same in French.
*/
with covered as (
    select file_year as year from ingest.member_course_registrations where file_year is not null
    union
    select year(session_date) from ingest.member_course_registrations
),

registrations as (
    select session_id, participant_id, any_value(audience) as audience,
           year(any_value(session_date)) as year, bool_or(status = 'présent') as present
    from ingest.member_course_registrations
    group by session_id, participant_id
),

sessions as (
    select session_id, any_value(year) as year, any_value(audience) as audience,
           bool_or(present) as took_place
    from registrations group by session_id
),

cells as (
    select s.year, grouping_set.audience,
           count(distinct s.session_id) filter (where s.took_place) as sessions,
           count(*) filter (where r.present) as participants,
           count(distinct r.participant_id) filter (where r.present) as people,
           count(*) as registrations,
           count(distinct s.session_id) filter (where not s.took_place)
               as sessions_without_attendance
    from sessions s
    join registrations r using (session_id)
    cross join lateral (select unnest(['all', s.audience]) as audience) as grouping_set
    group by s.year, grouping_set.audience
),

grid as (
    select c.year, a.audience, a.position
    from covered c
    cross join (values
        ('all', 0), ('membres', 1), ('grand public', 2), ('membres et grand public', 3)
    ) as a(audience, position)
),

filled as (
    select g.year, g.audience, g.position,
           coalesce(c.sessions, 0) as sessions, coalesce(c.participants, 0) as participants,
           coalesce(c.people, 0) as people, coalesce(c.registrations, 0) as registrations,
           coalesce(c.sessions_without_attendance, 0) as sessions_without_attendance
    from grid g
    left join cells c using (year, audience)
),

ranked as (
    select *,
           suppress_small(people, audience = 'all', year, (people, position)) as suppression
    from filled
),

flagged as (
    select *,
           suppression_note(suppression, 'en', 'people') as note,
           suppression_note(suppression, 'nl', 'people') as note_nl,
           suppression_note(suppression, 'fr', 'people') as note_fr
    from ranked
)

select year, audience, sessions,
       case when note is null then participants end as participants,
       case when note is null then people end as people,
       registrations, sessions_without_attendance, note is not null as suppressed, note, note_nl, note_fr
from flagged
order by year, position
