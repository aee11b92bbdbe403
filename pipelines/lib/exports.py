"""The one way to read an export: header check, DuckDB's CSV reader, typing, quarantine, lineage.

Every export is described by an `ExportSpec` (its columns, their types and allowed values, and
row rules). `load_csv_export` reads the files with DuckDB's own reader (everything as text, one
scan), types each column in SQL, and splits the rows between the typed table and the quarantine,
so that rows read = rows loaded + rows quarantined, and every loaded row keeps its file, the
file's sha256 and its row number (the 1-based record number after the header).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from pipelines.lib.warehouse import quote_literal, set_comments

log = logging.getLogger(__name__)

# Encodings DuckDB's CSV reader decodes itself; others are transcoded to UTF-8 first.
DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "latin-1": "latin-1"}

QUARANTINE_TABLE = "quality.quarantine"
INGEST_LOG_TABLE = "quality.ingest_files"


class ExportError(Exception):
    """An export cannot be used as it is; the message names the file and the column/row/key."""


@dataclass(frozen=True)
class Column:
    """A column of an export.

    `parse` is a SQL expression over `{v}` (the trimmed text, NULL when empty) that yields the
    typed value, or NULL when the text cannot be typed; by default a strict cast to `type`.
    `load=False` columns must be in the header but are never read past it (national number).
    """

    name: str
    type: str = "VARCHAR"
    required: bool = False
    allowed: tuple[str, ...] = ()
    parse: str | None = None
    invalid_reason: str = "bad_type"
    load: bool = True
    description: str = ""
    target: str | None = None  # name in the typed table, when it differs from the header

    @property
    def typed_name(self) -> str:
        return self.target or self.name

    def parse_sql(self, text_column: str) -> str:
        if self.parse:
            return self.parse.format(v=text_column)
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

    @property
    def table(self) -> str:
        return f"ingest.{self.name}"


@dataclass
class LoadResult:
    table: str
    files: list[str]
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    warnings: list[str]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def display_name(path: Path, raw_dir: Path) -> str:
    """How a file is named in messages and lineage: relative to the raw folder."""
    return path.relative_to(raw_dir).as_posix() if path.is_relative_to(raw_dir) else path.name


def read_header(path: Path, spec: ExportSpec, display: str) -> list[str]:
    """The header record, or an ExportError naming the file."""
    encoding = "utf-8-sig" if spec.encoding.startswith("utf-8") else spec.encoding
    try:
        with open(path, encoding=encoding, newline="") as handle:
            header = next(csv.reader(handle, delimiter=spec.delimiter), None)
    except UnicodeDecodeError as exc:
        raise ExportError(f"{display}: not valid {spec.encoding} ({exc.reason})") from exc
    if not header or not any(cell.strip() for cell in header):
        raise ExportError(f"{display}: the file is empty (no header row)")
    names = [cell.strip() for cell in header]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ExportError(f"{display}: column {duplicated[0]!r} appears twice in the header")
    return names


def check_header(header: list[str], spec: ExportSpec, display: str) -> list[str]:
    """Raise on a missing column; return a warning per unknown extra column."""
    expected = [column.name for column in spec.columns]
    for name in expected:
        if name not in header:
            raise ExportError(f"{display}: required column {name!r} is missing from the header")
    return [
        f"{display}: unknown column {name!r} ignored" for name in header if name not in expected
    ]


def utf8_copy(path: Path, encoding: str, display: str, scratch: Path) -> Path:
    """Transcode to UTF-8 in 1 MiB chunks for DuckDB, strictly (a bad byte is an error)."""
    target = scratch / (path.name + ".utf8")
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open(path, "rb") as source, open(target, "w", encoding="utf-8", newline="") as out:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise ExportError(f"{display}: not valid {encoding} ({exc.reason})") from exc
    return target


def _text(column: Column) -> str:
    return f'"_t_{column.name}"'


def _stage_select(
    path: Path, header: list[str], spec: ExportSpec, display: str, sha: str, scratch: Path
) -> str:
    readable = path
    encoding = DUCKDB_ENCODINGS.get(spec.encoding.lower())
    if encoding is None:
        readable, encoding = utf8_copy(path, spec.encoding, display, scratch), "utf-8"
    all_columns = ", ".join(f"{quote_literal(name)}: 'VARCHAR'" for name in header)
    reader = (
        f"read_csv({quote_literal(str(readable))}, header = true, auto_detect = false, "
        f"delim = {quote_literal(spec.delimiter)}, quote = '\"', escape = '\"', "
        f"encoding = '{encoding}', strict_mode = true, columns = {{{all_columns}}})"
    )
    texts = ", ".join(
        f"nullif(trim(\"{c.name}\"), '') as {_text(c)}" for c in spec.columns if c.load
    )
    constants = "".join(
        f", {expression} as {name}" for name, expression in spec.extra_columns_sql.items()
    ).format(file=quote_literal(display))
    return (
        f"select {quote_literal(display)} as source_file, {quote_literal(sha)} as file_sha256, "
        f"row_number() over () as source_row, {texts}{constants} from {reader}"
    )


def load_csv_export(
    con: duckdb.DuckDBPyConnection,
    spec: ExportSpec,
    files: Sequence[Path],
    raw_dir: Path,
) -> LoadResult:
    """Read `files` into `ingest.<spec.name>`, quarantining (or refusing) invalid rows."""
    warnings: list[str] = []
    stage = f"_stage_{spec.name}"
    con.execute(f"drop table if exists {stage}")
    displays: list[str] = []
    with tempfile.TemporaryDirectory(prefix="coop-annex-") as scratch:
        for position, path in enumerate(files):
            display = (
                path.relative_to(raw_dir).as_posix() if path.is_relative_to(raw_dir) else path.name
            )
            displays.append(display)
            header = read_header(path, spec, display)
            warnings.extend(check_header(header, spec, display))
            select = _stage_select(path, header, spec, display, file_sha256(path), Path(scratch))
            try:
                if position == 0:
                    con.execute(f"create temp table {stage} as {select}")
                else:
                    con.execute(f"insert into {stage} {select}")
            except duckdb.Error as exc:
                raise ExportError(f"{display}: cannot be read as CSV: {exc}") from exc
    if not files:
        con.execute(f"create temp table {stage} as {_empty_stage(spec)}")

    loaded = [c for c in spec.columns if c.load]
    typed_columns = ", ".join(f'{c.parse_sql(_text(c))} as "{c.typed_name}"' for c in loaded)
    con.execute(
        f"create or replace temp view _typed_{spec.name} as select *, {typed_columns} from {stage}"
    )
    con.execute(f"create or replace temp table _issues_{spec.name} as {_issues_sql(spec)}")

    con.execute("create schema if not exists ingest")
    keep = ", ".join(
        ["source_file", "file_sha256", "source_row"]
        + [f'"{c.typed_name}"' for c in loaded]
        + [f"{expression} as {name}" for name, expression in spec.derived.items()]
        + list(spec.extra_columns_sql)
    )
    con.execute(
        f"create or replace table {spec.table} as select {keep} from _typed_{spec.name} t "
        f"anti join _issues_{spec.name} i using (source_file, source_row) "
        "order by source_file, source_row"
    )
    set_comments(
        con,
        spec.table,
        spec.description,
        {c.typed_name: c.description for c in loaded if c.description}
        | spec.derived_descriptions
        | {
            "source_file": "Export file the row came from (relative to the raw folder).",
            "file_sha256": "SHA-256 of that file.",
            "source_row": "1-based record number after the header.",
        },
    )
    rows_read = int(con.execute(f"select count(*) from {stage}").fetchone()[0])
    rows_loaded = int(con.execute(f"select count(*) from {spec.table}").fetchone()[0])
    rows_bad = int(
        con.execute(
            f"select count(*) from (select distinct source_file, source_row "
            f"from _issues_{spec.name})"
        ).fetchone()[0]
    )
    if rows_read != rows_loaded + rows_bad:  # pragma: no cover - an invariant of the SQL above
        raise AssertionError(f"{spec.name}: {rows_read} read != {rows_loaded} + {rows_bad}")

    if rows_bad and spec.on_invalid_row == "error":
        sample = con.execute(
            f"select source_file, source_row, column_name, reason from _issues_{spec.name} "
            "order by source_file, source_row, column_name limit 5"
        ).fetchall()
        listed = "; ".join(f"{f} row {r}, column {c!r}: {reason}" for f, r, c, reason in sample)
        raise ExportError(
            f"{rows_bad} row(s) of {spec.name} cannot be used, and the register's figures "
            f"would be wrong without them: {listed}"
        )
    record_quarantine(con, spec.name, f"_issues_{spec.name}")
    record_files(con, spec.name, stage, spec.table, f"_issues_{spec.name}")
    for warning in warnings:
        log.warning(warning)
    con.execute(f"drop table {stage}")
    return LoadResult(spec.table, displays, rows_read, rows_loaded, rows_bad, warnings)


def _empty_stage(spec: ExportSpec) -> str:
    texts = ", ".join(f"null::varchar as {_text(c)}" for c in spec.columns if c.load)
    # the per-file expressions over a NULL file name keep their column types
    constants = "".join(
        f", {expression} as {name}" for name, expression in spec.extra_columns_sql.items()
    ).format(file="null::varchar")
    return (
        "select null::varchar as source_file, null::varchar as file_sha256, "
        f"null::bigint as source_row, {texts}{constants} limit 0"
    )


def _issues_sql(spec: ExportSpec) -> str:
    parts = []
    for c in (c for c in spec.columns if c.load):
        checks = []
        if c.required:
            checks.append(f"when {_text(c)} is null then 'missing_value'")
        checks.append(
            f"when {_text(c)} is not null and \"{c.typed_name}\" is null then '{c.invalid_reason}'"
        )
        if c.allowed:
            allowed = ", ".join(quote_literal(a) for a in c.allowed)
            checks.append(f"when {_text(c)} not in ({allowed}) then 'not_allowed'")
        parts.append(
            f"select source_file, source_row, '{c.name}' as column_name, "
            f"case {' '.join(checks)} end as reason from _typed_{spec.name}"
        )
    for rule in spec.rules:
        parts.append(
            f"select source_file, source_row, '{rule.column}' as column_name, "
            f"'{rule.reason}' as reason from _typed_{spec.name} where {rule.violated_when}"
        )
    union = "\nunion all\n".join(parts)
    return f"select * from ({union}) where reason is not null"


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
            "not_a_member, duplicate_vote, ...",
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


def record_files(
    con: duckdb.DuckDBPyConnection, export: str, stage: str, table: str, issues: str
) -> None:
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
