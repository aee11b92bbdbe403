"""CSV exports, read by DuckDB's own CSV reader.

DuckDB's reader types numbers and ISO dates itself (the rest is text); when it meets a value it
cannot type, the file is read again as text so that the unusable rows and their reasons can be
named.

Encodings: DuckDB's CSV reader decodes UTF-8, Latin-1 and UTF-16 by itself; any other encoding
(such as Windows-1252, which the course-booking tool writes) would need DuckDB's `encodings`
extension, which a build must not download. Such files are therefore transcoded to UTF-8 first,
in 1 MiB chunks with Python's strict codec (a byte that is not valid in the declared encoding is
an error naming the file), into a private temporary folder deleted after the load.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path

import duckdb

from pipelines.lib.hashing import csv_records_of
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
from pipelines.lib.warehouse import (
    quote_identifier,
    quote_literal,
    scratch_folder,
)

# Encodings DuckDB's CSV reader decodes itself; others are transcoded to UTF-8 first.
DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "latin-1": "latin-1",
    "utf-16": "utf-16",
}


# The longest header a CSV may have; and the longest line the exact recount reads (DuckDB's own
# limit on a line): beyond, the record is one no reader here would return.
MAX_HEADER_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 21
csv.field_size_limit(MAX_LINE_BYTES)  # the csv module's default (128 KiB) is below a line's


def read_header(path: Path, spec: ExportSpec, display: str) -> list[str]:
    """The header record of a CSV, or an ExportError naming the file."""
    cells = header_cells(path, spec.encoding, spec.delimiter, display)
    return header_names(cells, display)


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
