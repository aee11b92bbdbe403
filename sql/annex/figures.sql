/*
description: >
  Every figure of the annex, one row per figure and year, from the first to the last year with
  data: the figures of annex.computed_figures. A figure that cannot be computed for a year is a
  row with a NULL value and a note. Ratios are unrounded fractions.
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
select * from annex.computed_figures
