"""Excel exports: one sheet of each workbook, read by fastexcel (calamine's parser, its cells
handed to DuckDB as Arrow columns of text, with no Python object a cell).

The rows above the header and the rows that are not data (a totals row) are skipped in SQL.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import duckdb

from pipelines.lib.ingest.csv import check_header
from pipelines.lib.ingest.spec import (
    ExportSpec,
    LoadResult,
    StagedFile,
    display_name,
    header_names,
    text_column,
    trimmed,
)
from pipelines.lib.ingest.typed import ExportInputs, load_export
from pipelines.lib.rawfiles import ExportError
from pipelines.lib.warehouse import insertion_order, quote_identifier

if TYPE_CHECKING:
    import fastexcel

# An Excel date cell as fastexcel writes it as text: `2024-03-05 00:00:00` (a date, with or
# without its time) or a serial number of Excel's 1900 date system (`45356` or `45356.375`: a
# cell holding a date without a date format). A date typed by hand as
# text in Belgian order (`05/03/2024`) is accepted too.
EXCEL_DATE_SQL = (
    "case when regexp_full_match({v}, '[1-9][0-9]{{0,5}}(\\.[0-9]+)?') "
    "then date '1899-12-30' + cast(floor(cast({v} as double)) as integer) "
    "else coalesce(try_cast(try_cast({v} as timestamp) as date), "
    "try_cast(try_strptime({v}, '%d/%m/%Y') as date)) end"
)


# The most cells a sheet's used area may span (calamine, fastexcel's parser, holds the whole
# rectangle from the first used cell to the last: one cell at XFD1048576 asks for 17 billion).
# An HR sheet of a thousand rows spans a few thousand; a register kept in a workbook, at
# Excel's million rows, under twenty million.
MAX_SHEET_CELLS = 20_000_000
# The most bytes a workbook part may hold once unpacked (a zip bomb is a few KB packed).
MAX_PART_BYTES = 512 << 20
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


_REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]*)")


def _greater(number: str, low: str, high: str, lead: str) -> str:
    """A regular expression for the strings of characters `low`..`high` (and their lower case)
    that are longer than `number` (starting with `lead`..`high`: a number's leading zeros are
    matched apart), or as long and after it: for `12` and digits, three digits or more, `[2-9]`
    then one, or `1[3-9]`. A longer string with such a start is after `number` too."""

    def between(first: str, last: str) -> str:
        lower = f"{first.lower()}-{last.lower()}" if first.isalpha() else ""
        return f"[{first}-{last}{lower}]"

    def same(character: str) -> str:
        return between(character, character) if character.isalpha() else character

    longer = f"{between(lead, high)}{between(low, high)}{{{len(number)},}}"
    after = [
        "".join(map(same, number[:i]))
        + between(chr(ord(c) + 1), high)
        + f"{between(low, high)}{{{len(number) - i - 1}}}"
        for i, c in enumerate(number)
        if c < high
    ]
    return "|".join([longer, *after])


def _ceiling(row: int) -> int:
    """`row` rounded up to two significant digits, and to 100 at least: the rows a sheet in
    order passes on its way down raise the bound (and compile a pattern, half a millisecond)
    about 90 times a power of ten, not once a row."""
    step = 10 ** max(len(str(row)) - 2, 0)
    return max(-(-row // step) * step, 100)


# The longest reference read as one (`XFD1048576` has 10 characters): a longer one, whatever
# its value, is refused, so one cut between two pieces of the XML cannot slip through.
_LONGEST_REFERENCE = 40
# The spaces an `r` attribute may have around its `=` (XML allows any; no writer puts any).
_SPACES = 16
_ATTRIBUTE = re.compile(rb"""r\s{0,%d}=\s{0,%d}["']""" % (_SPACES, _SPACES))
_SPACED = re.compile(rb"r\s{1,%d}=" % _SPACES)  # a piece with such an attribute
# What is carried from one piece to the next: an attribute and reference cut between them.
_CARRY = 2 * _SPACES + _LONGEST_REFERENCE + 8


class _Extent:
    """How far a sheet's cells reach: the highest row and column any `r` attribute of its XML
    names (a row's `r="7"`, a cell's `r="C7"`, in any case, quoted either way, with leading
    zeros or spaces around `=`, as calamine reads them), counted from A1 as calamine lays the
    rows out.

    One regular expression finds only the references beyond the bound so far (a string of
    letters or digits with a start beyond the bound's, or longer, is beyond it: no closing quote
    is needed), so the part is read once at the regex engine's speed; a hit raises the bound
    (rows to two significant digits, never past the row that makes the span too large), and
    the reading stops as soon as the span is more than MAX_SHEET_CELLS.

    Not seen: a row or cell with no `r` at all (calamine places it after the one before), and
    more than 16 spaces around `=`. No spreadsheet program writes either."""

    def __init__(self) -> None:
        self.columns = 0  # the widest column seen, exactly
        self.rows = 0  # the highest row of a hit: a row under `bound` is no hit
        self.bound = 0  # `rows`, rounded up
        self.corner = ""  # the reference that made the span too large
        self.cut = False  # whether that reference was too long to be a cell's
        self._patterns: dict[bool, re.Pattern[bytes]] = {}

    def _pattern(self, spaced: bool) -> re.Pattern[bytes]:
        """The pattern for the bound so far; `spaced`: one that finds `r =` too (slower: it
        starts at every `r`, not at every `r=`)."""
        if spaced not in self._patterns:
            self._patterns[spaced] = self._compile(spaced)
        return self._patterns[spaced]

    def _compile(self, spaced: bool) -> re.Pattern[bytes]:
        letters = _column_letters(self.columns) if self.columns else ""
        column = _greater(letters, "A", "Z", "A") if letters else "[A-Za-z]"
        # a row past the one that makes the span too large always hits, rounding or not
        last = min(self.bound, MAX_SHEET_CELLS // max(self.columns, 1))
        row = _greater(str(last), "0", "9", "1")
        # `r=` first, what comes before it tested apart: the regex engine looks for a literal
        # start at memchr's speed, and tries a pattern at every byte otherwise; the column
        # first and possessive quantifiers: an ordinary reference fails without backtracking.
        # A reference too long to read whole hits by its letters, digits or leading zeros.
        beyond = f"(?:{column}|[A-Za-z]*+(?:0{{30}}|0*+(?:{row})))"
        attribute = _ATTRIBUTE.pattern if spaced else rb"""r=\s{0,%d}["']""" % _SPACES
        return re.compile(attribute + beyond.encode())

    @property
    def too_large(self) -> bool:
        return self.cut or max(self.columns, 1) * self.rows > MAX_SHEET_CELLS

    def scan(self, piece: bytes) -> bool:
        """Take in the references in `piece`; True once the span is too large."""
        position = 0
        spaced = _SPACED.search(piece) is not None
        while (found := self._pattern(spaced).search(piece, position)) is not None:
            position = found.start() + 1
            if found.start() > 0 and piece[found.start() - 1] not in b" \t\r\n\"'":
                continue  # not an attribute named r (a quote before it: calamine takes it)
            start = _ATTRIBUTE.match(piece, found.start())
            value = _REFERENCE.match(piece, start.end()) if start is not None else None
            assert value is not None  # the pattern matches nothing else
            position = value.end()
            if len(value.group(0)) > _LONGEST_REFERENCE:
                self.cut = True
                self.corner = f"{value.group(0)[:16].decode()}..."
                return True
            letters, digits = value.group(1).decode().upper(), value.group(2).decode()
            self.columns = max(self.columns, _column_number(letters))
            if digits and int(digits):
                self.rows = max(self.rows, int(digits))
                self.bound = max(self.bound, _ceiling(int(digits)))
            if self.too_large:
                self.corner = f"{_column_letters(self.columns)}{self.rows}"
                return True
            self._patterns.clear()  # the bound has moved
        return False


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
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
    # the first sheet of that name and its part whatever the case of its name, as calamine
    # finds them: the part checked is the one parsed
    relation = next(
        (
            element.get(_RELATIONSHIPS)
            for element in ElementTree.fromstring(archive.read(index)).iter()
            if element.tag.endswith("}sheet") and element.get("name") == sheet
        ),
        None,
    )
    members = {name.lower(): name for name in reversed(archive.namelist())}
    for element in ElementTree.fromstring(archive.read(links)).iter():
        if element.tag.endswith("}Relationship") and element.get("Id") == relation:
            target = element.get("Target") or ""
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return members.get(target.lower(), target)
    return None


def workbook_size_problem(path: Path, sheet: str) -> str | None:
    """Why fastexcel must not be asked for `sheet` (a sentence), or None: its used area
    spans more than MAX_SHEET_CELLS, or a part unpacks to more than MAX_PART_BYTES. The cells'
    positions are read from the sheet's XML in 1 MiB pieces: time and memory stay bounded."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return None  # fastexcel says what is wrong with the file
    with archive:
        try:
            member = _sheet_part(archive, sheet)
        except (ElementTree.ParseError, KeyError, zipfile.BadZipFile):
            return None
        if member is None or member not in archive.namelist():
            return None
        if archive.getinfo(member).file_size > MAX_PART_BYTES:
            return f"its sheet {sheet!r} unpacks to more than {MAX_PART_BYTES >> 20} MB"
        extent = _Extent()
        with archive.open(member) as part:
            tail = b""
            for chunk in iter(lambda: part.read(1 << 20), b""):
                if extent.scan(tail + chunk):
                    break
                # a reference cut between two pieces is read whole with the next; one that
                # starts further back is longer than any reference and refused in this one
                tail = chunk[-_CARRY:]
    if not extent.too_large:
        return None
    if extent.cut:
        return (
            f"its sheet {sheet!r} names a cell {extent.corner!r}, a reference longer than any "
            "sheet's: the file was not written by a spreadsheet program; save it again from one"
        )
    return (
        f"its sheet {sheet!r} has a cell as far as {extent.corner}, which makes it "
        f"{max(extent.columns, 1):,} columns by {extent.rows:,} rows, too large to be an "
        "export: delete the rows and columns after the table and save it again"
    )


def _open(path: Path, display: str) -> fastexcel.ExcelReader:
    import fastexcel

    try:
        return fastexcel.read_excel(path)
    except Exception as exc:  # fastexcel raises its own error types for a damaged file
        raise ExportError(f"{display}: cannot be read as an Excel workbook: {exc}") from None


def sheet_names(path: Path, display: str) -> list[str]:
    """The workbook's sheet names (an unreadable file is an error naming it)."""
    return list(_open(path, display).sheet_names)


def _check_sheet(path: Path, sheet: str, display: str) -> None:
    try:
        problem = workbook_size_problem(path, sheet)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as exc:
        raise ExportError(f"{display}: cannot be read as an Excel workbook: {exc}") from None
    except OSError as exc:
        raise ExportError(f"{display}: cannot be read: {exc.strerror or exc}") from None
    if problem is not None:
        raise ExportError(f"{display}: {problem}")


def _parse_sheet(checked: Future[None], path: Path, sheet: str, display: str) -> object:
    checked.result()  # the size check's error, or go on
    workbook = _open(path, display)
    if sheet not in workbook.sheet_names:
        raise ExportError(
            f"{display}: required sheet {sheet!r} is missing "
            f"(sheets: {', '.join(workbook.sheet_names) or 'none'})"
        )
    try:
        # no header and no row skipped: the n-th row given is Excel's row n
        return workbook.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
    except Exception as exc:
        raise ExportError(f"{display}: sheet {sheet!r} cannot be read: {exc}") from None


class SheetReader:
    """Reads sheets ahead of their turn, in the order asked. Each is parsed into a fastexcel
    sheet: every row from Excel's row 1 on, its columns (from the first used one) text; dates
    read `2024-03-05 00:00:00`, numbers `10001` or `7.5`, booleans `true`, an empty cell NULL.
    `stage_sheet` hands it to DuckDB.

    A sheet's size is checked first (`workbook_size_problem`: an absurd sheet would make the
    parser allocate its whole rectangle). The checks hold the GIL, so they run one after
    another in one thread; the parses let go of it and run two at a time, each as soon as its
    check has passed: one sheet is parsed while the next is checked. Touches no connection."""

    def __init__(self) -> None:
        self._checks = ThreadPoolExecutor(1, thread_name_prefix="sheet-check")
        self._parses = ThreadPoolExecutor(2, thread_name_prefix="sheet-parse")

    def read(self, path: Path, sheet: str, display: str) -> Future[object]:
        checked = self._checks.submit(_check_sheet, path, sheet, display)
        return self._parses.submit(_parse_sheet, checked, path, sheet, display)

    def close(self) -> None:
        """Drop the sheets not started (a table kept unchanged needs none); let those under
        way finish in their threads."""
        self._checks.shutdown(wait=False, cancel_futures=True)
        self._parses.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass(frozen=True)
class StagedSheet:
    """A sheet's cells in a temporary table of the connection: `source_row` (the row Excel
    shows) and text columns `c0`, `c1`... (`width` of them), and its first rows as lists of
    text ('' for an empty cell) to find the header in."""

    table: str
    width: int
    top: list[list[str]]

    def rows_below(self, row: int, width: int) -> str:
        """SQL: the rows under Excel row `row`, with `width` columns (NULL past the sheet's)."""
        cells = ", ".join(
            f"c{i}" if i < self.width else f"null::varchar as c{i}" for i in range(width)
        )
        return f"(select source_row, {cells} from {self.table} where source_row > {row})"


def stage_sheet(
    con: duckdb.DuckDBPyConnection, cells: object, table: str, top: int = 30
) -> StagedSheet:
    """Copy the cells `SheetReader` gave into temporary table `table` of `con` (its rows in
    order: the row number is each row's place), and read back its first `top` rows."""
    arrow = f"{table}_arrow"
    names: list[str] = []
    if getattr(cells, "width", 1) == 0:  # an empty sheet: no column, which DuckDB refuses
        con.execute(f"create or replace temp table {table}_cells (c0 varchar)")
    else:
        con.register(arrow, cells)
        try:
            description = con.execute(f"select * from {arrow} limit 0").description
            names = [column[0] for column in description]
            columns = ", ".join(
                f"{quote_identifier(n)}::varchar as c{i}" for i, n in enumerate(names)
            )
            with insertion_order(con):
                con.execute(
                    f"create or replace temp table {table}_cells as "
                    f"select {columns or 'null::varchar as c0'} from {arrow}"
                )
        finally:
            con.unregister(arrow)
    width = max(len(names), 1)
    con.execute(
        f"create or replace temp view {table} as "
        f"select rowid + 1 as source_row, * from {table}_cells"
    )
    first = con.execute(f"select * from {table} order by source_row limit {top}").fetchall()
    return StagedSheet(table, width, [["" if v is None else v for v in row[1:]] for row in first])


def drop_sheet(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(f"drop view if exists {table}")
    con.execute(f"drop table if exists {table}_cells")


def _workbook_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sheet: Future[object],
    sha256: Future[str],
    spec: ExportSpec,
    raw_dir: Path,
    warnings: list[str],
    registered: list[str],
) -> StagedFile:
    layout = spec.workbook
    assert layout is not None
    display = display_name(path, raw_dir)
    name = f"_sheet_{spec.name}_{len(registered)}"
    registered.append(name)
    staged = stage_sheet(con, sheet.result(), name, top=layout.header_row)
    where = f"{display} (sheet {layout.sheet!r})"
    if len(staged.top) < layout.header_row:
        raise ExportError(f"{where}: the sheet is empty (no header in row {layout.header_row})")
    header = header_names(staged.top[layout.header_row - 1], where, True)
    warnings.extend(check_header([name for name in header if name], spec, where))
    rows = staged.rows_below(layout.header_row, len(header))
    position = {n: f"c{i}" for i, n in enumerate(header) if n}
    texts = ", ".join(f"{trimmed(position[c.name])} as {text_column(c.name)}" for c in spec.loaded)
    cells = " or ".join(f"{trimmed(column)} is not null" for column in position.values())
    skip = f" and not coalesce({layout.skip_when}, false)" if layout.skip_when else ""
    query = (
        f"select * from (select source_row, {texts} from {rows} where {cells or 'false'}) "
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
    # the sheets are read ahead of their turn, only when the table is not kept: the reader
    # starts when the first is asked for
    with SheetReader() as reader:
        sheets: dict[Path, Future[object]] = {}

        def sheet(path: Path) -> Future[object]:
            if not sheets:  # the first file asked for: read them all
                for each in files:
                    display = display_name(each, raw_dir)
                    sheets[each] = reader.read(each, layout.sheet, display)
            return sheets[path]

        try:
            staged = (
                _workbook_file(con, path, sheet(path), digest, spec, raw_dir, warnings, registered)
                for path, digest in zip(files, inputs.digests, strict=True)
            )
            return load_export(con, spec, staged, warnings, inputs=inputs, reuse=reuse)
        finally:
            for name in registered:
                drop_sheet(con, name)
