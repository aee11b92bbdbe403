/*
group: annex
description: >
  Every figure of the annex as computed from the current exports, one row per figure and year,
  from the first to the last year with data. A figure that cannot be computed for a year is a
  row with a NULL value and a note. Ratios are unrounded fractions. annex.figures is what is
  published (closed years keep their frozen values there).
columns:
  year: Calendar year.
  figure_id: Figure id (see annex.figure_catalog).
  value: Numeric value; NULL for a text figure or when it cannot be computed.
  value_text: Value of a text figure (e.g. p2.survey.band).
  qualifier: about or more_than when the governance file gave the count roughly.
  unit: Unit of the value.
  label_nl: Label in Dutch.
  label_fr: Label in French.
  source: The SQL file and column (or governance key) the value comes from.
  note: Why the value is NULL.
  note_nl: The same in Dutch.
  note_fr: The same in French.
*/
with membership_values as (
    unpivot annex.membership_flows
    on columns(* exclude (year))
    into name section_column value value
),

-- a register that keeps no exit or refusal reason (Odoo without its side files): the figures
-- that need them are NULL with a note, unless the year's governance file counts unlisted exits
-- as resignations
membership as (
    select m.year, m.section_column,
           case when n.note is null then m.value end as value, n.note, n.note_nl, n.note_fr
    from membership_values m
    left join (
        select y.year, unnest([
                   'exits_resignation', 'exits_exclusion', 'exits_death', 'exits_bankruptcy',
                   'exits_winding_up'
               ]) as section_column,
               r.exit_reasons_note
                   || ' (or set register: {unlisted_exits: resignation} in governance/'
                   || y.year || '.yaml)' as note,
               split_part(r.exit_reasons_note, ' ', 1)
                   || ' ontbreekt: Odoo bewaart geen reden van uittreding (of zet '
                   || 'register: {unlisted_exits: resignation} in governance/'
                   || y.year || '.yaml)' as note_nl,
               split_part(r.exit_reasons_note, ' ', 1)
                   || ' manque : Odoo ne conserve aucun motif de sortie (ou indiquez '
                   || 'register: {unlisted_exits: resignation} dans governance/'
                   || y.year || '.yaml)' as note_fr
        from core.years y, ingest.register_source r
        where r.exit_reasons_note is not null
          and not exists (
              select 1 from ingest.governance_facts g
              where g.year = y.year and g.key_path = 'register.unlisted_exits'
                and g.value_text = 'resignation'
          )
        union all
        select y.year, 'applications_refused', r.refusals_note,
               case when r.refusals_note like '% is missing%'
                   then split_part(r.refusals_note, ' ', 1)
                        || ' ontbreekt: Odoo bewaart geen reden van weigering'
                   else split_part(r.refusals_note, ' ', 1)
                        || ' heeft geen blad Aanvragen: het register houdt geen aanvragen bij'
               end,
               case when r.refusals_note like '% is missing%'
                   then split_part(r.refusals_note, ' ', 1)
                        || ' manque : Odoo ne conserve aucun motif de refus'
                   else split_part(r.refusals_note, ' ', 1)
                        || ' n''a pas de feuille Demandes : le registre ne tient pas les demandes'
               end
        from core.years y, ingest.register_source r
        where r.refusals_note is not null
    ) n on n.year = m.year and n.section_column = m.section_column
),

ordinary_assemblies as (
    -- per year: the ordinary assembly, or why there is none to report
    select y.year,
           any_value(a.assembly_date) filter (where a.is_ordinary) as assembly_date,
           count(a.assembly_date) filter (where a.has_votes) as assemblies,
           any_value(a.assembly_date) filter (where a.is_ordinary and not a.has_votes)
               as ordinary_without_votes
    from core.years y
    left join core.general_assemblies a on a.year = y.year
    group by y.year
),

assembly_values as (
    select o.year, c.section_column,
           case c.section_column when 'voters' then a.voters when 'turnout' then a.turnout end
               as value,
           case
               when o.ordinary_without_votes is not null
                   then 'no vote file for the ordinary general assembly of '
                        || strftime(o.ordinary_without_votes, '%Y-%m-%d')
                        || ' (named in governance/' || o.year || '.yaml)'
               when o.assemblies = 0 then 'no general assembly vote file for this year'
               when o.assembly_date is null
                   then 'several general assemblies this year and no governance file naming '
                        || 'the ordinary one'
           end as note,
           case
               when o.ordinary_without_votes is not null
                   then 'geen stembestand voor de gewone algemene vergadering van '
                        || strftime(o.ordinary_without_votes, '%d/%m/%Y')
                        || ' (vermeld in governance/' || o.year || '.yaml)'
               when o.assemblies = 0 then 'geen stembestand van een algemene vergadering voor dit jaar'
               when o.assembly_date is null
                   then 'meerdere algemene vergaderingen dit jaar en geen governancebestand dat '
                        || 'de gewone vergadering aanwijst'
           end as note_nl,
           case
               when o.ordinary_without_votes is not null
                   then 'pas de fichier de votes pour l''assemblée générale ordinaire du '
                        || strftime(o.ordinary_without_votes, '%d/%m/%Y')
                        || ' (mentionnée dans governance/' || o.year || '.yaml)'
               when o.assemblies = 0
                   then 'aucun fichier de votes d''assemblée générale pour cette année'
               when o.assembly_date is null
                   then 'plusieurs assemblées générales cette année et aucun fichier de '
                        || 'gouvernance ne désigne l''assemblée ordinaire'
           end as note_fr
    from ordinary_assemblies o
    cross join (select unnest(['voters', 'turnout']) as section_column) c
    left join annex.general_assemblies a on a.assembly_date = o.assembly_date
),

staff_training as (
    select * from (
        select year, note, note_nl, note_fr,
               case when breakdown = 'total' then 'total' else breakdown || '=' || category end
                   as row_key,
               cast(trainings as double) as trainings,
               cast(participants as double) as participants, cast(hours as double) as hours
        from annex.staff_training
    ) unpivot include nulls (value for column_name in (trainings, participants, hours))
),

member_courses as (
    select * from (
        select year, note, note_nl, note_fr, 'audience=' || audience as row_key,
               cast(sessions as double) as sessions, cast(participants as double) as participants
        from annex.member_courses
    ) unpivot include nulls (value for column_name in (sessions, participants))
),

survey_responses as (
    select year, 'responses' as section_column, cast(responses as double) as value,
           null::varchar as note, null::varchar as note_nl, null::varchar as note_fr
    from annex.survey_responses where is_survey_of_year
    union all
    select year, 'response_rate', response_rate,
           case
               when first_complete_date is null then 'no complete response'
               when response_rate is null then 'no member on the date of the first complete response'
           end,
           case
               when first_complete_date is null then 'geen volledig antwoord'
               when response_rate is null
                   then 'geen vennoten op de datum van het eerste volledige antwoord'
           end,
           case
               when first_complete_date is null then 'aucune réponse complète'
               when response_rate is null
                   then 'aucun coopérateur à la date de la première réponse complète'
           end
    from annex.survey_responses where is_survey_of_year
),

survey_satisfaction as (
    select * from annex.survey_satisfaction where is_survey_of_year and breakdown = 'all'
),

governance_files as (
    select distinct year, source_file from annex.governance_facts
),

governance_values as (
    -- a year with a file: its facts, or a note for the ones it leaves out
    select g.year, c.section_column, f.value, f.value_text, f.qualifier,
           coalesce(f.source, g.source_file || ': ' || c.section_column) as source,
           case when f.key_path is null then 'not given in ' || g.source_file end as note,
           case when f.key_path is null then 'niet opgegeven in ' || g.source_file end as note_nl,
           case when f.key_path is null then 'non renseigné dans ' || g.source_file end as note_fr
    from governance_files g
    cross join (
        select distinct section_column from annex.figure_catalog
        where section_table = 'annex.governance_facts'
    ) c
    left join annex.governance_facts f on f.year = g.year and f.key_path = c.section_column
),

section_values as (
    select 'annex.membership_flows' as section_table, year, section_column,
           cast(value as double) as value, null::varchar as value_text,
           null::varchar as qualifier, null::varchar as source, note, note_nl, note_fr
    from membership
    union all
    select 'annex.general_assemblies', year, section_column, cast(value as double), null,
           null, null, note, note_nl, note_fr
    from assembly_values
    union all
    select 'annex.staff_training', year, column_name || '[' || row_key || ']', value, null,
           null, null, note, note_nl, note_fr
    from staff_training
    union all
    select 'annex.member_courses', year, column_name || '[' || row_key || ']', value, null,
           null, null, note, note_nl, note_fr
    from member_courses
    union all
    select 'annex.survey_responses', year, section_column, value, null, null, null, note, note_nl, note_fr
    from survey_responses
    union all
    select 'annex.survey_satisfaction', year, 'satisfaction_mean[theme=' || theme || ']',
           satisfaction_mean, null, null, null, note, note_nl, note_fr
    from survey_satisfaction
    union all
    select 'annex.survey_satisfaction', year, 'top2box[theme=' || theme || ']', top2box, null,
           null, null, note, note_nl, note_fr
    from survey_satisfaction
    union all
    select 'annex.survey_satisfaction', year, 'band[theme=' || theme || ']', null, band, null,
           null, note, note_nl, note_fr
    from survey_satisfaction
    union all
    select 'annex.governance_facts', year, section_column, cast(value as double), value_text,
           qualifier, source, note, note_nl, note_fr
    from governance_values
),

surveyed_years as (
    select distinct year from annex.survey_responses where is_survey_of_year
),

missing as (
    -- why a section has no value at all for a year
    select * from (values
        ('annex.staff_training', 'no staff training workbook covers this year',
         'geen opleidingsbestand van het personeel voor dit jaar',
         'aucun fichier des formations du personnel pour cette année'),
        ('annex.member_courses', 'no course registration export covers this year',
         'geen export van de inschrijvingen voor opleidingen voor dit jaar',
         'aucun export des inscriptions aux formations pour cette année'),
        ('annex.survey_responses', 'no member survey for this year',
         'geen ledenbevraging voor dit jaar', 'pas d''enquête auprès des membres cette année'),
        ('annex.survey_satisfaction', 'no member survey for this year',
         'geen ledenbevraging voor dit jaar', 'pas d''enquête auprès des membres cette année'),
        ('annex.governance_facts', 'governance facts not provided',
         'geen governancebestand voor dit jaar', 'pas de fichier de gouvernance pour cette année')
    ) as m(section_table, note, note_nl, note_fr)
)

select y.year, c.figure_id, v.value, v.value_text, v.qualifier, c.unit, c.label_nl, c.label_fr,
       coalesce(
           v.source,
           case
               when c.section_table = 'annex.governance_facts'
                   then 'governance/' || y.year || '.yaml: ' || c.section_column
               else 'sql/' || replace(c.section_table, '.', '/') || '.sql: ' || c.section_column
           end
       ) as source,
       case
           when v.value is null and v.value_text is null
               then coalesce(
                   v.note,
                   case
                       when c.section_table = 'annex.survey_satisfaction' and s.year is not null
                           then 'the survey of this year has no A1-A5 answer of this theme'
                   end,
                   m.note,
                   'no data for this year'
               )
       end as note,
       case
           when v.value is null and v.value_text is null
               then coalesce(
                   v.note_nl,
                   case
                       when c.section_table = 'annex.survey_satisfaction' and s.year is not null
                           then 'de bevraging van dit jaar heeft voor dit thema geen antwoord op de tevredenheidsschaal'
                   end,
                   m.note_nl,
                   'geen gegevens voor dit jaar'
               )
       end as note_nl,
       case
           when v.value is null and v.value_text is null
               then coalesce(
                   v.note_fr,
                   case
                       when c.section_table = 'annex.survey_satisfaction' and s.year is not null
                           then 'l''enquête de cette année n''a, pour ce thème, aucune réponse sur l''échelle de satisfaction'
                   end,
                   m.note_fr,
                   'aucune donnée pour cette année'
               )
       end as note_fr
from core.years y
cross join annex.figure_catalog c
left join section_values v
    on v.section_table = c.section_table and v.section_column = c.section_column
   and v.year = y.year
left join missing m on m.section_table = c.section_table
left join surveyed_years s on s.year = y.year
order by y.year, c.figure_id
