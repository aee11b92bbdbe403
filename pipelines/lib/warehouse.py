"""The one way to touch the warehouse: connections, the SQL model runner, comments, publication.

DuckDB allows one writer per file across processes, so:
- the build writes a private working database (`work.duckdb` in `$ANNEX_WORK_DIR`) through
  short-lived connections, all in the build's own process, under a lock that keeps builds
  from overlapping;
- readers only ever open the publication (`coop.duckdb`) read-only;
- publication copies the publishable schemas into a staging file on the same filesystem, in a
  storage format DuckDB 1.5 still reads, checkpoints it and renames it over the old one: a reader
  holding the old file open keeps its (unlinked) copy and is never blocked or broken.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.lib.config import PROJECT_ROOT, Settings
from pipelines.lib.reuse import FileLedger, fingerprint, relation_kind
from pipelines.lib.sqlfiles import SqlModel, load_macros

# Schemas that reach the publication; `ingest` (names, contacts, raw member numbers) never does.
PUBLISHED_SCHEMAS = ("annex", "core", "quality")
# The storage format DuckDB 1.5 clients (DBeaver, older CLIs) can still open.
PUBLICATION_STORAGE_VERSION = "v1.5.0"
# Every data check's last outcome (written by pipelines/lib/models.py, published).
CHECK_RESULTS_TABLE = "quality.check_results"


class BuildLockedError(RuntimeError):
    """Another build holds the warehouse."""


class WarehouseFolderError(RuntimeError):
    """The warehouse folder cannot be written (read-only, full, not a folder)."""


_SYSTEM_REASONS = re.compile(
    r"No space left on device|Disk quota exceeded|Read-only file system|Permission denied"
)


def unwritable(folder: Path, error: Exception) -> WarehouseFolderError:
    """The one message for a folder the build cannot write in, and what to do."""
    said = _SYSTEM_REASONS.search(str(error))
    reason = getattr(error, "strerror", None) or (said[0] if said else error_summary(error))
    return WarehouseFolderError(
        f"cannot write in {folder} ({reason}): the build needs a folder it may write in, "
        "with free space; set ANNEX_WAREHOUSE_DIR to one, or free some space there"
    )


def _private_temp_dir() -> str:
    # Spill files may hold ingestion rows: keep them out of the warehouse folder.
    path = Path(tempfile.gettempdir()) / f"coop-annex-spill-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return str(path)


# The names of the working folder's spill and scratch folders (see Settings.work_dir): a
# connection's spill folder tells `scratch_folder` where its temporary copies go.
SPILL_NAME = "spill"
SCRATCH_NAME = "tmp"
LEGACY_WORK_DB = "work.duckdb"  # where the working database lived before: warehouse/.build/


def _private_dir(path: Path) -> None:
    """`path` and its missing parents as folders only the user can open (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def prepare_work_dir(settings: Settings) -> list[str]:
    """Make the build's private working folder ready (under the build lock): 0700 folders, the
    temporary copies of a build killed before emptied, and a working database left in the
    warehouse folder by an earlier version deleted (it maps members to pseudonyms; it is a
    cache, rebuilt from the exports). Returns what was removed, for a warning."""
    removed = []
    root = settings.work_dir.parent
    _private_dir(root)
    for folder in (settings.work_dir, settings.spill_dir):
        _private_dir(folder)
    if settings.scratch_dir.exists():
        shutil.rmtree(settings.scratch_dir, ignore_errors=True)
    _private_dir(settings.scratch_dir)
    for legacy in settings.build_dir.glob(LEGACY_WORK_DB + "*"):
        if legacy.is_file():
            legacy.unlink()
            removed.append(str(legacy))
    private_files(settings.work_dir)
    return removed


def private_files(folder: Path) -> None:
    """Every file directly in `folder` readable and writable by the user only (0600)."""
    for path in folder.iterdir():
        if path.is_file() and not path.is_symlink():
            os.chmod(path, 0o600)


@contextmanager
def scratch_folder(con: duckdb.DuckDBPyConnection) -> Iterator[Path]:
    """A temporary folder (0700) for copies of an export, deleted on exit: inside the build's
    working folder when `con` is the build's (its spill folder is the working folder's), where
    the next build empties what a killed one left; else in the system's temporary folder."""
    spill = Path(con.execute("select current_setting('temp_directory')").fetchone()[0])
    root = spill.parent / SCRATCH_NAME if spill.name == SPILL_NAME else None
    if root is not None:
        _private_dir(root)
    with tempfile.TemporaryDirectory(prefix="export-", dir=root) as folder:
        yield Path(folder)


def pseudonym_macro_sql(key: bytes) -> str:
    """HMAC-SHA-256 (RFC 2104) of a member number written in decimal, as a DuckDB macro.

    Computed in SQL so that pseudonymising millions of rows stays a vectorised scan.
    """
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\x00")
    ipad = bytes(b ^ 0x36 for b in block).hex()
    opad = bytes(b ^ 0x5C for b in block).hex()
    return (
        "create or replace temp macro pseudonym(member_number) as "
        f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') "
        "|| encode(cast(cast(member_number as hugeint) as varchar)))))"
    )


def build_config(spill_dir: Path | None = None) -> dict[str, str | bool]:
    """DuckDB settings of the build's connection: bounded memory, spilling outside the warehouse.

    The memory bound keeps a 100-fold register within a few GB (DuckDB spills the rest);
    ANNEX_MEMORY_LIMIT overrides it. Rows are not kept in insertion order unless a query says
    so: every model that needs an order has its ORDER BY, and DuckDB writes large tables much
    faster when it may reorder (a staged export file asks for its order, see ingest/typed.py).
    """
    return {
        "temp_directory": str(spill_dir) if spill_dir is not None else _private_temp_dir(),
        "memory_limit": os.environ.get("ANNEX_MEMORY_LIMIT", "3GB"),
        "preserve_insertion_order": False,
        # The build never fetches code: every extension it uses is built into the wheel. With
        # DuckDB's default, reopening a working database left with a WAL by a build that was
        # killed failed on a machine without internet access: replaying a comment on a table
        # with a virtual column binds the column before the built-in functions are loaded, and
        # DuckDB then tries to download them ("Failure while replaying WAL file ...
        # core_functions"). Without auto-install it loads the built-in ones and replays.
        "autoinstall_known_extensions": False,
        # a model reads its seeds by their path from the project root (sql/seeds/...)
        "file_search_path": str(PROJECT_ROOT),
    }


_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def error_summary(error: Exception) -> str:
    """The first line of an error's message, its quoted values masked: DuckDB quotes the values
    it could not convert or that broke a constraint, and the working database holds personal
    data."""
    return _QUOTED.sub("'…'", str(error).split("\n", 1)[0])


# What DuckDB says when a database file cannot be opened because of its contents (not because
# another process holds it): the working database is then set aside and built again.
_UNREADABLE_DATABASE = (
    "Failure while replaying WAL",
    "not a valid DuckDB database file",
    "Corrupt database file",
    "database file with version number",
)


def unreadable_database(error: duckdb.Error) -> bool:
    """Whether `error`, raised while opening a database file, says its contents are unusable."""
    return any(marker in str(error) for marker in _UNREADABLE_DATABASE)


def set_aside(path: Path) -> Path:
    """Move the database file `path` and its WAL to `<name>.unreadable` (replacing the one set
    aside before); the new name."""
    aside = path.with_name(path.name + ".unreadable")
    for source, target in ((path, aside), (_wal(path), _wal(aside))):
        if source.exists():
            os.replace(source, target)
        else:
            target.unlink(missing_ok=True)
    return aside


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@contextmanager
def connect(
    path: Path,
    *,
    read_only: bool = False,
    pseudonym_key: bytes | None = None,
    spill_dir: Path | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection; closed on exit so that the file is free again. `spill_dir`:
    where the build's DuckDB spills (default: a private folder of the system's temporary
    folder)."""
    if not read_only and str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    # Readers get DuckDB's defaults, so that a notebook's own duckdb.connect(path, read_only=True)
    # in the same process is compatible; only the build may spill, and not into the warehouse.
    config = {} if read_only else build_config(spill_dir)
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    try:
        if pseudonym_key is not None:
            con.execute(pseudonym_macro_sql(pseudonym_key))
        if not read_only:  # the shared rules of sql/macros, for the build's models and checks
            load_macros(con)
        yield con
    finally:
        con.close()


@contextmanager
def build_lock(settings: Settings, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Serialise builds (schedule, sensor, CLI, close-year) on one lock file."""
    lock_path = settings.build_dir / "build.lock"
    problem: OSError | None = None
    try:
        settings.build_dir.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        problem = exc
    if problem is not None:  # raised outside the except: one message, no chained traceback
        raise unwritable(settings.warehouse_dir, problem)
    with handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise BuildLockedError(
                        f"another build is running ({holder}) on {settings.warehouse_dir}; "
                        "wait for it to finish or try again later"
                    ) from None
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def insertion_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within: tables keep rows in the order they are written. The build otherwise lets DuckDB
    reorder rows (`preserve_insertion_order = false`), which makes writing large tables cheaper;
    a staged file needs its order (a row's position is its record number), and the published
    annex tables keep theirs for readers who select without ORDER BY."""
    previous = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("set preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute(f"set preserve_insertion_order = {'true' if previous else 'false'}")


# --- SQL models -------------------------------------------------------------------------------


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def set_comments(
    con: duckdb.DuckDBPyConnection,
    table: str,
    description: str | None,
    columns: dict[str, str] | None,
) -> None:
    """Table and column comments, readable from duckdb_tables() and duckdb_columns().

    All in one statement batch and one transaction: each comment committed on its own would
    cost a write of the database's log.
    """
    existing = {row[0] for row in con.execute(f"describe {table}").fetchall()}
    statements = []
    if description:
        statements.append(f"comment on table {table} is {quote_literal(description.strip())}")
    for column, comment in (columns or {}).items():
        if column not in existing:
            raise ValueError(f"{table}: comment for unknown column {column!r}")
        statements.append(
            f'comment on column {table}."{column}" is {quote_literal(str(comment).strip())}'
        )
    if statements:
        con.execute("begin transaction; " + "; ".join(statements) + "; commit")


def run_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> None:
    """Create (or replace) the model's table, or view, from its select."""
    con.execute(f"create schema if not exists {model.schema}")
    kind = "view" if model.is_view else "table"
    # an older build may have made it the other kind, which `create or replace` does not replace
    other = relation_kind(con, model.qualified_name)
    if other is not None and other != kind:
        con.execute(f"drop {other} {model.qualified_name}")
    con.execute(f"create or replace {kind} {model.qualified_name} as\n{model.query}")
    doc = model.doc
    set_comments(con, model.qualified_name, doc.get("description"), doc.get("columns"))


# --- publication ------------------------------------------------------------------------------


# What the publication holds, written beside the build's working database after each publish.
PUBLICATION_MANIFEST = "publication.json"
# The publication's entry in that ledger (pipelines/lib/reuse.py).
PUBLICATION = "coop.duckdb"
# A table with more rows than this is never kept from the last publication while others
# change: copying the file and replacing it there would leave as much unused space in it.
KEEP_LARGE_ONLY_WHEN_UNCHANGED = 100_000
# Published columns stored uncompressed: compressing random hex pseudonyms halves their space
# but is most of the cost of publishing the large tables (decisions.md).
UNCOMPRESSED_COLUMNS = frozenset({"member_key"})


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def _publication_ledger(settings: Settings) -> FileLedger:
    """The reuse ledger of the publication, beside the build's working database: one entry,
    made from the file's stamp and DuckDB's version and storage, reporting each table's version
    and rows and the tables kept from the publication before."""
    return FileLedger(settings.build_dir / PUBLICATION_MANIFEST)


def _made_from(path: Path) -> str:
    """What a publication is: the file as written (size, modification time, inode), by this
    DuckDB in this storage version."""
    stamp = _stamp(path)
    return fingerprint(json.dumps(stamp), duckdb.__version__, PUBLICATION_STORAGE_VERSION)


def publication_manifest(settings: Settings) -> dict:
    """What the last publish reported (`publish`): each table's version and rows, the tables
    kept from the publication before; {} if none."""
    entry = _publication_ledger(settings).entry(PUBLICATION)
    return entry.result if entry is not None else {}


def _published_before(settings: Settings) -> dict[str, dict]:
    """The tables of the publication (version and rows) when it is the one the last build
    wrote, by the same DuckDB; empty otherwise (no publication, or one replaced since)."""
    try:
        made_from = _made_from(settings.publication_path)
    except OSError:
        return {}
    ledger = _publication_ledger(settings)
    return (
        ledger.entry(PUBLICATION).result["tables"]
        if ledger.is_current(PUBLICATION, made_from)
        else {}
    )


def _tables_to_keep(
    names: list[str], versions: dict[str, str], before: dict[str, dict]
) -> set[str]:
    """The tables the last publication holds as this one would: same version (see
    reuse.py). None are kept unless every large table is among them."""
    keep = {
        name
        for name in names
        if versions.get(name) is not None and before.get(name, {}).get("version") == versions[name]
    }
    large = {
        name for name, table in before.items() if table["rows"] > KEEP_LARGE_ONLY_WHEN_UNCHANGED
    }
    return keep if large <= keep else set()


def _published_columns(columns: list[tuple[str, str, str | None]]) -> str:
    """The column definitions of a published table from the (name, type, comment) of its
    source's columns: UNCOMPRESSED_COLUMNS forced uncompressed."""
    return ", ".join(
        f"{quote_identifier(column)} {type_}"
        + (" using compression uncompressed" if column in UNCOMPRESSED_COLUMNS else "")
        for column, type_, _ in columns
    )


def publish(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    versions: dict[str, str] | None = None,
) -> dict[str, int]:
    """`_publish`; a folder that fills up or cannot be written is one message naming it (the
    staging copy removed, the last publication in place), never DuckDB's own."""
    problem: Exception | None = None
    try:
        return _publish(con, settings, schemas, versions)
    except (OSError, duckdb.IOException) as exc:
        problem = exc
    staging = settings.build_dir / STAGING_NAME
    for leftover in (staging, _wal(staging)):
        leftover.unlink(missing_ok=True)
    raise unwritable(settings.warehouse_dir, problem)


STAGING_NAME = "coop.staging.duckdb"


def _publish(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    versions: dict[str, str] | None = None,
) -> dict[str, int]:
    """Copy the publishable schemas of the working database (`con`) into a new publication.

    The copy is written next to the publication, checkpointed, then renamed over it. Returns
    the published tables with their row counts.

    `versions` (table -> version, see reuse.py): a table the last publication holds at
    the same version is kept as it is there, so that a build whose large tables did not
    change copies the last publication's file and rewrites only the others.
    """
    staging = settings.build_dir / STAGING_NAME
    for leftover in (staging, _wal(staging)):
        leftover.unlink(missing_ok=True)
    source = con.execute("select current_database()").fetchone()[0]
    # a view of the working database is published as a table (computed once, here)
    tables = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = ? and schema_name in (select unnest(?)) "
        "union all "
        "select schema_name, view_name, comment from duckdb_views() "
        "where database_name = ? and schema_name in (select unnest(?)) order by all",
        [source, list(schemas)] * 2,
    ).fetchall()
    names = [f"{schema}.{table}" for schema, table, _ in tables]
    versions = versions or {}
    before = _published_before(settings) if versions else {}
    keep = _tables_to_keep(names, versions, before)
    if keep:
        shutil.copyfile(settings.publication_path, staging)
        con.execute(f"attach {quote_literal(str(staging))} as coop")
    else:
        con.execute(
            f"attach {quote_literal(str(staging))} as coop "
            f"(storage_version '{PUBLICATION_STORAGE_VERSION}')"
        )
    published: dict[str, int] = {}
    try:
        # every source table's (or view's) columns in order: name, type, comment
        columns: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
        for schema, table, column, type_, text in con.execute(
            "select schema_name, table_name, column_name, data_type, comment "
            "from duckdb_columns() where database_name = ? "
            "order by schema_name, table_name, column_index",
            [source],
        ).fetchall():
            columns.setdefault((schema, table), []).append((column, type_, text))
        held = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where database_name = 'coop'"
        ).fetchall()
        for (name,) in held:
            if name not in keep:
                con.execute(f"drop table coop.{name}")
        for schema in sorted({schema for schema, _, _ in tables}):
            con.execute(f"create schema if not exists coop.{schema}")
        for schema, table, comment in tables:
            name = f"{schema}.{table}"
            if name in keep:
                published[name] = before[name]["rows"]
                continue
            # small tables keep the order their query gave them; core's large ones need none;
            # the quality tables, filled export by export, are sorted (export, file, row, ...)
            # so that the same build publishes them alike
            order = " order by all" if schema == "quality" else ""
            with insertion_order(con) if schema != "core" else contextlib.nullcontext():
                definitions = _published_columns(columns[schema, table])
                con.execute(f"create table coop.{name} ({definitions})")
                written = con.execute(f"insert into coop.{name} from {source}.{name}{order}")
                published[name] = int(written.fetchone()[0])
            column_comments = {
                column: text for column, _, text in columns[schema, table] if text is not None
            }
            set_comments(con, f"coop.{name}", comment, column_comments)
        con.execute("checkpoint coop")
    finally:
        con.execute("detach coop")
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    os.replace(staging, settings.publication_path)
    report = {
        "tables": {
            name: {"version": versions.get(name), "rows": rows} for name, rows in published.items()
        },
        "kept": sorted(keep),
    }
    made_from = _made_from(settings.publication_path)
    _publication_ledger(settings).record(PUBLICATION, made_from, result=report)
    return published


@contextmanager
def read_publication(settings: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only, short-lived connection to the publication (for notebooks, CLI and tests).

    The file is attached to a fresh in-memory database rather than opened directly: DuckDB
    shares one database instance per path within a process, so a connection opened directly
    would silently keep reading the copy some other open connection holds, even after a
    newer publication replaced it.
    """
    settings = settings or Settings.from_env()
    path = settings.publication_path
    if not path.exists():
        raise FileNotFoundError(f"no publication at {path}: run `annex build` first")
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach {quote_literal(str(path))} as coop (read_only)")
        con.execute("use coop")
        yield con
    finally:
        con.close()
