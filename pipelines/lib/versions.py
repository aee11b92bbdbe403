"""What each table of the working database was made from, so that a build keeps a model whose
inputs have not changed instead of computing it again.

Each table has a version, which the models that read it are fingerprinted with:
- an export's typed table (`ingest.<export>`): its load fingerprint (the files' hashes, the
  reading code, the pseudonym key; see exports.py);
- a model's table of up to `CONTENT_HASH_ROWS` rows: a hash of its columns and rows, so that a
  model computed again with the same result (core.years after a governance file changed, but
  not its years) changes nothing downstream;
- a larger model table or a view: what it was made from (`model_fingerprint`: its file under
  sql/, DuckDB's version, the code that runs it and the versions of the tables its query
  reads);
- any other small table the build writes (governance facts, frozen figures): a hash of its
  content, computed when a model asks.
A model table also records what it was made from: a model is kept when that is what it would
be made from now. A table with no version (a large one written by other code) makes every
model that reads it computed again. Before a table is rewritten its record is deleted, and the
new one is recorded once the table is complete, so that a model that stops half-way is never
taken for a finished one.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from pathlib import Path

import duckdb

from pipelines.lib.config import PROJECT_ROOT
from pipelines.lib.exports import FINGERPRINT_TABLE
from pipelines.lib.warehouse import SqlModel, relation_kind

VERSIONS_TABLE = "ingest.table_versions"
# Schemas of the working database a model may read.
SCHEMAS = ("ingest", "staging", "core", "annex", "quality")
# A table this small without a recorded version is versioned by a hash of its content.
CONTENT_HASH_ROWS = 100_000

_TABLE_NAME = re.compile(rf"\b({'|'.join(SCHEMAS)})\.([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
# What makes a query's result depend on more than the tables it reads.
_UNSTABLE = re.compile(
    r"\b(read_\w+|glob|now|current_date|current_time|current_timestamp|get_current_time"
    r"|today|random|setseed|uuid|gen_random_uuid|getenv|current_setting)\s*\(",
    re.IGNORECASE,
)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
# A seed (sql/seeds/*.csv, a path from the project root) is part of the model, not an input that
# changes under it: its bytes go into the model's fingerprint.
_SEED = re.compile(r"\bread_csv\s*\(\s*'(sql/seeds/[\w.-]+\.csv)'", re.IGNORECASE)
_LINE_COMMENT = re.compile(r"--[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def _code_only(query: str) -> str:
    """The query without its comments and string literals (which may name tables)."""
    return _LITERAL.sub("''", _LINE_COMMENT.sub("", _BLOCK_COMMENT.sub("", query)))


def referenced_tables(query: str) -> frozenset[str]:
    """The working-database tables (`schema.table`) a query reads."""
    return frozenset(
        f"{schema}.{table}".lower() for schema, table in _TABLE_NAME.findall(_code_only(query))
    )


def seed_files(query: str) -> list[Path]:
    """The seeds a query reads, as paths."""
    code = _LINE_COMMENT.sub("", _BLOCK_COMMENT.sub("", query))
    return [PROJECT_ROOT / path for path in sorted(set(_SEED.findall(code)))]


def is_deterministic(query: str) -> bool:
    """Whether the query's result depends only on the tables and seeds it reads (no other file,
    clock or random number)."""
    code = _SEED.sub("(", _LINE_COMMENT.sub("", _BLOCK_COMMENT.sub("", query)))
    return _UNSTABLE.search(_code_only(code)) is None


def ensure_versions_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ingest")
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'ingest' and table_name = 'table_versions'"
        ).fetchall()
    }
    if columns and "made_from" not in columns:  # an older build's table: start again
        con.execute(f"drop table {VERSIONS_TABLE}")
    con.execute(
        f"create table if not exists {VERSIONS_TABLE} "
        "(table_name varchar, made_from varchar, version varchar)"
    )


def _versions(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list:
    """Run `sql` over the versions table, creating it first when it is missing or an older
    build's (asking the catalog only then: a catalog query costs ~10-30 ms)."""
    try:
        return con.execute(sql, params or []).fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):
        ensure_versions_table(con)
        return con.execute(sql, params or []).fetchall()


def recorded_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every recorded version: the models' tables' and the exports' typed tables'."""
    # (made_from is named so that an older build's table, without it, is replaced)
    rows = _versions(con, f"select table_name, version, made_from from {VERSIONS_TABLE}")
    versions = {table: version for table, version, _ in rows}
    try:
        loads = con.execute(f"select 'ingest.' || export, fingerprint from {FINGERPRINT_TABLE}")
    except duckdb.CatalogException:  # no export loaded yet
        return versions
    return dict(loads.fetchall()) | versions


def made_from(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """What the table was recorded as made from (see `model_fingerprint`)."""
    found = _versions(con, f"select made_from from {VERSIONS_TABLE} where table_name = ?", [table])
    return found[0][0] if found else None


def is_current(con: duckdb.DuckDBPyConnection, table: str, made: str | None, kind: str) -> bool:
    """Whether `table` is there as a `kind` ('table' or 'view') made from `made`, what it would
    be made from now (None: nothing versioned, so it is never current)."""
    return made is not None and made_from(con, table) == made and relation_kind(con, table) == kind


def forget_version(con: duckdb.DuckDBPyConnection, table: str) -> None:
    _versions(con, f"delete from {VERSIONS_TABLE} where table_name = ?", [table])


def record_version(
    con: duckdb.DuckDBPyConnection,
    table: str,
    made: str | None,
    version: str | None = None,
) -> str:
    """Record what `table` was made from (None: something unversioned, so a new random value
    that matches nothing) and its version (by default the same). Returns the version."""
    made = made or f"unversioned {uuid.uuid4()}"
    version = version or made
    forget_version(con, table)  # (creates the table when missing)
    con.execute(f"insert into {VERSIONS_TABLE} values (?, ?, ?)", [table, made, version])
    return version


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
    digest = hashlib.sha256(repr(columns).encode())
    digest.update(repr(rows).encode())
    return f"content {digest.hexdigest()}"


@functools.cache
def _runner_version() -> str:
    """The code that runs a model and records its version (warehouse.py, this module)."""
    lib = Path(__file__).parent
    digest = hashlib.sha256()
    for path in (lib / "warehouse.py", lib / "versions.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def model_fingerprint(con: duckdb.DuckDBPyConnection, model: SqlModel) -> str | None:
    """What the model's table would be made from now: its file, DuckDB's version and the
    version of every table its query reads. None when something it reads has no version, or
    when its result depends on more than its tables."""
    query = model.query
    if not is_deterministic(query):
        return None
    known = recorded_versions(con)
    digest = hashlib.sha256(f"duckdb {duckdb.__version__}\0{_runner_version()}\0".encode())
    digest.update(model.path.read_bytes())
    for seed in seed_files(query):
        digest.update(seed.read_bytes())
    for table in sorted(referenced_tables(query) - {model.qualified_name}):
        version = known.get(table) or content_version(con, table)
        if version is None:
            return None
        digest.update(f"\0{table}\0{version}".encode())
    return digest.hexdigest()
