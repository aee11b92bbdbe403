/*
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
*/
with membership as (
    unpivot annex.membership_flows
    on columns(* exclude (year))
    into name section_column value value
),

ordinary_assemblies as (
    -- per year: the ordinary assembly, or why there is none to report
    select y.year,
           any_value(a.assembly_date) filter (where a.is_ordinary) as assembly_date,
           count(a.assembly_date) as assemblies
    from core.years y
    left join annex.general_assemblies a on a.year = y.year
    group by y.year
),

assembly_values as (
    select o.year, c.section_column,
           case c.section_column when 'voters' then a.voters when 'turnout' then a.turnout end
               as value,
           case
               when o.assemblies = 0 then 'no general assembly vote file for this year'
               when o.assembly_date is null
                   then 'several general assemblies this year and no governance file naming '
                        || 'the ordinary one'
           end as note
    from ordinary_assemblies o
    cross join (select unnest(['voters', 'turnout']) as section_column) c
    left join annex.general_assemblies a on a.assembly_date = o.assembly_date
),

section_values as (
    select 'annex.membership_flows' as section_table, year, section_column,
           cast(value as double) as value, null::varchar as value_text,
           null::varchar as qualifier, null::varchar as note
    from membership
    union all
    select 'annex.general_assemblies', year, section_column, cast(value as double), null,
           null, note
    from assembly_values
)

select y.year, c.figure_id, v.value, v.value_text, v.qualifier, c.unit, c.label_nl, c.label_fr,
       'sql/' || replace(c.section_table, '.', '/') || '.sql: ' || c.section_column as source,
       case
           when v.value is null and v.value_text is null
               then coalesce(v.note, 'no data for this year')
       end as note
from core.years y
cross join annex.figure_catalog c
left join section_values v
    on v.section_table = c.section_table and v.section_column = c.section_column
   and v.year = y.year
order by y.year, c.figure_id
