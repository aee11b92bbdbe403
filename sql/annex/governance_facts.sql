/*
group: annex
description: >
  Principles 2, 5 and 6 of the annex: the facts the secretariat keeps by hand in
  governance/YYYY.yaml (no system exports them), one row per fact and year, as validated. A
  count given roughly keeps its qualifier (about 10, more than 300). A year without a governance
  file has no rows here; its figures say that the facts were not provided.
columns:
  year: Year of the governance file.
  key_path: Where the fact is in the file, e.g. ethics_committee.new_cases; a list's path holds
    its number of items, its items are path[0], path[1], ...
  value: The number (NULL for a text fact).
  value_text: A text, date (YYYY-MM-DD) or true/false fact (e.g. the new partner members' names).
  qualifier: about or more_than when the count was given roughly.
  source_file: The governance file.
  source: "The file and key the fact comes from, e.g. governance/2024.yaml: board.elected."
*/
select year, key_path, value, value_text, qualifier, source_file,
       source_file || ': ' || key_path as source
from ingest.governance_facts
order by year, position
