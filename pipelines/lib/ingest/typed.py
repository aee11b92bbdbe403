"""The core every reader hands its rows to: `load_export` types the columns the reader left as
text, in SQL, and splits the rows between the typed table and the quarantine, so that rows read =
rows loaded + rows quarantined, and every loaded row keeps its file, the file's sha256 and its row
number (the 1-based record number after the header of a CSV, the row number Excel shows in a
workbook). A table whose files and reading code are unchanged is kept (`pipelines/lib/reuse.py`).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import logging
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.hashing import sha256_of
from pipelines.lib.ingest.quality import record_files, record_quarantine
from pipelines.lib.ingest.spec import (
    FILE_NO,
    LINEAGE,
    ExportSpec,
    LoadResult,
    StagedFile,
    display_name,
    text_column,
)
from pipelines.lib.rawfiles import ExportError, require_export
from pipelines.lib.reuse import Entry, WorkLedger, fingerprint, relation_kind
from pipelines.lib.warehouse import (
    error_summary,
    insertion_order,
    quote_identifier,
    quote_literal,
    set_comments,
)

log = logging.getLogger(__name__)


# The libraries whose versions are part of what a typed table is made from (`_code_version`).
READING_LIBRARIES = ("duckdb", "fastexcel")


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
    """The code that turns a file into a typed table: this package, the export specs and their
    readers, the warehouse helpers, and the libraries that read the files (DuckDB for CSV;
    fastexcel for the cells of a workbook)."""
    lib = Path(__file__).parents[1]
    versions = [f"{name} {importlib.metadata.version(name)}" for name in READING_LIBRARIES]
    code = sorted(
        [*(lib / "ingest").glob("*.py"), lib / "warehouse.py", *(lib / "sources").glob("*.py")]
    )
    files = (path.name.encode() + b"\0" + path.read_bytes() for path in code)
    return fingerprint(" ".join(versions), *files)


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
    named = (f"{display}\0{sha256}" for display, sha256 in files)
    return fingerprint(_code_version(), repr(spec), _pseudonym_probe(con), *extra, *named)


def _pseudonym_probe(con: duckdb.DuckDBPyConnection) -> str:
    """The pseudonym of -1 (it changes with the key), or "" on a connection without the
    pseudonym macro. (Asking duckdb_functions() whether the macro exists costs ~30 ms.)"""
    try:
        return str(con.execute("select pseudonym(-1)").fetchone()[0])
    except duckdb.CatalogException:
        return ""


def _last_load(con: duckdb.DuckDBPyConnection, spec: ExportSpec) -> Entry | None:
    """The ledger's entry of the last complete load of `spec`, when its table is still there."""
    entry = WorkLedger(con).entry(spec.table)
    if entry is None or relation_kind(con, spec.table) != "table":
        return None
    return entry


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
    ledger = WorkLedger(con)
    last = _last_load(con, spec) if inputs is not None and reuse else None
    # computed (waiting for the hashes) only when there is a last load to compare it with
    made_from = inputs.fingerprint(con, spec) if inputs is not None and last else None
    if last is not None and last.made_from == made_from:
        reused = dataclasses.replace(LoadResult(**last.result), reused=True)
        warnings.extend(w for w in reused.warnings if w not in warnings)
        for warning in reused.warnings:
            log.warning(warning)
        return reused
    ledger.forget(spec.table)  # a load that stops half-way is never taken as done
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
        made_from = made_from or inputs.fingerprint(con, spec)
        ledger.record(spec.table, made_from, result=dataclasses.asdict(result))
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
