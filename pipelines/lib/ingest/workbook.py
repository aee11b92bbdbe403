"""Excel exports: one sheet of each workbook, read by python-calamine.

The rows above the header and the rows that are not data (a totals row) are skipped, and the
cells are handed to DuckDB as a frame of text columns.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pandas as pd

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
    header = header_names([str(cell) for cell in rows[layout.header_row - 1]], where, True)
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
