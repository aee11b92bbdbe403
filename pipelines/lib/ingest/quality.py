"""The quality tables of ingestion: what was set aside and why (`quality.quarantine`), every file
read with its row conservation (`quality.ingest_files`), and the check that a record seen twice
is seen identically.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from pipelines.lib.rawfiles import ExportError
from pipelines.lib.warehouse import (
    quote_identifier,
    set_comments,
)

QUARANTINE_TABLE = "quality.quarantine"
INGEST_LOG_TABLE = "quality.ingest_files"


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
