/*
group: annex
description: >
  Every figure of the annex, one row per figure and year, from the first to the last year with
  data: the figures of annex.computed_figures, except for closed years, whose figures are the
  frozen values published when the year was closed (annex.frozen_figures; what a corrected
  export would change is listed in annex.figure_revisions). A figure that cannot be computed for
  a year is a row with a NULL value and a note. Ratios are unrounded fractions.
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
  note_nl: >
    The same in Dutch (for a closed year, the computed note when it is the frozen one, else that
    the year was closed without a value).
  note_fr: The same in French.
*/
-- A closed year keeps every figure it was published with; a figure added to the catalog after
-- the year was closed is published as computed (it was not part of what was frozen).
select c.year, c.figure_id, c.value, c.value_text, c.qualifier, c.unit, c.label_nl,
       c.label_fr, c.source, c.note, c.note_nl, c.note_fr
from annex.computed_figures c
anti join annex.frozen_figures f on f.year = c.year and f.figure_id = c.figure_id

union all

select f.year, f.figure_id, f.value, f.value_text, f.qualifier, f.unit, f.label_nl,
       f.label_fr, f.source, f.note,
       -- a frozen file keeps the English note only (freeze.py writes the columns it always had)
       case
           when f.note is null then null
           when f.note = c.note then c.note_nl
           else 'geen waarde toen het jaar werd afgesloten'
       end,
       case
           when f.note is null then null
           when f.note = c.note then c.note_fr
           else 'aucune valeur à la clôture de l''année'
       end
from annex.frozen_figures f
left join annex.computed_figures c on c.year = f.year and c.figure_id = f.figure_id

order by year, figure_id
