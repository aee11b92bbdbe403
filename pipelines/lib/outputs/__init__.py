"""What the report author takes, written from the published warehouse (never the working one).

- `data`: one read-only snapshot of the publication (annex.figures by figure id, section tables);
- `formatting`: Belgian numbers (41.702 / 41 702; 1.946,5), qualifiers, band words: used by all;
- `charts`: plotly charts per year and language, HTML + SVG/PNG in one browser session;
- `tables`: CSV and one Excel workbook per year, headers in Dutch and French;
- `draft`: the annex draft per year (templates/annex.<lang>.md.j2), Markdown and HTML;
- `dictionary`: the data dictionary of the publication; `markdown`: the Markdown-to-HTML step.
- `manifest`: which outputs can keep their files (made from the same content last time).

The Dagster assets are in pipelines/defs/outputs.py; closing a year is pipelines/lib/freeze.py.
"""
