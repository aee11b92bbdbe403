/*
group: core
description: >
  Every course session of the booking tool once, with its registrations: a registration
  exported twice counts once, and counts as present when any of its rows says présent. A
  session took place when at least one registered person was present. No participant id is
  kept.
columns:
  session_id: id_session.
  year: Year of the session date.
  session_date: Date of the session.
  title: Course title (the most frequent spelling among its rows).
  audience: membres, grand public or membres et grand public.
  registrations: Distinct participants registered.
  participants: Of those, present (a present registration).
  took_place: True when at least one person was present.
*/
with registrations as (
    select session_id, participant_id, bool_or(status = 'présent') as present
    from ingest.member_course_registrations
    group by session_id, participant_id
),

sessions as (
    select session_id, any_value(session_date) as session_date, mode(title) as title,
           any_value(audience) as audience
    from ingest.member_course_registrations
    group by session_id
)

select s.session_id, year(s.session_date) as year, s.session_date, s.title, s.audience,
       count(*) as registrations, count(*) filter (where r.present) as participants,
       bool_or(r.present) as took_place
from sessions s
join registrations r using (session_id)
group by all
order by s.session_date, s.session_id
