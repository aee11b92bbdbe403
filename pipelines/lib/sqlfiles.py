"""The sql/ folder read as the model graph: its models, the tables each reads, their checks and
the shared macros (sql/README.md). No Dagster here: notebooks load the macros too.

- `sql/<layer>/<table>.sql` is the model of `<layer>.<table>` (layers: staging, core, annex);
- `sql/<schema>/<table>.checks.sql` holds the checks of that table (`sql/ingest/` for the tables
  Python loads from the exports);
- `sql/macros/*.sql` are DuckDB macros, loaded on every connection that runs a model.

The tables a query reads come from DuckDB's own parse tree (`json_serialize_sql`), so that a
model's dependencies are written once, in its query.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from pipelines.lib.config import SQL_DIR
from pipelines.lib.warehouse import SqlModel

LAYERS = ("staging", "core", "annex")  # model schemas, in the order their steps run
MACROS_DIR = SQL_DIR / "macros"
CHECKS_SUFFIX = ".checks.sql"
SEVERITIES = {"error": True, "warn": False}  # severity -> blocking
_CHECK_KEYS = {"name", "description", "fix", "severity", "passes_if"}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_parser_lock = threading.Lock()


@functools.cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An in-memory connection that only parses: no table need exist."""
    return duckdb.connect()


def _walk(node: object, tables: set[tuple[str, str]], ctes: set[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE":
            tables.add((node.get("schema_name") or "", node["table_name"]))
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            ctes.update(entry["key"] for entry in cte_map.get("map", []))
        for value in node.values():
            _walk(value, tables, ctes)
    elif isinstance(node, list):
        for value in node:
            _walk(value, tables, ctes)


@functools.cache
def tables_read(query: str) -> frozenset[str]:
    """The `schema.table` names a select reads, from DuckDB's parse tree (its CTEs aside).
    A table named without its schema is an error: a model names what it reads in full."""
    with _parser_lock:
        (tree,) = _parser().execute("select json_serialize_sql(?::varchar)", [query]).fetchone()
    parsed = json.loads(tree)
    if parsed.get("error"):
        raise ValueError(f"DuckDB cannot parse the query: {parsed.get('error_message')}")
    tables: set[tuple[str, str]] = set()
    ctes: set[str] = set()
    _walk(parsed, tables, ctes)
    unqualified = sorted({table for schema, table in tables if not schema} - ctes)
    if unqualified:
        raise ValueError(f"name the schema of {', '.join(unqualified)} (schema.table)")
    return frozenset(f"{schema}.{table}" for schema, table in tables if schema)


# --- models -----------------------------------------------------------------------------------


def is_model_file(path: Path) -> bool:
    return path.suffix == ".sql" and not path.name.endswith(CHECKS_SUFFIX)


def layer_models(layer: str) -> list[SqlModel]:
    """Every model of a layer (`sql/<layer>/*.sql` but its check files), by name."""
    return [
        SqlModel(path) for path in sorted((SQL_DIR / layer).glob("*.sql")) if is_model_file(path)
    ]


def all_models() -> list[SqlModel]:
    return [model for layer in LAYERS for model in layer_models(layer)]


def model_deps(model: SqlModel) -> frozenset[str]:
    """The tables the model's query reads: its dependencies."""
    return tables_read(model.query) - {model.qualified_name}


def model_group(model: SqlModel) -> str:
    group = model.doc.get("group")
    if not group:
        raise ValueError(f"{model.source}: the header names no group")
    return str(group)


# --- checks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """A check of `table` that passes when `query` returns no row; the rows it returns are the
    offenders, and `fix` says what to do about them. A failed blocking check (severity
    `error`) stops what depends on the table; a `warn` one is reported only."""

    table: str
    name: str
    description: str
    query: str
    fix: str
    blocking: bool = True
    # a cheaper query whose single true value proves the check passes; anything else (false,
    # NULL, or a range too wide for a bitmap) leaves it to `query`, which lists the offenders
    passes_if: str | None = None

    @property
    def deps(self) -> frozenset[str]:
        """The tables the check reads besides its own."""
        read = tables_read(self.query)
        if self.passes_if:
            read |= tables_read(self.passes_if)
        return read - {self.table}


def _text(value: object) -> str:
    return " ".join(str(value).split())


def read_checks(path: Path) -> list[Check]:
    """The checks of one `<schema>/<table>.checks.sql`: statements, each a `/* ... */` YAML
    header (name, description, fix, severity, optionally passes_if) and the offenders' query."""
    table = f"{path.parent.name}.{path.name.removesuffix(CHECKS_SUFFIX)}"
    checks = []
    with _parser_lock:
        statements = _parser().extract_statements(path.read_text(encoding="utf-8"))
    for statement in statements:
        text = statement.query
        start = text.find("/*")
        end = text.find("*/", start + 2)
        if start < 0 or end < 0:
            raise ValueError(f"{path}: each check starts with a /* ... */ header")
        header = yaml.load(text[start + 2 : end], Loader=_LOADER) or {}
        unknown = set(header) - _CHECK_KEYS
        missing = {"name", "description", "fix", "severity"} - set(header)
        if unknown or missing or header["severity"] not in SEVERITIES:
            raise ValueError(
                f"{path}: check {header.get('name')!r}: unknown {sorted(unknown)}, missing "
                f"{sorted(missing)}, severity one of {sorted(SEVERITIES)}"
            )
        passes_if = header.get("passes_if")
        checks.append(
            Check(
                table=table,
                name=str(header["name"]),
                description=_text(header["description"]),
                query=text[end + 2 :].strip().rstrip(";").strip(),
                fix=_text(header["fix"]),
                blocking=SEVERITIES[header["severity"]],
                passes_if=str(passes_if).strip().rstrip(";") if passes_if else None,
            )
        )
    return checks


@functools.cache
def checks_of(table: str) -> tuple[Check, ...]:
    """The checks of `schema.table`, from `sql/<schema>/<table>.checks.sql` (none: no file)."""
    schema, name = table.split(".")
    path = SQL_DIR / schema / f"{name}{CHECKS_SUFFIX}"
    return tuple(read_checks(path)) if path.exists() else ()


# --- macros -----------------------------------------------------------------------------------


def _macro_files() -> list[Path]:
    return sorted(MACROS_DIR.glob("*.sql"))


def load_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the shared macros of sql/macros/ (temporary: they live with the connection)."""
    for path in _macro_files():
        con.execute(path.read_text(encoding="utf-8"))


@functools.cache
def macros_version() -> str:
    """A hash of the macro files: a model's result follows the macros it calls."""
    digest = hashlib.sha256()
    for path in _macro_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
