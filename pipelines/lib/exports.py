"""The one way to read an export: header check, a reader made for the format, typing, quarantine,
lineage.

Every export is described by an `ExportSpec` (its columns, their types and allowed values, and
row rules). A reader turns each file into rows, one column per spec column:
- `load_csv_export` uses DuckDB's own CSV reader, which types numbers and ISO dates itself (the
  rest is text); when it meets a value it cannot type, the file is read again as text so that
  the unusable rows and their reasons can be named;
- `load_workbook_export` uses python-calamine to read one sheet of each Excel workbook, skips the
  rows above the header and the rows that are not data (a totals row), and hands the cells to
  DuckDB as a frame of text columns.
Both hand their rows to one core, `load_export`, which types the remaining columns in SQL and
splits the rows between the typed table and the quarantine, so that rows read = rows loaded + rows
quarantined, and every loaded row keeps its file, the file's sha256 and its row number (the
1-based record number after the header of a CSV, the row number Excel shows in a workbook).

Encodings: DuckDB's CSV reader decodes UTF-8, Latin-1 and UTF-16 by itself; any other encoding
(such as Windows-1252, which the course-booking tool writes) would need DuckDB's `encodings`
extension, which a build must not download. Such files are therefore transcoded to UTF-8 first,
in 1 MiB chunks with Python's strict codec (a byte that is not valid in the declared encoding is
an error naming the file), into a private temporary folder deleted after the load.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

import duckdb
import pandas as pd

from pipelines.lib.hashing import csv_records_of, sha256_of
from pipelines.lib.rawfiles import ExportError, never_an_export, require_export
from pipelines.lib.warehouse import (
    error_summary,
    insertion_order,
    quote_identifier,
    quote_literal,
    scratch_folder,
    set_comments,
)

log = logging.getLogger(__name__)

# Encodings DuckDB's CSV reader decodes itself; others are transcoded to UTF-8 first.
DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "latin-1": "latin-1",
    "utf-16": "utf-16",
}

# Every ingested row's lineage: its file, the file's hash, its row number.
LINEAGE = ("source_file", "file_sha256", "source_row")
# In a typed table, a row stores its file's position in the export's list of files; the file's
# name and hash are computed from it (virtual columns): writing the same two strings on each of
# 10 M rows cost ~3 s, reading them back costs nothing.
FILE_NO = "source_file_no"
QUARANTINE_TABLE = "quality.quarantine"
INGEST_LOG_TABLE = "quality.ingest_files"
# What each typed table was made from (see `export_fingerprint`), and what its load reported.
FINGERPRINT_TABLE = "ingest.export_fingerprints"

# An Excel date cell as python-calamine gives it, once written as text: `2024-03-05` (a date),
# `2024-03-05 09:30:00` (a date and time) or a serial number of Excel's 1900 date system
# (`45356` or `45356.375`: a cell holding a date without a date format). A date typed by hand as
# text in Belgian order (`05/03/2024`) is accepted too.
EXCEL_DATE_SQL = (
    "case when regexp_full_match({v}, '[1-9][0-9]{{0,5}}(\\.[0-9]+)?') "
    "then date '1899-12-30' + cast(floor(cast({v} as double)) as integer) "
    "else coalesce(try_cast(try_cast({v} as timestamp) as date), "
    "try_cast(try_strptime({v}, '%d/%m/%Y') as date)) end"
)


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


# The libraries whose versions are part of what a typed table is made from (`_code_version`).
READING_LIBRARIES = ("duckdb", "python-calamine", "pandas")


@dataclass
class ExportInputs:
    """The files an export is read from, in reading order, and what else its reader depends on
    (`extra`). Their SHA-256 are computed in the background from the moment they are listed
    (~1 GB/s a thread, two files at a time): a hash is waited for only when a previous load can
    be compared with, or when the file's rows are written with it (by then DuckDB has read it).
    """

    names: list[str]
    digests: list[Future[str]]
    extra: tuple[str, ...] = ()

    @classmethod
    def of(cls, paths: Sequence[Path], raw_dir: Path, *extra: str) -> ExportInputs:
        """The files' names and hashes; an ExportError when one may not be read (a link out
        of the raw folder, a device: see `rawfiles.check_export`)."""
        for path in paths:
            require_export(path, raw_dir, display_name(path, raw_dir))
        return cls(
            [display_name(path, raw_dir) for path in paths],
            [sha256_of(path) for path in paths],
            extra,
        )

    def fingerprint(self, con: duckdb.DuckDBPyConnection, spec: ExportSpec) -> str:
        """`export_fingerprint` of these files (waits for their hashes)."""
        files = list(zip(self.names, [d.result() for d in self.digests], strict=True))
        return export_fingerprint(con, spec, files, *self.extra)


@functools.cache
def _code_version() -> str:
    """The code that turns a file into a typed table: this module, the export specs and their
    readers, the warehouse helpers, and the libraries that read the files (DuckDB for CSV;
    python-calamine and pandas for the cells of a workbook)."""
    lib = Path(__file__).parent
    versions = [f"{name} {importlib.metadata.version(name)}" for name in READING_LIBRARIES]
    digest = hashlib.sha256(" ".join(versions).encode())
    for path in sorted([lib / "exports.py", lib / "warehouse.py", *(lib / "sources").glob("*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def export_fingerprint(
    con: duckdb.DuckDBPyConnection,
    spec: ExportSpec,
    files: Sequence[tuple[str, str]],
    *extra: str,
) -> str:
    """What `ingest.<spec.name>` is made from: the reading code, the spec, each file's name and
    content hash (`files`, in reading order), the pseudonym key (some tables derive pseudonyms)
    and whatever else the caller's reader depends on (`extra`).

    A table whose fingerprint is unchanged is the table a new load would write, so it is kept.
    """
    digest = hashlib.sha256()
    probe = _pseudonym_probe(con)
    for part in (_code_version(), repr(spec), probe, *extra):
        digest.update(part.encode() + b"\0")
    for display, sha256 in files:
        digest.update(f"{display}\0{sha256}\0".encode())
    return digest.hexdigest()


def _pseudonym_probe(con: duckdb.DuckDBPyConnection) -> str:
    """The pseudonym of -1 (it changes with the key), or "" on a connection without the
    pseudonym macro. (Asking duckdb_functions() whether the macro exists costs ~30 ms.)"""
    try:
        return str(con.execute("select pseudonym(-1)").fetchone()[0])
    except duckdb.CatalogException:
        return ""


def _last_load(con: duckdb.DuckDBPyConnection, spec: ExportSpec) -> tuple[str, str] | None:
    """The fingerprint and reported result of the last complete load of `spec`, when its table
    is still there."""
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'ingest' and table_name in (?, ?)",
        [spec.name, FINGERPRINT_TABLE.split(".")[1]],
    ).fetchone()[0]
    if exists < 2:
        return None
    return con.execute(
        f"select fingerprint, result from {FINGERPRINT_TABLE} where export = ?", [spec.name]
    ).fetchone()


def _forget_load(con: duckdb.DuckDBPyConnection, spec: ExportSpec) -> None:
    """Before a table is rewritten: a load that stops half-way must not be taken as done."""
    con.execute("create schema if not exists ingest")
    con.execute(
        f"create table if not exists {FINGERPRINT_TABLE} "
        "(export varchar primary key, fingerprint varchar, result varchar)"
    )
    set_comments(
        con,
        FINGERPRINT_TABLE,
        "What each typed table of the ingestion layer was made from (the reading code, the "
        "spec, each file's name and hash, the pseudonym key) and what its load reported: a "
        "build keeps a table whose fingerprint is unchanged instead of reading its files again.",
        None,
    )
    con.execute(f"delete from {FINGERPRINT_TABLE} where export = ?", [spec.name])


def _remember_load(
    con: duckdb.DuckDBPyConnection, spec: ExportSpec, fingerprint: str, result: LoadResult
) -> None:
    con.execute(
        f"insert into {FINGERPRINT_TABLE} values (?, ?, ?)",
        [spec.name, fingerprint, json.dumps(dataclasses.asdict(result))],
    )


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


def _header_names(cells: Sequence[str], display: str, blank_ok: bool = False) -> list[str]:
    """The trimmed header names; `blank_ok` for a sheet, whose header row is as wide as the
    sheet (empty cells after the last name are not columns)."""
    names = [cell.strip() for cell in cells]
    if not any(names):
        raise ExportError(f"{display}: the file is empty (no header row)")
    duplicated = sorted({n for n in names if (n or not blank_ok) and names.count(n) > 1})
    if duplicated:
        raise ExportError(f"{display}: column {duplicated[0]!r} appears twice in the header")
    return names


# The longest header a CSV may have; and the longest line the exact recount reads (DuckDB's own
# limit on a line): beyond, the record is one no reader here would return.
MAX_HEADER_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 21
csv.field_size_limit(MAX_LINE_BYTES)  # the csv module's default (128 KiB) is below a line's


def read_header(path: Path, spec: ExportSpec, display: str) -> list[str]:
    """The header record of a CSV, or an ExportError naming the file."""
    cells = header_cells(path, spec.encoding, spec.delimiter, display)
    return _header_names(cells, display)


def header_cells(path: Path, encoding: str, delimiter: str, display: str) -> list[str]:
    """The cells of a CSV's header record as written, or an ExportError naming the file. At
    most MAX_HEADER_BYTES are read: a header line of a gigabyte is an error, not a gigabyte
    held."""
    declared = encoding
    encoding = "utf-8-sig" if encoding.lower().startswith("utf-8") else encoding
    problem = None
    header: list[str] | None = None
    with open(path, "rb") as handle:
        start = handle.read(MAX_HEADER_BYTES + 1)
    # a header ends at the first line break (a header has no quoted line breaks)
    end = start.find(b"\n")
    if end < 0 and len(start) > MAX_HEADER_BYTES:
        problem = f"the header (row 1) is longer than {MAX_HEADER_BYTES // 1024} KiB: not an export"
    else:
        line = start if end < 0 else start[: end + 1]
        try:
            text = line.decode(encoding)
        except UnicodeDecodeError as exc:
            problem = f"not valid {declared} ({exc.reason})"
        else:
            try:
                header = next(csv.reader([text], delimiter=delimiter), None)
            except csv.Error:
                problem = "the header (row 1) is not valid CSV (a quoted name left open?)"
    if problem is not None:  # raised outside the except blocks: no chained context to report
        raise ExportError(f"{display}: {problem}")
    return header or []


def records_check(
    path: Path, readable: tuple[Path, str], delimiter: str
) -> Callable[[int], str | None]:
    """`StagedFile.verify_records` of a CSV: the records DuckDB's reader returned must be all
    the file holds. DuckDB drops a record longer than it allows (a 1 GB line, binary junk after
    the last row) without a word; the records are counted in the pass that hashes the file
    (quote-aware, see `hashing.RecordCounter`). Where that quick count differs (a stray `"`
    inside an unquoted field fools it), Python's csv module counts them again, each line read
    with a bound (MAX_LINE_BYTES), before the file is refused."""
    counted = csv_records_of(path)

    def verify(read: int) -> str | None:
        quick = counted.result()
        if quick is None or quick == read:
            return None
        exact = _exact_records(*readable, delimiter)
        if exact == read:
            return None
        holds = f"holds {exact} records" if exact is not None else "holds more"
        return (
            f"the reader returned {read} records after the header where the file {holds} "
            f"(row {read + 1} or a later one is longer than the reader allows, binary junk "
            "follows the last row, or the file is cut off mid-record): nothing of it is used; "
            "export the file again"
        )

    return verify


class _LineTooLong(Exception):
    pass


def _exact_records(path: Path, encoding: str, delimiter: str) -> int | None:
    """Records after the header as Python's csv module reads them, or None when a line is
    longer than MAX_LINE_BYTES or the file is not CSV (a reader would not return it whole)."""

    def lines(handle: Iterable[str]) -> Iterator[str]:
        while line := handle.readline(MAX_LINE_BYTES + 1):  # type: ignore[attr-defined]
            if len(line) > MAX_LINE_BYTES:
                raise _LineTooLong
            yield line

    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        try:  # the one loop over records: only for a file whose quick count differs
            return sum(1 for row in csv.reader(lines(handle), delimiter=delimiter) if row) - 1
        except (csv.Error, _LineTooLong):
            return None


def check_header(header: list[str], spec: ExportSpec, display: str) -> list[str]:
    """Raise on a missing column; return a warning per unknown extra column."""
    expected = [column.name for column in spec.columns if column.in_header]
    for name in expected:
        if name not in header:
            raise ExportError(f"{display}: required column {name!r} is missing from the header")
    return [
        f"{display}: unknown column {name!r} ignored" for name in header if name not in expected
    ]


def utf8_copy(path: Path, encoding: str, display: str, scratch: Path) -> Path:
    """Transcode to UTF-8 in 1 MiB chunks for DuckDB, strictly (a bad byte is an error)."""
    handle, name = tempfile.mkstemp(suffix=".csv", dir=scratch)  # mode 0600, a plain name
    os.close(handle)
    target = Path(name)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    problem = None
    with open(path, "rb") as source, open(target, "w", encoding="utf-8", newline="") as out:
        try:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            problem = f"not valid {encoding} ({exc.reason})"
    if problem is not None:
        raise ExportError(f"{display}: {problem}")
    return target


# Characters DuckDB's reader takes for a glob pattern in a path (`*`, `?`, `[`).
_GLOB = re.compile(r"[*?\[]")


def literal_path(path: Path, scratch: Path) -> Path:
    """A path DuckDB reads as the one file `path`: the path itself, or, when it holds a
    character DuckDB takes for a pattern (`2024-03_a*_responses.csv`), a link to it with a
    plain name in `scratch` (DuckDB would read every file the pattern matches)."""
    if not _GLOB.search(str(path)):
        return path
    link = Path(tempfile.mkdtemp(dir=scratch)) / "export.csv"
    link.symlink_to(path.resolve())
    return link


def readable_csv(path: Path, spec: ExportSpec, display: str, scratch: Path) -> tuple[Path, str]:
    """The file DuckDB reads and its encoding: the file itself (or a link to it with a plain
    name), or a UTF-8 copy in `scratch`."""
    encoding = DUCKDB_ENCODINGS.get(spec.encoding.lower())
    if encoding is None:
        return utf8_copy(path, spec.encoding, display, scratch), "utf-8"
    return literal_path(path, scratch), encoding


def csv_reader_sql(
    readable: tuple[Path, str],
    header: list[str],
    spec: ExportSpec,
    types: dict[str, str] | None = None,
) -> str:
    """DuckDB's reader over a CSV file (see `readable_csv`), every column as text except those
    `types` names."""
    path, encoding = readable
    types = types or {}
    all_columns = ", ".join(
        f"{quote_literal(name)}: {quote_literal(types.get(name, 'VARCHAR'))}" for name in header
    )
    return (
        f"read_csv({quote_literal(str(path))}, header = true, auto_detect = false, "
        f"delim = {quote_literal(spec.delimiter)}, quote = '\"', escape = '\"', "
        f"encoding = '{encoding}', strict_mode = true, dateformat = '%Y-%m-%d', "
        f"columns = {{{all_columns}}})"
    )


def _csv_file(
    path: Path,
    sha256: Future[str],
    spec: ExportSpec,
    raw_dir: Path,
    scratch: Path,
    warnings: list[str],
) -> StagedFile:
    display = display_name(path, raw_dir)
    header = read_header(path, spec, display)
    warnings.extend(check_header(header, spec, display))
    readable = readable_csv(path, spec, display, scratch)
    texts = ", ".join(
        f"{trimmed(quote_identifier(c.name))} as {text_column(c.name)}" for c in spec.loaded
    )
    by_reader = {c.name: c.type for c in spec.loaded if c.reader_typed}
    values = ", ".join(
        f"{quote_identifier(c.name) if c.name in by_reader else trimmed(quote_identifier(c.name))}"
        f" as {text_column(c.name)}"
        for c in spec.loaded
    )
    return StagedFile(
        display,
        sha256,
        f"select {texts} from {csv_reader_sql(readable, header, spec)}",
        verify_records=records_check(path, readable, spec.delimiter),
        typed_rows=(
            f"select {values} from {csv_reader_sql(readable, header, spec, by_reader)}"
            if by_reader
            else None
        ),
        typed_by_reader=frozenset(by_reader),
    )


def load_csv_export(
    con: duckdb.DuckDBPyConnection,
    spec: ExportSpec,
    files: Sequence[Path],
    raw_dir: Path,
    *,
    reuse: bool = True,
) -> LoadResult:
    """Read CSV `files` into `ingest.<spec.name>`, quarantining (or refusing) invalid rows.

    `reuse`: keep the table when the files and the code are those it was made from."""
    warnings: list[str] = []
    inputs = ExportInputs.of(files, raw_dir)
    with scratch_folder(con) as scratch:
        staged = (
            _csv_file(path, digest, spec, raw_dir, Path(scratch), warnings)
            for path, digest in zip(files, inputs.digests, strict=True)
        )
        return load_export(con, spec, staged, warnings, inputs=inputs, reuse=reuse)


# --- workbooks --------------------------------------------------------------------------------


# The most cells a sheet's used area may span (python-calamine holds the whole rectangle from
# the first used cell to the last: one cell at XFD1048576 asks for 17 billion). An HR sheet of
# a thousand rows spans a few thousand; a register kept in a workbook, at Excel's million rows,
# under twenty million.
MAX_SHEET_CELLS = 20_000_000
# The most bytes a workbook part may hold once unpacked (a zip bomb is a few KB packed).
MAX_PART_BYTES = 512 << 20
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,3})([0-9]{1,7})\"")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"([0-9]{1,7})\"")
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The archive member holding `sheet`'s cells, from the workbook's own index."""
    parts = {info.filename: info for info in archive.infolist()}
    index, links = parts.get("xl/workbook.xml"), parts.get("xl/_rels/workbook.xml.rels")
    if index is None or links is None or max(index.file_size, links.file_size) > MAX_PART_BYTES:
        return None
    relation = None
    for element in ElementTree.fromstring(archive.read(index)).iter():
        if element.tag.endswith("}sheet") and element.get("name") == sheet:
            relation = element.get(_RELATIONSHIPS)
    for element in ElementTree.fromstring(archive.read(links)).iter():
        if element.tag.endswith("}Relationship") and element.get("Id") == relation:
            target = element.get("Target") or ""
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def workbook_size_problem(path: Path, sheet: str) -> str | None:
    """Why python-calamine must not be asked for `sheet` (a sentence), or None: its used area
    spans more than MAX_SHEET_CELLS, or a part unpacks to more than MAX_PART_BYTES. The cells'
    positions are read from the sheet's XML in 1 MiB pieces: time and memory stay bounded."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return None  # python-calamine says what is wrong with the file
    with archive:
        try:
            member = _sheet_part(archive, sheet)
        except (ElementTree.ParseError, KeyError, zipfile.BadZipFile):
            return None
        if member is None or member not in archive.namelist():
            return None
        if archive.getinfo(member).file_size > MAX_PART_BYTES:
            return f"its sheet {sheet!r} unpacks to more than {MAX_PART_BYTES >> 20} MB"
        rows: list[int] = []
        columns: list[int] = []
        tail = b""
        with archive.open(member) as part:
            for chunk in iter(lambda: part.read(1 << 20), b""):
                piece = tail + chunk
                cells = _CELL_REF.findall(piece)
                numbers = [int(r) for r in _ROW_REF.findall(piece)] + [int(r) for _, r in cells]
                letters = [_column_number(c) for c, _ in cells]
                if numbers:
                    rows += (min(numbers), max(numbers))
                if letters:
                    columns += (min(letters), max(letters))
                tail = piece[-256:]  # a reference cut between two pieces is read whole next
    if not rows:
        return None
    height = max(rows) - min(rows) + 1
    width = max(columns) - min(columns) + 1 if columns else 1
    if height * width <= MAX_SHEET_CELLS:
        return None
    corner = f"{_column_letters(max(columns) if columns else 1)}{max(rows)}"
    return (
        f"its sheet {sheet!r} has a cell as far as {corner}, which makes it {width:,} columns "
        f"by {height:,} rows, too large to be an export: delete the rows and columns after "
        "the table and save it again"
    )


def read_sheet(path: Path, sheet: str, display: str) -> list[list[object]]:
    """Every row of `sheet` from Excel's row 1 on, as python-calamine gives the cells."""
    from python_calamine import CalamineWorkbook

    problem = workbook_size_problem(path, sheet)
    if problem is not None:
        raise ExportError(f"{display}: {problem}")

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for a damaged file
        raise ExportError(f"{display}: cannot be read as an Excel workbook: {exc}") from None
    if sheet not in workbook.sheet_names:
        raise ExportError(
            f"{display}: required sheet {sheet!r} is missing "
            f"(sheets: {', '.join(workbook.sheet_names) or 'none'})"
        )
    return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def sheet_frame(rows: list[list[object]], first_row: int, width: int) -> pd.DataFrame:
    """The first `width` cells of each row as text columns `c0`, `c1`, ..., and `source_row`,
    the row number Excel shows (the first row given is `first_row`).

    Dates become `YYYY-MM-DD` (`YYYY-MM-DD HH:MM:SS` with a time), numbers their shortest
    repr (`7.5`, `10001.0`), booleans `True`/`False`, empty cells ''. Typing happens in SQL.
    """
    frame = pd.DataFrame(rows, dtype=object)
    frame = frame.reindex(columns=range(width)).fillna("").astype(str)
    frame.columns = [f"c{i}" for i in range(width)]
    frame.insert(
        0, "source_row", pd.Series(range(first_row, first_row + len(frame)), dtype="int64")
    )
    return frame


def _workbook_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sheet: Future[list[list[object]]],
    sha256: Future[str],
    spec: ExportSpec,
    raw_dir: Path,
    warnings: list[str],
    registered: list[str],
) -> StagedFile:
    layout = spec.workbook
    assert layout is not None
    display = display_name(path, raw_dir)
    rows = sheet.result()
    where = f"{display} (sheet {layout.sheet!r})"
    if len(rows) < layout.header_row:
        raise ExportError(f"{where}: the sheet is empty (no header in row {layout.header_row})")
    header = _header_names([str(cell) for cell in rows[layout.header_row - 1]], where, True)
    warnings.extend(check_header([name for name in header if name], spec, where))
    frame = sheet_frame(rows[layout.header_row :], layout.header_row + 1, len(header))
    name = f"_sheet_{spec.name}_{len(registered)}"
    con.register(name, frame)
    registered.append(name)
    position = {n: f"c{i}" for i, n in enumerate(header) if n}
    texts = ", ".join(f"{trimmed(position[c.name])} as {text_column(c.name)}" for c in spec.loaded)
    cells = " or ".join(f"{trimmed(column)} is not null" for column in position.values())
    skip = f" and not coalesce({layout.skip_when}, false)" if layout.skip_when else ""
    query = (
        f"select * from (select source_row, {texts} from {name} where {cells or 'false'}) "
        f"where true{skip}"
    )
    return StagedFile(display, sha256, query, kind="an Excel sheet", row_number="source_row")


def load_workbook_export(
    con: duckdb.DuckDBPyConnection,
    spec: ExportSpec,
    files: Sequence[Path],
    raw_dir: Path,
    *,
    reuse: bool = True,
) -> LoadResult:
    """Read one sheet (`spec.workbook`) of each Excel workbook into `ingest.<spec.name>`.

    `reuse`: keep the table when the files and the code are those it was made from."""
    if spec.workbook is None:
        raise ValueError(f"{spec.name}: not a workbook export (spec.workbook is None)")
    warnings: list[str] = []
    registered: list[str] = []
    inputs = ExportInputs.of(files, raw_dir)
    layout = spec.workbook
    # python-calamine parses without holding the GIL: the sheets are read two at a time, ahead
    # of their turn (only when the table is not kept: the pool starts reading when asked)
    with ThreadPoolExecutor(2, thread_name_prefix="sheets") as pool:
        sheets: dict[Path, Future[list[list[object]]]] = {}

        def sheet(path: Path) -> Future[list[list[object]]]:
            if not sheets:  # the first file asked for: read them all
                for each in files:
                    display = display_name(each, raw_dir)
                    sheets[each] = pool.submit(read_sheet, each, layout.sheet, display)
            return sheets[path]

        try:
            staged = (
                _workbook_file(con, path, sheet(path), digest, spec, raw_dir, warnings, registered)
                for path, digest in zip(files, inputs.digests, strict=True)
            )
            return load_export(con, spec, staged, warnings, inputs=inputs, reuse=reuse)
        finally:
            for future in sheets.values():
                future.cancel()
            for name in registered:
                con.unregister(name)


# --- the core ---------------------------------------------------------------------------------


def _stage_file(
    con: duckdb.DuckDBPyConnection, spec: ExportSpec, staged: StagedFile, table: str
) -> None:
    """Write one file's rows into temp table `table`, in file order (a row's position is its
    record number): typed (`_typed_stage`), by the reader where it can, from text otherwise."""
    with insertion_order(con):
        if staged.typed_rows is not None:
            try:
                stage = _typed_stage(spec, staged, staged.typed_rows, staged.typed_by_reader)
                con.execute(f"create or replace temp table {table} as {stage}")
                return
            except duckdb.Error:
                pass  # a value the reader cannot type: read text to find which rows, and why
        try:
            stage = _typed_stage(spec, staged, staged.rows, frozenset())
            con.execute(f"create or replace temp table {table} as {stage}")
        except duckdb.Error as exc:
            raise ExportError(
                f"{staged.display}: cannot be read as {staged.kind}: {reader_error(exc)}"
            ) from None


def _account_for_records(con: duckdb.DuckDBPyConnection, staged: StagedFile, table: str) -> None:
    """A file is read whole or not at all: an ExportError when the reader returned fewer (or
    more) records than the file holds."""
    if staged.verify_records is None:
        return
    read = int(con.execute(f"select count(*) from {table}").fetchone()[0])
    problem = staged.verify_records(read)
    if problem is not None:
        raise ExportError(f"{staged.display}: {problem}")


_CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMN_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_CSV_REASONS = {  # DuckDB's words for what is wrong with a row -> ours
    "unterminated quote": "a quoted field is left open (a truncated export?)",
    "Maximum line size": "the row is longer than the reader allows",
    "Invalid unicode": "not valid in the file's encoding",
}


def reader_error(exc: duckdb.Error) -> str:
    """DuckDB's reader error as a message that names the row and never quotes a value.

    DuckDB's own message repeats the offending row ("Original Line: ..."), which in the register
    is a member's name, birth date, national number and address, and suggests reader options
    that a user cannot set. This keeps the row number (DuckDB counts the header as line 1) and
    the reason; any other error keeps its first line, its quoted literals masked.
    """
    text = str(exc)
    line = _CSV_ERROR_LINE.search(text)
    if line is None:
        return error_summary(exc)
    count = _COLUMN_COUNT.search(text)
    if count:
        reason = f"{count[2]} fields where the header has {count[1]} (a truncated export?)"
    else:
        found = (ours for theirs, ours in _CSV_REASONS.items() if theirs in text)
        reason = next(found, "not valid CSV")
    return f"row {int(line[1]) - 1}: {reason}"


def _typed_stage(spec: ExportSpec, staged: StagedFile, rows: str, by_reader: frozenset[str]) -> str:
    """A staged file's rows (`rows`: their text, or their values for the columns `by_reader`
    typed) as the typed values, the per-file constants and `_issues`, the list of (column,
    reason) that make the row unusable (NULL for a usable row), plus any column of `rows`
    besides the texts (a workbook's row numbers). Typing and testing each row once, as the
    stage is written, leaves the stage narrower (an ENUM is a byte) and the typed table a plain
    copy of its usable rows."""
    texts = ", ".join(text_column(c.name) for c in spec.loaded)
    # the per-file constants are part of the stage: the row rules may read them
    constants = _constants(spec, quote_literal(staged.display))
    return (
        f"select * exclude ({texts}), {_row_issues_sql(spec, by_reader)} as _issues "
        f"from (select *, {_typed_values(spec, by_reader)}{constants} from ({rows}))"
    )


def _typed_values(spec: ExportSpec, by_reader: frozenset[str]) -> str:
    """SQL over a row's texts: each loaded column's typed value, under its typed name (those in
    `by_reader` were typed by the reader: their value is taken as it is)."""
    return ", ".join(
        f"{text_column(c.name) if c.name in by_reader else c.parse_sql(text_column(c.name))} "
        f"as {quote_identifier(c.typed_name)}"
        for c in spec.loaded
    )


def _constants(spec: ExportSpec, file: str) -> str:
    """`, <expression> as <name>` for each per-file constant of `spec`, over the SQL `file`."""
    return "".join(
        f", {expression} as {name}" for name, expression in spec.extra_columns_sql.items()
    ).format(file=file)


def _labelled(column: str, labels: dict[str, str]) -> str:
    """SQL: the spec column name `column` as the file's header names it (`labels`)."""
    if not labels:
        return column
    cases = " ".join(f"when {quote_literal(k)} then {quote_literal(v)}" for k, v in labels.items())
    return f"case {column} {cases} else {column} end"


def _digest(staged: StagedFile) -> str:
    return staged.sha256 if isinstance(staged.sha256, str) else staged.sha256.result()


def _file_select(spec: ExportSpec, staged: StagedFile, table: str, file_no: int) -> str:
    """A staged file's rows with their lineage (file, hash, row number, the file's position
    `file_no`), typed values, per-file constants and `_issues`."""
    values = "".join(
        f", {name}"
        for name in [quote_identifier(c.typed_name) for c in spec.loaded]
        + list(spec.extra_columns_sql)
    )
    return (
        f"select {quote_literal(staged.display)} as source_file, "
        f"{quote_literal(_digest(staged))} as file_sha256, "
        f"cast({staged.row_number} as bigint) as source_row, {file_no} as {FILE_NO}"
        f"{values}, _issues from {table}"
    )


def load_export(
    con: duckdb.DuckDBPyConnection,
    spec: ExportSpec,
    files: Iterable[StagedFile],
    warnings: list[str] | None = None,
    *,
    inputs: ExportInputs | None = None,
    reuse: bool = True,
) -> LoadResult:
    """Type the rows of `files` into `ingest.<spec.name>`; quarantine (or refuse) invalid rows.

    `files` may be lazy: each file is read when its turn comes. `warnings` collects the
    readers' warnings (unknown columns) and is filled as the files are read.

    `inputs` says what the table is made from (its fingerprint: see `export_fingerprint`). When
    the table was last made from the same fingerprint and `reuse` is true, it is kept as it is
    (with its quarantine entries and file log) and `files` are not read: the result is the last
    load's, marked `reused`. The fingerprint is forgotten before a table is rewritten and
    remembered once it is complete, so a load that stops half-way is never taken for a finished
    one. With no previous load to compare with, nothing waits for the hashes.

    Each file is read once into a temp table, in file order (a row's position is its record
    number), typed as it is written (by the reader where it can, in SQL from text otherwise)
    and tested: an unusable row carries its list of (column, reason), which the quarantine
    takes; the usable rows are then written once.
    """
    warnings = warnings if warnings is not None else []
    last = _last_load(con, spec) if inputs is not None and reuse else None
    # computed (waiting for the hashes) only when there is a last load to compare it with
    fingerprint = inputs.fingerprint(con, spec) if inputs is not None and last else None
    if last is not None and last[0] == fingerprint:
        reused = dataclasses.replace(LoadResult(**json.loads(last[1])), reused=True)
        warnings.extend(w for w in reused.warnings if w not in warnings)
        for warning in reused.warnings:
            log.warning(warning)
        return reused
    _forget_load(con, spec)
    issues = f"_issues_{spec.name}"
    rows = f"_rows_{spec.name}"
    stages: list[str] = []
    staged_files: list[StagedFile] = []
    typed_selects: list[str] = []
    kept = ", ".join(
        [*LINEAGE, FILE_NO]
        + [quote_identifier(c.typed_name) for c in spec.loaded]
        + list(spec.extra_columns_sql)
    )
    try:
        con.execute(
            f"create or replace temp table {issues} (source_file varchar, source_row bigint, "
            "column_name varchar, reason varchar)"
        )
        for staged in files:
            staged_files.append(staged)
            stages.append(f"_rows_{spec.name}_{len(stages)}")
            _stage_file(con, spec, staged, stages[-1])
            _account_for_records(con, staged, stages[-1])
            select = _file_select(spec, staged, stages[-1], len(stages))
            con.execute(
                f"insert into {issues} select source_file, source_row, "
                f"{_labelled('issue.column_name', staged.column_labels)}, "
                f"issue.reason from (select source_file, source_row, unnest(_issues) as issue "
                f"from ({select}) where _issues is not null)"
            )
            typed_selects.append(f"select {kept} from ({select})")
        con.execute(
            f"create or replace temp view {rows} as "
            + " union all ".join(typed_selects or [f"select {kept} from ({_empty_stage(spec)})"])
        )
        rows_read = int(con.execute(f"select count(*) from {rows}").fetchone()[0])
        rows_bad = int(
            con.execute(
                f"select count(*) from (select distinct source_file, source_row from {issues})"
            ).fetchone()[0]
        )
        if rows_bad and spec.on_invalid_row == "error":
            raise _refusal(con, spec, issues, rows_bad)
        files = {staged.display: _digest(staged) for staged in staged_files}
        _write_typed(con, spec, rows, issues if rows_bad else None, files)
        rows_loaded = int(con.execute(f"select count(*) from {spec.table}").fetchone()[0])
        if rows_read != rows_loaded + rows_bad:  # pragma: no cover - an invariant of the SQL
            raise AssertionError(f"{spec.name}: {rows_read} read != {rows_loaded} + {rows_bad}")
        record_quarantine(con, spec.name, issues)
        record_files(con, spec.name, rows, issues)
    finally:
        con.execute(f"drop view if exists {rows}")
        for stage in stages:
            con.execute(f"drop table if exists {stage}")
    for warning in warnings:
        log.warning(warning)
    displays = [staged.display for staged in staged_files]
    result = LoadResult(spec.table, displays, rows_read, rows_loaded, rows_bad, warnings)
    if inputs is not None:
        _remember_load(con, spec, fingerprint or inputs.fingerprint(con, spec), result)
    return result


def _write_typed(
    con: duckdb.DuckDBPyConnection,
    spec: ExportSpec,
    typed: str,
    issues: str | None,
    files: dict[str, str],
) -> None:
    """`ingest.<name>`: lineage, the kept typed columns and the derived ones, without the rows
    listed in `issues` (None: there are none). `files` maps each file, in their order, to its
    hash: a row's `source_file` and `file_sha256` are computed from its `source_file_no`."""
    con.execute("create schema if not exists ingest")
    keep = ", ".join(
        ["source_row", FILE_NO]
        + [quote_identifier(c.typed_name) for c in spec.kept]
        + [f"{expression} as {name}" for name, expression in spec.derived.items()]
        + list(spec.extra_columns_sql)
    )
    without_issues = (
        f" anti join {issues} i using (source_file, source_row)" if issues is not None else ""
    )
    select = f"select {keep} from {typed} t{without_issues}"
    columns = con.execute(f"describe {select}").fetchall()
    names = ", ".join(quote_literal(name) for name in files) or "null"
    hashes = ", ".join(quote_literal(digest) for digest in files.values()) or "null"
    definitions = ", ".join(
        [
            f"source_file varchar as (([{names}])[{FILE_NO}])",
            f"file_sha256 varchar as (([{hashes}])[{FILE_NO}])",
        ]
        + [f"{quote_identifier(name)} {type_}" for name, type_, *_ in columns]
    )
    con.execute(f"create or replace table {spec.table} ({definitions})")
    con.execute(f"insert into {spec.table} by name {select}")
    set_comments(
        con,
        spec.table,
        spec.description,
        {c.typed_name: c.description for c in spec.kept if c.description}
        | spec.derived_descriptions
        | spec.extra_descriptions
        | {
            "source_file": "Export file the row came from (relative to the raw folder).",
            "file_sha256": "SHA-256 of that file.",
            "source_row": "1-based record number after the header (for a workbook: the row "
            "number Excel shows).",
            FILE_NO: "Position of the file in the list of this export's files read by the "
            "build (source_file and file_sha256 are computed from it).",
        },
    )


def _refusal(
    con: duckdb.DuckDBPyConnection, spec: ExportSpec, issues: str, rows_bad: int
) -> ExportError:
    sample = con.execute(
        f"select source_file, source_row, column_name, reason from {issues} "
        "order by source_file, source_row, column_name limit 5"
    ).fetchall()
    listed = "; ".join(f"{f} row {r}, column {c!r}: {reason}" for f, r, c, reason in sample)
    return ExportError(
        f"{rows_bad} row(s) of {spec.name} cannot be used, and the figures that depend on "
        f"them would be wrong without them: {listed}"
    )


def _empty_stage(spec: ExportSpec) -> str:
    """No file: the columns a `_file_select` gives the typed table (lineage, typed values,
    constants), no row."""
    texts = ", ".join(f"null::{c.stage_type} as {text_column(c.name)}" for c in spec.loaded)
    # the per-file expressions over a NULL file name keep their column types
    return (
        "select null::varchar as source_file, null::varchar as file_sha256, "
        f"null::bigint as source_row, null::integer as {FILE_NO}, "
        f"{_typed_values(spec, frozenset())}{_constants(spec, 'null::varchar')} "
        f"from (select {texts}) limit 0"
    )


def _row_issues_sql(spec: ExportSpec, by_reader: frozenset[str]) -> str:
    """SQL over a row's texts and typed values: the list of (column_name, reason) that make it
    unusable, NULL when there is none. One cheap test per row first (is any reason there?);
    only the rows that fail it are taken apart column by column. Columns in `by_reader` were
    typed by the reader: no bad types."""
    reasons = []
    for c in spec.loaded:
        text = text_column(c.name)
        value = quote_identifier(c.typed_name)
        checks = []
        if c.required:
            checks.append(f"when {text} is null then 'missing_value'")
        if c.name not in by_reader and not c.enum:  # an ENUM's other values: not_allowed
            checks.append(f"when {text} is not null and {value} is null then '{c.invalid_reason}'")
        if c.allowed:
            allowed = ", ".join(quote_literal(a) for a in c.allowed)
            checks.append(f"when {text} not in ({allowed}) then 'not_allowed'")
        if checks:
            reasons.append((c.name, f"case {' '.join(checks)} end"))
    for rule in spec.rules:
        reasons.append(
            (rule.column, f"case when {rule.violated_when} then {quote_literal(rule.reason)} end")
        )
    if not reasons:
        return "null::struct(column_name varchar, reason varchar)[]"
    any_reason = " or ".join(f"({reason}) is not null" for _, reason in reasons)
    listed = ", ".join(
        f"{{column_name: {quote_literal(column)}, reason: {reason}}}" for column, reason in reasons
    )
    return (
        f"case when {any_reason} "
        f"then list_filter([{listed}], lambda issue: issue.reason is not null) end"
    )


def duplicate_conflicts(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: Sequence[str],
    compared: Sequence[str],
    what: str,
    limit: int = 5,
) -> None:
    """A record seen twice must be seen identically: raise naming the key and both places.

    Identical copies are not an error (they count once downstream); copies of one `key` that
    differ in any of the `compared` columns are, and the message (`what` says what differs)
    names the key and two rows (file and row number) that disagree.
    """
    keys = ", ".join(quote_identifier(k) for k in key)
    content = ", ".join(quote_identifier(c) for c in compared)
    rows = con.execute(
        f"""
        with versions as (
            select {keys}, ({content}) as content,
                   min(source_file || ' row ' || source_row) as place
            from {table} group by all
        ),
        conflicts as (
            select {keys}, list(place order by place) as places
            from versions group by all having count(*) > 1
        )
        select concat_ws(', ', {keys}), places[1], places[2], count(*) over ()
        from conflicts order by all limit {limit}
        """
    ).fetchall()
    if rows:
        listed = "; ".join(f"{k!r} in {a} and in {b}" for k, a, b, _ in rows)
        raise ExportError(
            f"{rows[0][3]} {what}: {listed} (identical copies count once; correct the export "
            "so that the copies agree)"
        )


def ensure_quality_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists quality")
    con.execute(
        f"create table if not exists {QUARANTINE_TABLE} (export varchar, source_file varchar, "
        "source_row bigint, column_name varchar, reason varchar)"
    )
    set_comments(
        con,
        QUARANTINE_TABLE,
        "Rows set aside at ingestion: where (file, row, column) and why (reason code). "
        "The rejected values themselves are never kept.",
        {
            "export": "Which export (typed table name under ingest).",
            "source_file": "File, relative to the raw folder.",
            "source_row": "1-based record number after the header (Excel row for workbooks).",
            "column_name": "The column that made the row unusable.",
            "reason": "Reason code: missing_value, bad_type, not_allowed, bad_member_number, "
            "not_a_member, duplicate_vote, bad_answer_code, end_before_start, ...",
        },
    )
    con.execute(
        f"create table if not exists {INGEST_LOG_TABLE} (export varchar, source_file varchar, "
        "file_sha256 varchar, rows_read bigint, rows_loaded bigint, rows_quarantined bigint)"
    )
    set_comments(
        con,
        INGEST_LOG_TABLE,
        "Every file read by the last build, with its hash and the row conservation "
        "(rows_read = rows_loaded + rows_quarantined).",
        None,
    )


def record_quarantine(
    con: duckdb.DuckDBPyConnection, export: str, issues: str, replace: bool = True
) -> None:
    """Add (file, row, column, reason) entries for `export`, replacing its previous ones."""
    ensure_quality_tables(con)
    if replace:
        con.execute(f"delete from {QUARANTINE_TABLE} where export = ?", [export])
    con.execute(
        f"insert into {QUARANTINE_TABLE} select ?, source_file, source_row, column_name, reason "
        f"from {issues} order by source_file, source_row, column_name",
        [export],
    )


def record_files(con: duckdb.DuckDBPyConnection, export: str, stage: str, issues: str) -> None:
    """One line per file read for `export` (the rows of `stage`): its hash and rows read,
    loaded and quarantined."""
    ensure_quality_tables(con)
    con.execute(f"delete from {INGEST_LOG_TABLE} where export = ?", [export])
    con.execute(
        f"""
        insert into {INGEST_LOG_TABLE}
        select ?, s.source_file, any_value(s.file_sha256), count(*),
               count(*) - count(distinct i.source_row), count(distinct i.source_row)
        from {stage} s
        left join (select distinct source_file, source_row from {issues}) i
          using (source_file, source_row)
        group by s.source_file order by s.source_file
        """,
        [export],
    )


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
