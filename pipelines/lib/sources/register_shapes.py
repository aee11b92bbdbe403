"""The register in the shapes its keepers really export it, turned into the plain four files.

A shape maps each column of a plain register file (`register.REGISTER_SPECS`) onto a column of
its own files, by any of the headers it may have, and each closed-set value by any of its labels.
A reader of a shape hands `load_export` the same text columns a plain CSV would give, so the
typed tables, their checks and everything downstream are those of the plain form; lineage keeps
the real file and row, and a message names the column as the file's header names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.lib.ingest import ExportError, display_name, trimmed
from pipelines.lib.rawfiles import is_export_name, require_export
from pipelines.lib.sources.register import _SNAPSHOT_FILE, REGISTER_FILES, choose_snapshot
from pipelines.lib.warehouse import quote_literal, set_comments

ODOO_FOLDER = "odoo"
WORKBOOK_NAME = "register.xlsx"
EXIT_REASONS_FILE = "exit_reasons.csv"
REFUSALS_FILE = "refusals.csv"
SOURCE_TABLE = "ingest.register_source"


@dataclass(frozen=True)
class ShapeColumn:
    """Where a plain column's text comes from in a file of another shape.

    `headers`: the headers it may have (first found wins; a header met twice, as two fields
    sharing one French label, is taken at its first place). `values`: label -> plain value (a
    value no label matches is passed on as it is, and the plain column's allowed set refuses
    it). `kind` adapts the cell's text: `int` (a whole number a spreadsheet wrote as `7.0`),
    `date` (`dd/mm/yyyy` or an Excel date), `zero_null` (Odoo's `0` for an unset integer).
    """

    target: str
    headers: tuple[str, ...]
    values: dict[str, str] = field(default_factory=dict)
    required: bool = False
    kind: str = "text"


@dataclass(frozen=True)
class RegisterSource:
    """Which shape of the register a build reads, and its files."""

    shape: str  # "plain", "odoo" or "workbook"
    files: list[Path]
    stamp: str | None = None
    ignored: list[Path] = field(default_factory=list)


SHAPE_NAMES = {
    "plain": "the four register CSV files",
    "odoo": "Odoo's own export (register/odoo/)",
    "workbook": "a register kept in a workbook (register/register.xlsx)",
}


def find_register(register_dir: Path, raw_dir: Path) -> RegisterSource:
    """The shape the register folder holds; two shapes side by side are an error naming them."""
    plain = []
    if register_dir.is_dir():
        plain = [
            p
            for p in sorted(register_dir.glob("*.csv"))
            if p.is_file()
            and (match := _SNAPSHOT_FILE.match(p.name))
            and match["name"] in REGISTER_FILES
        ]
    odoo_dir = register_dir / ODOO_FOLDER
    # Odoo's files as the raw folder's rules name them (any case of `.csv`, no hidden or lock
    # file), each checked before any is opened: a link out of the raw folder is an error
    odoo = [
        p
        for p in (sorted(odoo_dir.iterdir()) if odoo_dir.is_dir() else [])
        if is_export_name(f"register/{ODOO_FOLDER}/{p.name}") and not p.is_dir()
    ]
    for path in odoo:
        require_export(path, raw_dir, display_name(path, raw_dir))
    workbook = register_dir / WORKBOOK_NAME
    found = {
        "plain": plain,
        "odoo": odoo,
        "workbook": [workbook] if workbook.is_file() else [],
    }
    present = {shape: files for shape, files in found.items() if files}
    if len(present) > 1:
        listed = "; ".join(
            f"{SHAPE_NAMES[shape]}: {', '.join(display_name(p, raw_dir) for p in files[:3])}"
            for shape, files in present.items()
        )
        raise ExportError(
            f"{display_name(register_dir, raw_dir)}: the register is there in more than one "
            f"shape ({listed}). Keep one shape: move the other files out of the raw folder"
        )
    if "odoo" in present:
        return RegisterSource("odoo", odoo)
    if "workbook" in present:
        return RegisterSource("workbook", [workbook])
    snapshot = choose_snapshot(register_dir)
    return RegisterSource("plain", list(snapshot.files.values()), snapshot.stamp, snapshot.ignored)


def company_name_only(texts: dict[str, str]) -> str:
    """The members' name column of another shape: a company's name only (persons' names are
    never needed, so never read past the header), from the shape's `is_company` and name."""
    return f"case when {texts['is_company']} = 'True' then {texts['company_name']} end"


def cell_sql(cell: str, column: ShapeColumn, odoo: bool) -> str:
    """SQL: the plain text of a cell for `column` (trimmed, NULL when empty)."""
    return value_sql(cell_text(cell, odoo), column)


def cell_text(cell: str, odoo: bool) -> str:
    """SQL: a cell's text, trimmed, NULL when empty (and, when `odoo`, without the ' Odoo
    puts before a text starting with =, + or -: spreadsheet formulas)."""
    text = trimmed(cell)
    if odoo:
        text = (
            f"(case when {cell} like '''%' and substr({cell}, 2, 1) in ('=', '+', '-') "
            f"then nullif(trim(substr({cell}, 2), ' '), '') else {text} end)"
        )
    return text


def value_sql(text: str, column: ShapeColumn) -> str:
    """SQL: the plain value of `column` from its cell's text (`cell_text`): a choice's label
    mapped, a spreadsheet's whole number or date made plain. `text` is written out more than
    once: best a column, not an expression."""
    if column.values:
        cases = " ".join(
            f"when {quote_literal(label)} then {quote_literal(value)}"
            for label, value in column.values.items()
        )
        text = f"(case {text} {cases} else {text} end)"
    if column.kind == "int":  # a spreadsheet's whole number is a float: 10001.0
        text = f"regexp_replace({text}, '^(-?[0-9]+)\\.0+$', '\\1')"
    elif column.kind == "zero_null":
        text = f"nullif({text}, '0')"
    elif column.kind == "date":  # an Excel date, a date and time, or dd/mm/yyyy: ISO
        text = (
            f"coalesce(strftime(coalesce(try_cast(try_cast({text} as timestamp) as date), "
            f"try_cast(try_strptime({text}, '%d/%m/%Y') as date), "
            f"case when regexp_full_match({text}, '[1-9][0-9]{{0,5}}(\\.[0-9]+)?') "
            f"then date '1899-12-30' + cast(floor(cast({text} as double)) as integer) end), "
            f"'%Y-%m-%d'), {text})"
        )
    return text


def locate(
    header: list[str], columns: tuple[ShapeColumn, ...], where: str
) -> dict[str, tuple[int, str]]:
    """For each column found: its position in `header` and the header it has there. A
    required column found under none of its headers is an error naming the file."""
    found = {}
    for column in columns:
        for name in column.headers:
            if name in header:
                found[column.target] = (header.index(name), name)
                break
        else:
            if column.required:
                raise ExportError(
                    f"{where}: required column {column.headers[0]!r} is missing from the header "
                    f"(also accepted: {', '.join(repr(h) for h in column.headers[1:4])})"
                )
    return found


def record_source(
    con: duckdb.DuckDBPyConnection,
    shape: str,
    files: list[str],
    exit_reasons_note: str | None,
    refusals_note: str | None,
) -> None:
    """`ingest.register_source`: the shape read, and why the reasons are unknown (if so)."""
    con.execute("create schema if not exists ingest")
    con.execute(
        f"create or replace table {SOURCE_TABLE} (shape varchar, files varchar, "
        "exit_reasons_note varchar, refusals_note varchar)"
    )
    con.execute(
        f"insert into {SOURCE_TABLE} values (?, ?, ?, ?)",
        [shape, ", ".join(files), exit_reasons_note, refusals_note],
    )
    set_comments(
        con,
        SOURCE_TABLE,
        "The shape of the register the build read (plain, odoo or workbook), its files, and "
        "why exit or refusal reasons are unknown (NULL when they are known).",
        {
            "shape": "plain (the four CSV files), odoo (Odoo's own export) or workbook.",
            "files": "The files read, relative to the raw folder.",
            "exit_reasons_note": "Why the journal's exit reasons are unknown, or NULL.",
            "refusals_note": "Why the board's refusal reasons are unknown, or NULL.",
        },
    )
