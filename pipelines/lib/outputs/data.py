"""What the outputs read: one read-only snapshot of the publication, taken in a few queries.

Charts, tables and the draft all work from this snapshot, never from the working database, so
that every output shows what was published (closed years included, with their frozen values).
A section table or figure that is not published (yet) is simply absent: the outputs that need it
say so and skip it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.lib.config import Settings
from pipelines.lib.outputs.formatting import (
    BAND_WORDS,
    NOT_PUBLISHED,
    Lang,
    band_word,
    format_figure,
    qualifier_word,
)
from pipelines.lib.warehouse import CHECK_RESULTS_TABLE, read_publication

FIGURES_TABLE = "annex.figures"

# The exports kept as one file per year or per event are named by their own year or date
# (assembly/ga_2024-06-18.csv, governance/2024.yaml, survey/2024-03_..., training/..._2024.*);
# the register's files are a snapshot of every year (register/cooperators_20250115.csv).
_YEARLY_FILE = re.compile(r"^(?:assembly|governance|survey|training)/\D*(\d{4})")


def file_year(source_file: str) -> int | None:
    """The year an export file is about (its name says), or None for a file about every year
    (the register's snapshot) or one named otherwise."""
    match = _YEARLY_FILE.match(source_file)
    return int(match[1]) if match else None


def row_years(frame: pd.DataFrame) -> pd.Series | None:
    """The year each row of a published table is about: its `year` column, or for a quality
    table its file's year (NaN for a file about every year); None for a table with neither
    column (about every year)."""
    if "year" in frame.columns:
        return pd.to_numeric(frame["year"])
    if "source_file" in frame.columns:
        return pd.to_numeric(frame["source_file"].map(lambda name: file_year(str(name))))
    return None


def rows_up_to(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of a published table that the outputs of `year` can show: those about `year`
    and earlier years (a chart of the year shows the years before it) or every year
    (`row_years`)."""
    years = row_years(frame)
    return frame if years is None else frame[~(years > year)]


@dataclass(frozen=True)
class Figure:
    """One row of annex.figures."""

    year: int
    figure_id: str
    value: float | None
    value_text: str | None
    qualifier: str | None
    unit: str | None
    label_nl: str | None
    label_fr: str | None
    source: str | None
    note: str | None
    note_nl: str | None = None
    note_fr: str | None = None

    @property
    def available(self) -> bool:
        return self.value is not None or self.value_text is not None

    def label(self, lang: Lang) -> str:
        return (self.label_nl if lang == "nl" else self.label_fr) or self.figure_id

    def stored_text(self, lang: Lang) -> str:
        """The value as stored, unrounded, for the traceability appendix: a number as the
        warehouse holds it, a text figure's words, the qualifier as a word, the one marker of a
        value not published."""
        if self.value is not None:
            text = str(int(self.value)) if self.value.is_integer() else repr(self.value)
        elif self.value_text is not None:
            text = (
                band_word(self.value_text, lang)
                if self.value_text in BAND_WORDS
                else self.value_text
            )
        else:
            return NOT_PUBLISHED[lang]
        qualifier = qualifier_word(self.qualifier, lang)
        return f"{text} ({qualifier})" if qualifier else text

    def note_in(self, lang: Lang) -> str | None:
        """Why the value is not published, in `lang` (None when it is)."""
        if self.available:
            return None
        return (self.note_nl if lang == "nl" else self.note_fr) or NOT_PUBLISHED[lang]

    def text(self, lang: Lang, *, words: bool = False, feminine: bool = False) -> str:
        return format_figure(
            self.value,
            self.value_text,
            self.qualifier,
            self.unit,
            lang,
            words=words,
            feminine=feminine,
        )


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


@dataclass
class AnnexData:
    """The publication as the outputs see it."""

    publication: Path
    published_at: dt.datetime
    figures: dict[int, dict[str, Figure]]
    tables: dict[str, pd.DataFrame]
    table_comments: dict[str, str] = field(default_factory=dict)
    column_comments: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted(self.figures)

    def figure(self, year: int, figure_id: str) -> Figure | None:
        return self.figures.get(year, {}).get(figure_id)

    def value(self, year: int, figure_id: str) -> float | None:
        figure = self.figure(year, figure_id)
        return figure.value if figure else None

    def figures_like(self, year: int, prefix: str) -> dict[str, Figure]:
        """Figures of `year` whose id starts with `prefix` (e.g. 'p1.exits.')."""
        return {
            fid: fig for fid, fig in self.figures.get(year, {}).items() if fid.startswith(prefix)
        }

    def table(self, name: str) -> pd.DataFrame | None:
        """A published table (e.g. 'annex.staff_training'), or None when it is not published."""
        return self.tables.get(name)

    @functools.cached_property
    def catalog_labels(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(section table, section column) -> the figure catalog's Dutch and French label."""
        catalog = self.table("annex.figure_catalog")
        needed = {"section_table", "section_column", "label_nl", "label_fr"}
        if catalog is None or not needed <= set(catalog.columns):
            return {}
        labels: dict[tuple[str, str], tuple[str, str]] = {}
        for row in catalog[sorted(needed)].itertuples(index=False):
            labels.setdefault(
                (row.section_table, row.section_column), (str(row.label_nl), str(row.label_fr))
            )
        return labels

    @functools.cached_property
    def definitions(self) -> dict[str, tuple[str | None, str | None]]:
        """figure id -> its Dutch and French definition (annex.figure_catalog)."""
        catalog = self.table("annex.figure_catalog")
        needed = {"figure_id", "definition_nl", "definition_fr"}
        if catalog is None or not needed <= set(catalog.columns):
            return {}
        return {
            row.figure_id: (_none(row.definition_nl), _none(row.definition_fr))
            for row in catalog[sorted(needed)].itertuples(index=False)
        }

    def definition(self, figure_id: str, lang: Lang) -> str | None:
        """What the figure counts, in `lang`."""
        nl, fr = self.definitions.get(figure_id, (None, None))
        return nl if lang == "nl" else fr

    def note(self, year: int, figure_id: str, lang: Lang) -> str:
        """Why a figure of `year` is not published, in `lang` (the marker when it gives none)."""
        figure = self.figure(year, figure_id)
        return (figure.note_in(lang) if figure else None) or NOT_PUBLISHED[lang]

    @functools.cached_property
    def survey_texts(
        self,
    ) -> tuple[dict[tuple[str, str], tuple[str, str]], dict[str, tuple[str, str]]]:
        """From the codebooks, as published: (question column, answer code) -> the answer's
        Dutch and French text, and question column -> the question's."""
        frame = self.table("annex.survey_distribution")
        needed = {"question_column", "answer_code", "answer_nl", "answer_fr", "text_nl", "text_fr"}
        if frame is None or not needed <= set(frame.columns):
            return {}, {}
        answers: dict[tuple[str, str], tuple[str, str]] = {}
        questions: dict[str, tuple[str, str]] = {}
        for row in frame[sorted(needed)].itertuples(index=False):
            answers.setdefault(
                (row.question_column, row.answer_code), (row.answer_nl, row.answer_fr)
            )
            questions.setdefault(row.question_column, (row.text_nl, row.text_fr))
        return answers, questions

    def localized(
        self, name: str, frame: pd.DataFrame, lang: Lang, *, rename: bool = True
    ) -> pd.DataFrame:
        """Rows of the published table `name` as a `lang` reader gets them (labels.localize)."""
        from pipelines.lib.outputs.labels import localize

        answers, questions = self.survey_texts
        return localize(frame, name, lang, self.catalog_labels, answers, questions, rename=rename)

    def has_columns(self, name: str, *columns: str) -> bool:
        frame = self.table(name)
        return frame is not None and all(column in frame.columns for column in columns)

    def year_rows(self, name: str, year: int) -> pd.DataFrame | None:
        """The rows of a section table for one year (None when absent or without a year)."""
        frame = self.table(name)
        if frame is None or "year" not in frame.columns:
            return None
        return frame[frame["year"] == year].reset_index(drop=True)


def load_annex_data(settings: Settings) -> AnnexData:
    """Read the annex and quality tables of the publication, read-only, in one connection.

    The output steps of one build all read the same publication: it is read once, and read
    again only when the file changed (the last one read is kept).
    """
    path = settings.publication_path
    stat = path.stat()
    version = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if _LAST_READ and _LAST_READ[0] == version:
        return _LAST_READ[1]
    data = _read_annex_data(settings)
    _LAST_READ[:] = [version, data]
    return data


_LAST_READ: list[object] = []  # [publication version, AnnexData]


# No output shows them, and they change at every build (when each check ran): reading them would
# make every build's content look new (see manifest.py).
NOT_READ = (CHECK_RESULTS_TABLE,)


def _read_annex_data(settings: Settings) -> AnnexData:
    with read_publication(settings) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name as name, comment from duckdb_tables() "
            "where database_name = current_database() and schema_name in ('annex', 'quality') "
            "and not list_contains(?, name) order by 1",
            [list(NOT_READ)],
        ).fetchall()
        columns = con.execute(
            "select schema_name || '.' || table_name, column_name, comment from duckdb_columns() "
            "where database_name = current_database() and schema_name in ('annex', 'quality') "
            "and comment is not null"
        ).fetchall()
        frames = {name: con.execute(f"select * from {name}").df() for name, _ in tables}
    figures: dict[int, dict[str, Figure]] = {}
    frame = frames.get(FIGURES_TABLE)
    if frame is not None:
        for row in frame.to_dict("records"):
            clean = {key: _none(row.get(key)) for key in Figure.__dataclass_fields__}
            clean["year"] = int(clean["year"])
            clean["value"] = None if clean["value"] is None else float(clean["value"])
            figures.setdefault(clean["year"], {})[clean["figure_id"]] = Figure(**clean)
    column_comments: dict[str, dict[str, str]] = {}
    for table, column, comment in columns:
        column_comments.setdefault(table, {})[column] = comment
    path = settings.publication_path
    return AnnexData(
        publication=path,
        published_at=dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone(),
        figures=figures,
        tables=frames,
        table_comments={name: comment for name, comment in tables if comment},
        column_comments=column_comments,
    )
