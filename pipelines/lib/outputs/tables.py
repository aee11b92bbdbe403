"""The annex tables for report authors: CSV files and one Excel workbook per year.

- `outputs/tables/<table>.csv`: every published annex table, all years (machine-readable CSV:
  UTF-8, comma-separated, decimal point, ISO dates);
- `outputs/<year>/tables/<table>_<year>.csv`: the rows of that year of each table that has a year;
- `outputs/<year>/tables/<table>_<year>.nl.csv` and `.fr.csv`: the same rows of each section
  table and of the figures for a Dutch or French reader: headers, codes and notes in that
  language (`labels.localize`), `;`-separated with decimal commas, as a Belgian spreadsheet
  opens them;
- `outputs/quality/<table>.csv`: the quarantine and the files read;
- `outputs/<year>/annex-tables-<year>.xlsx`: a sheet per section (and one with every figure),
  headers in Dutch and French (two header rows), codes as Dutch and French words, numbers
  stored as numbers with a number format (Excel writes them with the reader's separators:
  41.702 in nl-BE, 41 702 in fr-BE).

Text from the inputs is inert everywhere: CSV cells through `inert.csv_frame`, workbook cells
through `inert.xlsx_cell`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipelines.lib.atomic import atomic_path
from pipelines.lib.labels import label, pair, words
from pipelines.lib.outputs.data import FIGURES_TABLE, AnnexData
from pipelines.lib.outputs.formatting import LANGS, excel_number_format, qualifier_word
from pipelines.lib.outputs.inert import csv_frame, xlsx_cell
from pipelines.lib.outputs.labels import HEADERS, TABLE_HEADERS, UNITS, header, word

if TYPE_CHECKING:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

# Section tables in the order of the annex, with their sheet name and NL / FR titles (labels:
# `sheet.<table>`, the sheet's name in both languages, and `section.<table>`).
SECTIONS: dict[str, tuple[str, str, str]] = {
    table: (" - ".join(pair(f"sheet.{table}")), *pair(f"section.{table}"))
    for table in words("section")
    if table != FIGURES_TABLE
}
FIGURES_SHEET = (" - ".join(pair(f"sheet.{FIGURES_TABLE}")), *pair(f"section.{FIGURES_TABLE}"))
# Published annex tables that are not sections of the annex (the figures have their own sheet).
NOT_SECTIONS = {
    FIGURES_TABLE,
    "annex.computed_figures",
    "annex.frozen_figures",
    "annex.figure_catalog",
}

VERTICAL_FROM = 6  # columns above which a one-row section is written vertically
RATIO_HINTS = ("turnout", "share", "rate", "top2box", "ratio")


@dataclass(frozen=True)
class _Styles:
    bold: Font
    italic: Font
    title: Font
    header_fill: PatternFill


@functools.cache
def _styles() -> _Styles:
    """The workbooks' styles; openpyxl is imported when a workbook is first written, not with
    the package (a build whose tables are unchanged writes none)."""
    from openpyxl.styles import Font, PatternFill

    return _Styles(
        bold=Font(bold=True),
        italic=Font(italic=True, color="555555"),
        title=Font(bold=True, size=13),
        header_fill=PatternFill("solid", fgColor="E8EEF1"),
    )


def section_tables(data: AnnexData) -> list[str]:
    """The published section tables, in the annex's order, then any other annex table."""
    published = [name for name in data.tables if name.startswith("annex.")]
    known = [name for name in SECTIONS if name in published]
    others = sorted(n for n in published if n not in SECTIONS and n not in NOT_SECTIONS)
    return known + others


def column_headers(data: AnnexData, table: str, column: str) -> tuple[str, str]:
    """Dutch and French header of a column: from HEADERS, else from the figure catalog (a
    language's own column keeps its "(NL)" in both rows of the bilingual workbook)."""
    if (table, column) in TABLE_HEADERS:
        return TABLE_HEADERS[(table, column)]
    if column in HEADERS:
        return HEADERS[column]
    nl, fr = (header(table, column, lang, data.catalog_labels) for lang in LANGS)
    return nl, fr


def language_tables(data: AnnexData) -> list[str]:
    """The tables a Dutch or French reader gets per year: the figures and the sections."""
    return [FIGURES_TABLE, *section_tables(data)]


# --- CSV --------------------------------------------------------------------------------------


def write_csvs(
    data: AnnexData,
    outputs_dir: Path,
    years: Sequence[int] | None = None,
    every_year: bool = True,
) -> list[Path]:
    """Every annex table (all years: `every_year`) and, per year of `years` (None: every
    year), the rows of that year."""
    written = []
    all_years = outputs_dir / "tables"
    for name, frame in sorted(data.tables.items()):
        if not name.startswith("annex."):
            continue
        short = name.removeprefix("annex.")
        if every_year:
            all_years.mkdir(parents=True, exist_ok=True)
            path = all_years / f"{short}.csv"
            with atomic_path(path) as partial:
                csv_frame(frame).to_csv(partial, index=False)
            written.append(path)
        if "year" not in frame.columns:
            continue
        for year in data.years if years is None else years:
            rows = frame[frame["year"] == year]
            if rows.empty:
                continue
            folder = outputs_dir / str(year) / "tables"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{short}_{year}.csv"
            with atomic_path(path) as partial:
                csv_frame(rows).to_csv(partial, index=False)
            written.append(path)
            if name in language_tables(data):
                written += write_language_csvs(data, name, rows, folder / f"{short}_{year}")
    return written


def write_language_csvs(data: AnnexData, table: str, rows: pd.DataFrame, stem: Path) -> list[Path]:
    """`<stem>.nl.csv` and `<stem>.fr.csv`: the rows for a Dutch and a French reader, as a
    Belgian spreadsheet opens a CSV (`;`, decimal comma, UTF-8 with its byte order mark)."""
    written = []
    for lang in LANGS:
        path = stem.with_name(f"{stem.name}.{lang}.csv")
        frame = csv_frame(data.localized(table, rows, lang))
        # %.15g: 4178 rather than 4178,0, and every digit a double holds reliably
        with atomic_path(path) as partial:
            frame.to_csv(
                partial,
                index=False,
                sep=";",
                decimal=",",
                float_format="%.15g",
                encoding="utf-8-sig",
            )
        written.append(path)
    return written


def write_quality_csvs(data: AnnexData, outputs_dir: Path) -> list[Path]:
    """For the data steward, who opens them in a spreadsheet: `outputs/quality/<table>.csv` of
    the quality tables the outputs read (the rows quarantined with file, row, column and
    reason; the files read with their hashes and row counts)."""
    folder = outputs_dir / "quality"
    written = []
    for name, frame in sorted(data.tables.items()):
        if name.startswith("quality."):
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name.removeprefix('quality.')}.csv"
            with atomic_path(path) as partial:
                csv_frame(frame).to_csv(partial, index=False)
            written.append(path)
    return written


# --- Excel ------------------------------------------------------------------------------------


def _cell_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (AttributeError, ValueError):
            return value
    return value


def _number_format(column: str, value: object, unit: str | None = None) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return "dd/mm/yyyy hh:mm"
    if isinstance(value, dt.date):
        return "dd/mm/yyyy"
    if not isinstance(value, (int, float)):
        return None
    if column == "year":
        return "0"
    if unit is None and any(hint in column for hint in RATIO_HINTS):
        unit = "ratio"
    if unit is None and "mean" in column:
        unit = "mean"
    return excel_number_format(unit, float(value))


@dataclass
class SheetTable:
    """What goes in one sheet: a title per language, columns with their headers, rows."""

    sheet: str
    title_nl: str
    title_fr: str
    source: str
    columns: list[str]
    headers: list[tuple[str, str]]
    rows: list[list[object]]
    units: list[str | None] | None = None  # per row, the unit of the "value" column
    value_formats: list[str] | None = None  # per row, the column whose format "value" takes


def _write_sheet(ws: Worksheet, table: SheetTable, year: int) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    styles = _styles()
    ws.title = table.sheet[:31]
    xlsx_cell(ws["A1"], f"{table.title_nl} {year} / {table.title_fr} {year}")
    ws["A1"].font = styles.title
    xlsx_cell(ws["A2"], f"{' / '.join(pair('workbook.source'))}: {table.source}")
    ws["A2"].font = styles.italic
    for col, (nl, fr) in enumerate(table.headers, start=1):
        top, bottom = ws.cell(row=3, column=col), ws.cell(row=4, column=col)
        xlsx_cell(top, nl)
        xlsx_cell(bottom, fr)
        top.font = styles.bold
        bottom.font = styles.italic
        for cell in (top, bottom):
            cell.fill = styles.header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(table.rows, start=5):
        unit = table.units[r - 5] if table.units else None
        for c, raw in enumerate(row, start=1):
            value = _cell_value(raw)
            cell = ws.cell(row=r, column=c)
            xlsx_cell(cell, value)
            column = table.columns[c - 1]
            if column == "value" and table.value_formats:
                column = table.value_formats[r - 5]
            fmt = _number_format(column, value, unit if column == "value" else None)
            if fmt:
                cell.number_format = fmt
    ws.freeze_panes = "B5" if table.columns and table.columns[0] == "figure_id" else "A5"
    for c in range(1, len(table.columns) + 1):
        texts = [str(table.headers[c - 1][0]), str(table.headers[c - 1][1])]
        texts += [str(row[c - 1]) for row in table.rows[:200] if row[c - 1] is not None]
        width = min(max((len(text) for text in texts), default=8) + 2, 60)
        ws.column_dimensions[get_column_letter(c)].width = max(width, 10)


def bilingual(nl: object, fr: object) -> object:
    """One cell of the bilingual workbook: the word when both languages write it alike."""
    if nl is None or fr is None or pd.isna(nl) or nl == "" or nl == fr:
        return nl
    return f"{nl} / {fr}"


def figures_sheet(data: AnnexData, year: int) -> SheetTable:
    """Every figure of the year with its definition, value, text in both languages and note."""
    columns = ["figure_id", "label_nl", "label_fr", "value", "text_nl", "text_fr", "qualifier",
               "unit", "definition_nl", "definition_fr", "source", "note_nl",
               "note_fr"]  # fmt: skip
    definitions = data.definitions
    rows, units = [], []
    for figure_id, fig in sorted(data.figures.get(year, {}).items()):
        definition = definitions.get(figure_id, (None, None))
        rows.append([
            figure_id, fig.label_nl, fig.label_fr, fig.value, fig.text("nl"), fig.text("fr"),
            bilingual(*(qualifier_word(fig.qualifier, lang) for lang in LANGS)),
            bilingual(*(word(UNITS, fig.unit, lang) for lang in LANGS)),
            *definition, fig.source, fig.note_in("nl"), fig.note_in("fr"),
        ])  # fmt: skip
        units.append(fig.unit)
    sheet, nl, fr = FIGURES_SHEET
    return SheetTable(
        sheet=sheet,
        title_nl=nl,
        title_fr=fr,
        source=f"{FIGURES_TABLE} ({data.publication.name})",
        columns=columns,
        headers=[HEADERS.get(c, (c, c)) for c in columns],
        rows=rows,
        units=units,
    )


def section_sheet(data: AnnexData, table: str, year: int) -> SheetTable | None:
    """The rows of `year`; a section with one row per year (membership flows) reads better
    turned vertical: one line per column, with its Dutch and French label."""
    raw = data.year_rows(table, year)
    if raw is None or raw.empty:
        return None
    sheet, nl, fr = SECTIONS.get(table, (table.removeprefix("annex."), table, table))
    rows = bilingual_rows(data, table, raw)
    columns = list(rows.columns)
    whole = data.table(table)
    one_row_per_year = whole is not None and int(whole.groupby("year").size().max()) == 1
    if one_row_per_year and len(columns) > VERTICAL_FROM:
        record = rows.iloc[0].to_dict()
        return SheetTable(
            sheet=sheet,
            title_nl=nl,
            title_fr=fr,
            source=f"{table} ({data.publication.name})",
            columns=["label_nl", "label_fr", "value"],
            headers=[HEADERS["label_nl"], HEADERS["label_fr"], HEADERS["value"]],
            rows=[[*column_headers(data, table, c), record[c]] for c in columns],
            value_formats=list(columns),
        )
    values = [[row[c] for c in columns] for row in rows.to_dict("records")]
    return SheetTable(
        sheet=sheet,
        title_nl=nl,
        title_fr=fr,
        source=f"{table} ({data.publication.name})",
        columns=columns,
        headers=[column_headers(data, table, c) for c in columns],
        rows=values,
    )


def bilingual_rows(data: AnnexData, table: str, rows: pd.DataFrame) -> pd.DataFrame:
    """A section's rows with codes as words of both languages ("Formeel / Formelle"), the notes
    and texts of each language in their own columns."""
    nl = data.localized(table, rows, "nl", rename=False)
    fr = data.localized(table, rows, "fr", rename=False)
    out = pd.DataFrame(index=rows.index)
    for column in rows.columns:
        if column in nl.columns and column in fr.columns:
            out[column] = [bilingual(a, b) for a, b in zip(nl[column], fr[column], strict=True)]
        elif column in nl.columns:
            out[column] = nl[column]
        elif column in fr.columns:
            out[column] = fr[column]
    return out


def info_rows(data: AnnexData, year: int, run_id: str | None) -> list[tuple[str, str, object]]:
    frozen = data.table("annex.frozen_figures")
    frozen_at = None
    if frozen is not None and "year" in frozen.columns and (frozen["year"] == year).any():
        frozen_at = _cell_value(frozen.loc[frozen["year"] == year, "frozen_at"].iloc[0])
    return [
        (*pair("header.year"), year),
        (*pair("workbook.info.publication"), str(data.publication)),
        (*pair("workbook.info.published_at"), data.published_at.replace(tzinfo=None)),
        (*pair("workbook.info.run"), run_id or ""),
        (*pair("workbook.info.frozen_at"), frozen_at or "—"),
    ] + (
        [(*pair("workbook.info.attention"), " / ".join(pair("workbook.info.frozen_note")))]
        if frozen_at
        else []
    )


def write_workbook(
    data: AnnexData, year: int, outputs_dir: Path, run_id: str | None = None
) -> Path:
    """outputs/<year>/annex-tables-<year>.xlsx: an info sheet, every figure, every section."""
    from openpyxl import Workbook

    styles = _styles()
    wb = Workbook()
    info = wb.active
    info.title = "Info"
    info["A1"] = " / ".join(label("workbook.title", lang, year=year) for lang in LANGS)
    info["A1"].font = styles.title
    for r, (nl, fr, value) in enumerate(info_rows(data, year, run_id), start=3):
        info.cell(row=r, column=1, value=nl).font = styles.bold
        info.cell(row=r, column=2, value=fr).font = styles.italic
        cell = info.cell(row=r, column=3, value=_cell_value(value))
        fmt = _number_format("year" if nl == pair("header.year")[0] else "", cell.value)
        if fmt:
            cell.number_format = fmt
    info.column_dimensions["A"].width = 26
    info.column_dimensions["B"].width = 26
    info.column_dimensions["C"].width = 60
    sheets = [figures_sheet(data, year)]
    sheets += [s for t in section_tables(data) if (s := section_sheet(data, t, year)) is not None]
    for table in sheets:
        _write_sheet(wb.create_sheet(), table, year)
    path = outputs_dir / str(year) / f"annex-tables-{year}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as partial:
        wb.save(partial)
    return path
