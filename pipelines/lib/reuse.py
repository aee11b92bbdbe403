"""Keep what is unchanged: the one ledger of what each kept thing was made from.

A build keeps a typed table, a model's table, the member keys, a published table, an output's
files or a static chart file when what it would be made from now is what it was made from last
time. Every one of them follows the same four steps, through one API:
- `fingerprint(*parts)`: what a thing is made from, as one SHA-256 (code, inputs, settings);
- `ledger.is_current(name, made_from)`: the last complete making of `name` was from that;
- `ledger.forget(name)`: before `name` is rewritten, so that a making that stops half-way is
  never taken for a finished one;
- `ledger.record(name, made_from, version=..., result=...)`: once `name` is complete, with what
  its readers are versioned by (`version`, by default `made_from`) and what the making reported
  (`result`, any JSON value: a load's row counts, an output's files).

Two stores hold a ledger, with the same entries: `WorkLedger`, one table of the private working
database (the typed tables, the models, the member keys: a cache, as that database is), and
`FileLedger`, one JSON file beside what it describes, which must survive with it (the
publication's tables in `.build/publication.json`, the outputs' files in
`outputs/.outputs-manifest.json`, the static charts in `outputs/.static-cache.json`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib import atomic
from pipelines.lib.config import PROJECT_ROOT
from pipelines.lib.sqlfiles import SqlModel, macros_version, query_reads

LEDGER_TABLE = "ingest.reuse_ledger"
# The layout of the working database: a database of another layout (an older version's) is a
# cache of the exports like any other, so it is dropped and made again, never migrated.
WORK_LAYOUT = "reuse ledger 1"
_LAYOUT_ENTRY = "work.duckdb"


def fingerprint(*parts: str | bytes) -> str:
    """One SHA-256 of `parts`, each ended by a NUL byte (so that no two lists collide)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def unversioned() -> str:
    """A `made_from` that matches nothing: for a thing made from something with no version."""
    return f"unversioned {uuid.uuid4()}"


@dataclass(frozen=True)
class Entry:
    """The last complete making of a thing: what it was made from, the version its readers
    see, and what it reported."""

    made_from: str
    version: str
    result: Any = None


class Ledger:
    """What each thing was last made from; `entry`, `_write` and `_delete` are the store's."""

    def entry(self, name: str) -> Entry | None:
        raise NotImplementedError

    def _write(self, name: str, entry: Entry) -> None:
        raise NotImplementedError

    def _delete(self, names: list[str]) -> None:
        raise NotImplementedError

    def is_current(self, name: str, made_from: str | None) -> bool:
        """Whether `name` was last made, completely, from `made_from` (None: from something
        unversioned, so never)."""
        entry = self.entry(name) if made_from is not None else None
        return entry is not None and entry.made_from == made_from

    def forget(self, name: str) -> None:
        self._delete([name])

    def record(
        self, name: str, made_from: str | None, *, version: str | None = None, result: Any = None
    ) -> str:
        """Record that `name` is complete, made from `made_from` (None: something unversioned,
        recorded as a value that matches nothing). Returns its version."""
        made = made_from or unversioned()
        entry = Entry(made, version or made, result)
        self._write(name, entry)
        return entry.version


class WorkLedger(Ledger):
    """The ledger in the working database: one row per thing (`LEDGER_TABLE`)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def _run(self, sql: str, params: list | None = None) -> list:
        """Run `sql` over the ledger, creating it first when it is missing (asking the catalog
        only then: a catalog query costs ~10-30 ms)."""
        try:
            return self.con.execute(sql, params or []).fetchall()
        except duckdb.CatalogException:
            self.con.execute(f"create schema if not exists {LEDGER_TABLE.split('.')[0]}")
            self.con.execute(
                f"create table if not exists {LEDGER_TABLE} (name varchar primary key, "
                "made_from varchar not null, version varchar not null, result varchar)"
            )
            self.con.execute(
                f"comment on table {LEDGER_TABLE} is 'What each table of the working database "
                "was last made from (see pipelines/lib/reuse.py): a build keeps a table whose "
                "inputs are unchanged instead of making it again.'"
            )
            return self.con.execute(sql, params or []).fetchall()

    def entry(self, name: str) -> Entry | None:
        found = self._run(
            f"select made_from, version, result from {LEDGER_TABLE} where name = ?", [name]
        )
        if not found:
            return None
        made, version, result = found[0]
        return Entry(made, version, json.loads(result) if result is not None else None)

    def _write(self, name: str, entry: Entry) -> None:
        result = json.dumps(entry.result) if entry.result is not None else None
        self._run(
            f"insert or replace into {LEDGER_TABLE} values (?, ?, ?, ?)",
            [name, entry.made_from, entry.version, result],
        )

    def _delete(self, names: list[str]) -> None:
        self._run(f"delete from {LEDGER_TABLE} where name in (select unnest(?))", [names])

    def versions(self) -> dict[str, str]:
        """Every recorded thing's version."""
        return dict(
            self._run(f"select name, version from {LEDGER_TABLE} where name != ?", [_LAYOUT_ENTRY])
        )

    def of_another_layout(self) -> bool:
        """Whether the database holds what an older layout of this code wrote (to be dropped);
        an empty database is given this layout."""
        if self.is_current(_LAYOUT_ENTRY, WORK_LAYOUT):
            return False
        written = self.con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name || '.' || table_name != ?",
            [LEDGER_TABLE],
        ).fetchone()[0]
        if written:
            return True
        self.record(_LAYOUT_ENTRY, WORK_LAYOUT)
        return False


class FileLedger(Ledger):
    """The ledger in one JSON file (read once; `save` writes it atomically), for what must
    survive beside what it describes. `autosave=False` leaves the saving to the caller, which
    records many entries at once."""

    def __init__(self, path: Path, *, autosave: bool = True) -> None:
        self.path = path
        self.autosave = autosave
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        self.entries: dict[str, dict] = entries if isinstance(entries, dict) else {}

    def entry(self, name: str) -> Entry | None:
        found = self.entries.get(name)
        if not isinstance(found, dict) or not isinstance(found.get("made_from"), str):
            return None
        made = found["made_from"]
        return Entry(made, found.get("version") or made, found.get("result"))

    def names(self) -> list[str]:
        return list(self.entries)

    def _write(self, name: str, entry: Entry) -> None:
        self.entries[name] = {"made_from": entry.made_from, "result": entry.result}
        if entry.version != entry.made_from:
            self.entries[name]["version"] = entry.version
        if self.autosave:
            self.save()

    def _delete(self, names: list[str]) -> None:
        forgotten = [name for name in names if self.entries.pop(name, None) is not None]
        if forgotten and self.autosave:
            self.save()

    def forget_where(self, keep: Any) -> None:
        """Forget every entry whose name `keep(name)` is false."""
        self._delete([name for name in self.entries if not keep(name)])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(self.path, json.dumps(self.entries, indent=1, sort_keys=True))


# --- the versions of the working database's tables ------------------------------------------
# Each table a model reads has a version, which the models that read it are fingerprinted with:
# - an export's typed table (`ingest.<export>`): its load fingerprint (the files' hashes, the
#   reading code, the pseudonym key; see pipelines/lib/ingest/typed.py);
# - a model's table of up to `CONTENT_HASH_ROWS` rows: a hash of its columns and rows, so that a
#   model computed again with the same result (core.years after a governance file changed, but
#   not its years) changes nothing downstream;
# - a larger model table or a view: what it was made from (`model_fingerprint`);
# - any other small table the build writes (governance facts, frozen figures): a hash of its
#   content, computed when a model asks.
# A table with no version (a large one written by other code) makes every model that reads it
# computed again.

# Schemas of the working database a model may read.
SCHEMAS = ("ingest", "staging", "core", "annex", "quality")
# A table this small without a recorded version is versioned by a hash of its content.
CONTENT_HASH_ROWS = 100_000

# Functions whose result is not the same from one build to the next (DuckDB's parse tree names
# them; a table function other than a seed reads a file, so it is not stable either).
UNSTABLE_FUNCTIONS = frozenset(
    {
        "now", "current_date", "current_time", "current_timestamp", "get_current_time",
        "get_current_timestamp", "today", "random", "setseed", "uuid", "gen_random_uuid",
        "getenv", "current_setting",
    }
)  # fmt: skip


# Table functions that read no file (any other, read_csv of a non-seed or glob, may).
STABLE_TABLE_FUNCTIONS = frozenset({"unnest", "range", "generate_series"})


def is_deterministic(query: str) -> bool:
    """Whether the query's result depends only on the tables and seeds it reads (no other file,
    clock or random number)."""
    reads = query_reads(query)
    return reads.table_functions <= STABLE_TABLE_FUNCTIONS and not (
        reads.functions & UNSTABLE_FUNCTIONS
    )


def relation_kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """'table' or 'view' for `schema.name` in the connection's database; None when missing."""
    schema, table = name.split(".")
    found = con.execute(
        "select 'table' from duckdb_tables() where schema_name = ? and table_name = ? "
        "and database_name = current_database() union all "
        "select 'view' from duckdb_views() where schema_name = ? and view_name = ? "
        "and database_name = current_database()",
        [schema, table] * 2,
    ).fetchall()
    return found[0][0] if found else None


def table_is_current(
    con: duckdb.DuckDBPyConnection, table: str, made_from: str | None, kind: str = "table"
) -> bool:
    """Whether `table` is there as a `kind` ('table' or 'view') last made, completely, from
    `made_from` (None: from something unversioned, so never)."""
    return WorkLedger(con).is_current(table, made_from) and relation_kind(con, table) == kind


def content_version(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """A hash of a small table's columns and rows (in any order); None for a large (or
    missing) one."""
    try:  # the columns and their types (without asking the whole catalog)
        columns = [(c[0], str(c[1])) for c in con.execute(f"from {table} limit 0").description]
    except duckdb.CatalogException:
        return None
    if con.execute(f"select count(*) from {table}").fetchone()[0] > CONTENT_HASH_ROWS:
        return None
    # a checksum of the rows in any order: the sum and the xor of their 64-bit hashes (a
    # sorted text of the rows would cost seconds and gigabytes for 100,000 of them)
    rows = con.execute(
        f"select count(*), coalesce(sum(hash(t)), 0), coalesce(bit_xor(hash(t)), 0) from {table} t"
    ).fetchone()
    return f"content {fingerprint(repr(columns), repr(rows))}"


@functools.cache
def _runner_version() -> str:
    """The code that runs a model and records its version (warehouse.py, this module)."""
    lib = Path(__file__).parent
    return fingerprint(*((lib / name).read_bytes() for name in ("warehouse.py", "reuse.py")))


def model_fingerprint(con: duckdb.DuckDBPyConnection, model: SqlModel) -> str | None:
    """What the model's table would be made from now: its file, the seeds and macros it may
    use, DuckDB's version, the code that runs it and the version of every table its query
    reads. None when something it reads has no version, or when its result depends on more
    than its tables and seeds."""
    query = model.query
    if not is_deterministic(query):
        return None
    known = WorkLedger(con).versions()
    parts = [f"duckdb {duckdb.__version__}", _runner_version(), model.path.read_bytes()]
    parts += [(PROJECT_ROOT / seed).read_bytes() for seed in query_reads(query).seeds]
    parts.append(macros_version())
    for table in sorted(query_reads(query).tables - {model.qualified_name}):
        version = known.get(table) or content_version(con, table)
        if version is None:
            return None
        parts.append(f"{table}\0{version}")
    return fingerprint(*parts)
