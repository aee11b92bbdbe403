"""Build a small raw folder and read back what was published."""

from __future__ import annotations

from pipelines.lib.build import BuildOutcome, run_build
from pipelines.lib.config import Settings
from pipelines.lib.warehouse import read_publication
from tests.builders import Register


def build(settings: Settings, register: Register | None = None) -> BuildOutcome:
    if register is not None:
        register.write(settings.raw_dir)
    return run_build(settings, progress=lambda _line: None, outputs=False)


def figures(settings: Settings, year: int) -> dict[str, float | str | None]:
    with read_publication(settings) as con:
        rows = con.execute(
            "select figure_id, coalesce(value::varchar, value_text), value from annex.figures "
            "where year = ?",
            [year],
        ).fetchall()
    return {figure_id: (value if value is not None else text) for figure_id, text, value in rows}


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with read_publication(settings) as con:
        return con.execute(sql, params or []).fetchall()
