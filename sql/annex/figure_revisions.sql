/*
group: annex
description: >
  Revisions of closed years: every frozen figure for which the current exports give another
  value (or none). The published figure (annex.figures) stays the frozen value; this table says
  what a corrected export would have changed, for the annex's notes. Empty when no closed year
  differs.
columns:
  year: Closed year.
  figure_id: Figure id (see annex.figure_catalog).
  label_nl: Label in Dutch.
  label_fr: Label in French.
  frozen_value: Value published when the year was closed (and still published).
  frozen_value_text: Text value published when the year was closed.
  computed_value: Value the current exports give (annex.computed_figures); NULL when they give none.
  computed_value_text: Text value the current exports give.
  difference: computed_value - frozen_value, when both are numbers.
  frozen_at: When the year was closed.
*/
select f.year, f.figure_id, f.label_nl, f.label_fr,
       f.value as frozen_value, f.value_text as frozen_value_text,
       c.value as computed_value, c.value_text as computed_value_text,
       c.value - f.value as difference,
       f.frozen_at
from annex.frozen_figures f
left join annex.computed_figures c on c.year = f.year and c.figure_id = f.figure_id
where f.value_text is distinct from c.value_text
   or f.qualifier is distinct from c.qualifier
   or (f.value is null) <> (c.value is null)
   -- relative tolerance: a sum of doubles may differ in its last bits between two runs
   or abs(f.value - c.value) > 1e-9 * greatest(abs(f.value), abs(c.value), 1)
order by f.year, f.figure_id
