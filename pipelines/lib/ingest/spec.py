"""How an export is described (`ExportSpec`: columns, types, allowed values, row rules), how a
reader hands over a file's rows (`StagedFile`), what a load reports (`LoadResult`), and how files
are named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipelines.lib.rawfiles import ExportError, never_an_export
from pipelines.lib.warehouse import (
    quote_literal,
)

# Every ingested row's lineage: its file, the file's hash, its row number.
LINEAGE = ("source_file", "file_sha256", "source_row")
# In a typed table, a row stores its file's position in the export's list of files; the file's
# name and hash are computed from it (virtual columns), not written again on every row.
FILE_NO = "source_file_no"


@dataclass(frozen=True)
class Column:
    """A column of an export.

    `parse` is a SQL expression over `{v}` (the trimmed text, NULL when empty) that yields the
    typed value, or NULL when the text cannot be typed; by default a strict cast to `type`.
    `load=False` columns must be in the header but are never read past it (national number,
    free-text answers); `keep=False` columns are read and validated but not stored (a birth
    date no figure uses). `in_header=False` columns are composed by the reader itself from
    several cells (the survey's answers); `stage_type` is then the type of what it composes.
    `enum=True` stores a column of `allowed` values as an ENUM of them, a byte a value instead
    of a string (its other values are reported `not_allowed`, as for any column with
    `allowed`). Loading costs the same (the cast takes what the narrower write saves), but the
    models read and write them faster: at scale 100 the membership window over the journal
    takes ~7.2 s instead of ~8.5 s. None reaches the publication as an ENUM.
    """

    name: str
    type: str = "VARCHAR"
    required: bool = False
    allowed: tuple[str, ...] = ()
    parse: str | None = None
    invalid_reason: str = "bad_type"
    load: bool = True
    keep: bool = True
    description: str = ""
    target: str | None = None  # name in the typed table, when it differs from the header
    in_header: bool = True
    stage_type: str = "VARCHAR"
    enum: bool = False

    def __post_init__(self) -> None:
        if self.enum and (not self.allowed or self.type != "VARCHAR" or self.parse):
            raise ValueError(f"{self.name}: only a VARCHAR column with `allowed` can be an ENUM")

    @property
    def typed_name(self) -> str:
        return self.target or self.name

    @property
    def reader_typed(self) -> bool:
        """Whether DuckDB's CSV reader can type this column itself, as `parse_sql` would: a
        number or an ISO date, with no parse of its own (booleans `True`/`False` and value
        patterns are parsed in SQL, strictly)."""
        numeric = self.type in ("BIGINT", "INTEGER", "DOUBLE") or self.type.startswith("DECIMAL")
        return self.parse is None and (numeric or self.type == "DATE")

    def parse_sql(self, text_column: str) -> str:
        if self.parse:
            return self.parse.format(v=text_column)
        if self.enum:
            members = ", ".join(quote_literal(value) for value in self.allowed)
            return f"try_cast({text_column} as enum({members}))"
        if self.type == "DATE":
            return f"try_cast(try_strptime({text_column}, '%Y-%m-%d') as date)"
        if self.type == "BOOLEAN":
            return f"case {text_column} when 'True' then true when 'False' then false end"
        return f"try_cast({text_column} as {self.type})"


@dataclass(frozen=True)
class RowRule:
    """A condition over the typed row that makes it invalid, reported against `column`."""

    column: str
    violated_when: str
    reason: str


@dataclass(frozen=True)
class WorkbookSheet:
    """Where an export's table sits in an Excel workbook.

    `header_row` is the row number Excel shows for the header (rows above it are titles, not
    data). `skip_when` is a SQL condition over the text columns (`text_column(name)`) that marks
    a row below the header that is not data either, such as a totals row: such rows are neither
    read rows nor quarantined. Entirely empty rows are never records.
    """

    sheet: str
    header_row: int = 1
    skip_when: str | None = None


@dataclass(frozen=True)
class ExportSpec:
    name: str  # the typed table: ingest.<name>
    description: str
    columns: tuple[Column, ...]
    rules: tuple[RowRule, ...] = ()
    derived: dict[str, str] = field(default_factory=dict)  # name -> SQL over typed columns
    derived_descriptions: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"
    on_invalid_row: Literal["error", "quarantine"] = "quarantine"
    extra_columns_sql: dict[str, str] = field(default_factory=dict)  # per-file constants
    extra_descriptions: dict[str, str] = field(default_factory=dict)
    workbook: WorkbookSheet | None = None  # for an Excel export: the sheet and its layout

    @property
    def table(self) -> str:
        return f"ingest.{self.name}"

    @property
    def loaded(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.load)

    @property
    def kept(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.load and c.keep)


@dataclass(frozen=True)
class StagedFile:
    """One file's rows, ready for typing.

    `rows` is a SQL query yielding, for every loaded column of the spec, its text (trimmed, NULL
    when empty) under the name `text_column(column.name)`, in file order. `row_number` is the
    SQL expression of the row number over the staged rows: by default their position (the
    stage is written in the reader's order, so `rowid + 1` is the record number), or a
    `source_row` column the query yields itself (a workbook's Excel row numbers).
    """

    display: str
    sha256: str | Future[str]  # a file's hash may still be computing (see `ExportInputs`)
    rows: str
    kind: str = "CSV"
    row_number: str = "rowid + 1"
    # The same rows with the columns in `typed_by_reader` typed by the reader itself (their
    # stage columns hold values, not text): tried first, as it is much cheaper on a large
    # file; when the reader meets a value it cannot type, `rows` is read instead to find out
    # which rows are unusable and why.
    typed_rows: str | None = None
    typed_by_reader: frozenset[str] = frozenset()
    # Given the records the reader returned, why they are not all the file holds (a sentence),
    # or None: the reader may give up on a record without a word (see `records_check`).
    verify_records: Callable[[int], str | None] | None = None
    # How a message names a spec column in this file, when the file's header says it otherwise
    # (a register kept in another shape: `Operation Type` for `type`).
    column_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    table: str
    files: list[str]
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    warnings: list[str]
    # the files were not read again: the table made from the same files by the same code is kept
    reused: bool = False


def display_name(path: Path, raw_dir: Path) -> str:
    """How a file is named in messages and lineage: relative to the raw folder."""
    return path.relative_to(raw_dir).as_posix() if path.is_relative_to(raw_dir) else path.name


def text_column(name: str) -> str:
    """The stage's text column for spec column `name`, quoted for SQL."""
    return '"_t_' + name.replace('"', '""') + '"'


def trimmed(cell: str) -> str:
    """SQL: a cell of the file as text without the spaces around it, NULL when empty.

    Few cells have spaces to remove: testing either end first (a prefix and a suffix test) and
    trimming only those that need it spares a copy of every other cell (~1 s per 10 M rows).
    """
    return (
        f"case when {cell} like ' %' or {cell} like '% ' then nullif(trim({cell}, ' '), '') "
        f"else nullif({cell}, '') end"
    )


def header_names(cells: Sequence[str], display: str, blank_ok: bool = False) -> list[str]:
    """The trimmed header names; `blank_ok` for a sheet, whose header row is as wide as the
    sheet (empty cells after the last name are not columns)."""
    names = [cell.strip() for cell in cells]
    if not any(names):
        raise ExportError(f"{display}: the file is empty (no header row)")
    duplicated = sorted({n for n in names if (n or not blank_ok) and names.count(n) > 1})
    if duplicated:
        raise ExportError(f"{display}: column {duplicated[0]!r} appears twice in the header")
    return names


def not_read(folder: Path, read: Iterable[Path], raw_dir: Path, expected: str) -> list[str]:
    """A warning for each file of `folder` the build does not read (not in `read`), saying
    what it would have to be (`expected`). Hidden files, Excel's lock files (`~$...`) and
    README files are no exports; subfolders are not looked into."""
    taken = set(read)
    return [
        f"{display_name(path, raw_dir)}: not {expected}, not read"
        for path in (sorted(folder.iterdir()) if folder.is_dir() else [])
        if path.is_file() and path not in taken and not never_an_export(path.name)
    ]


def iter_files(folder: Path, pattern: str) -> Iterator[Path]:
    """Files of `folder` matching the glob `pattern`, sorted; none when the folder is missing."""
    if folder.is_dir():
        yield from sorted(p for p in folder.glob(pattern) if p.is_file())
