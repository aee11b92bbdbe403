/*
group: annex
description: >
  Every figure the annex publishes: its id, unit, Dutch and French label and definition, and the
  section table and column it is read from. annex.figures has one row per figure in this catalog and year.
columns:
  figure_id: Figure id (see docs/figures.md), e.g. p1.members_end.A.
  principle: ICA principle (1-7) the figure belongs to.
  unit: members, requests, ratio, sessions, hours, participants, responses, mean, text, count.
  label_nl: Label in Dutch.
  label_fr: Label in French.
  section_table: Published table the value is read from.
  section_column: >
    Column of that table; for a table with one row per group, the column and the group's row
    in brackets (hours[gender=M], sessions[audience=all], hours[total] for the total row); for
    annex.governance_facts, the key path in the governance file.
  definition_nl: What the figure counts, in Dutch (the definition of docs/figures.md).
  definition_fr: What the figure counts, in French (the definition of docs/figures.md).
*/
-- The catalogue is a seed: one row per figure, edited as a table (path from the project root).
select * from read_csv(
    'sql/seeds/figure_catalog.csv',
    header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {
        'figure_id': 'varchar', 'principle': 'integer', 'unit': 'varchar',
        'label_nl': 'varchar', 'label_fr': 'varchar',
        'section_table': 'varchar', 'section_column': 'varchar',
        'definition_nl': 'varchar', 'definition_fr': 'varchar'
    }
)
