"""The data dictionary: every published table and column, from the comments in the publication.

Written as `outputs/data-dictionary.md` and `.html`, with a short guide to opening the warehouse
read-only from the DuckDB CLI, DBeaver and Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.lib import atomic
from pipelines.lib.config import Settings
from pipelines.lib.outputs.markdown import to_html
from pipelines.lib.outputs.templating import environment
from pipelines.lib.warehouse import PUBLICATION_STORAGE_VERSION, read_publication


@dataclass
class Column:
    name: str
    type: str
    comment: str


@dataclass
class Table:
    schema: str
    name: str
    comment: str
    rows: int
    columns: list[Column]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def read_dictionary(settings: Settings) -> list[Table]:
    """Every table of the publication with its comment, row count and columns."""
    with read_publication(settings) as con:
        tables = con.execute(
            "select schema_name, table_name, coalesce(comment, '') from duckdb_tables() "
            "where database_name = current_database() order by schema_name, table_name"
        ).fetchall()
        columns = con.execute(
            "select schema_name, table_name, column_name, data_type, coalesce(comment, '') "
            "from duckdb_columns() where database_name = current_database() "
            "order by schema_name, table_name, column_index"
        ).fetchall()
        result = []
        for schema, name, comment in tables:
            rows = int(con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0])
            result.append(
                Table(
                    schema,
                    name,
                    comment,
                    rows,
                    [
                        Column(column, kind, text)
                        for s, t, column, kind, text in columns
                        if (s, t) == (schema, name)
                    ],
                )
            )
    return result


def render_dictionary(settings: Settings, tables: list[Table]) -> tuple[str, str]:
    """The dictionary as Markdown and as a self-contained HTML page."""
    env = environment()
    markdown = env.get_template("data-dictionary.md.j2").render(
        tables=tables,
        path=settings.publication_path,
        storage_version=PUBLICATION_STORAGE_VERSION.lstrip("v"),
        schemas=sorted({table.schema for table in tables}),
    )
    page = env.get_template("page.html.j2").render(
        lang="en", title="Data dictionary: coop.duckdb", body=to_html(markdown)
    )
    return markdown, page


def write_dictionary(settings: Settings, outputs_dir: Path) -> list[Path]:
    tables = read_dictionary(settings)
    markdown, page = render_dictionary(settings, tables)
    outputs_dir.mkdir(parents=True, exist_ok=True)
    md_path = outputs_dir / "data-dictionary.md"
    html_path = outputs_dir / "data-dictionary.html"
    atomic.write_text(md_path, markdown)
    atomic.write_text(html_path, page)
    return [md_path, html_path]
