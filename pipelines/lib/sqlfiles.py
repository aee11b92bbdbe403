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

LAYERS = ("staging", "core", "annex")  # model schemas, in the order their steps run
MACROS_DIR = SQL_DIR / "macros"
SEEDS_PREFIX = "sql/seeds/"  # a seed is read by its path from the project root
CHECKS_SUFFIX = ".checks.sql"
SEVERITIES = {"error": True, "warn": False}  # severity -> blocking
_CHECK_KEYS = {"name", "description", "fix", "severity", "passes_if"}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_parser_lock = threading.Lock()


@functools.cache
def _parser() -> duckdb.DuckDBPyConnection:
    """An in-memory connection that only parses: no table need exist."""
    return duckdb.connect()


@dataclass(frozen=True)
class SqlModel:
    """One file under sql/: `sql/<schema>/<table>.sql` holds the select that makes the table.

    A leading `/* ... */` block is YAML: `group` (the Dagster group), `description` (the table
    comment) and `columns` (column comments), so that the documentation lives beside the query
    (sql/README.md).
    """

    path: Path

    @property
    def schema(self) -> str:
        return self.path.parent.name

    @property
    def table(self) -> str:
        return self.path.stem

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def source(self) -> str:
        return self.path.relative_to(SQL_DIR.parent).as_posix()

    @functools.cached_property
    def _parts(self) -> tuple[dict, str]:
        """The doc block (parsed) and the query, read once."""
        text = self.path.read_text(encoding="utf-8")
        stripped = text.lstrip()
        if stripped.startswith("/*"):
            end = stripped.index("*/")
            # libyaml's loader where PyYAML has it: ~10 times faster than the pure-Python one
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            doc = yaml.load(stripped[2:end], Loader=loader) or {}
            return doc, stripped[end + 2 :]
        return {}, text

    @property
    def doc(self) -> dict:
        return self._parts[0]

    @property
    def query(self) -> str:
        return self._parts[1].strip().rstrip(";")

    @property
    def is_view(self) -> bool:
        """`materialized: view` in the doc block: a view (a cheap filter over a large table
        that is read once or twice) instead of a table."""
        return self.doc.get("materialized", "table") == "view"


@dataclass(frozen=True)
class Reads:
    """What a query reads, from DuckDB's parse tree: tables (`schema.table`, its CTEs aside),
    seeds (`read_csv('sql/seeds/...')`), other table functions, and every function it calls."""

    tables: frozenset[str]
    seeds: tuple[str, ...]
    table_functions: frozenset[str]
    functions: frozenset[str]


def _walk(node: object, found: dict[str, set], ctes: set[str]) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "BASE_TABLE":
            found["tables"].add((node.get("schema_name") or "", node["table_name"]))
        elif kind == "TABLE_FUNCTION":
            function = node["function"]
            arguments = function.get("arguments") or []
            first = arguments[0]["expression"] if arguments else {}
            path = (first.get("literal") or {}).get("text", "") if first else ""
            if function.get("function_name") == "read_csv" and path.startswith(SEEDS_PREFIX):
                found["seeds"].add(path)
            else:
                found["table_functions"].add(function.get("function_name", ""))
        elif node.get("class") == "FUNCTION":
            found["functions"].add(str(node.get("function_name", "")).lower())
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            ctes.update(entry["key"] for entry in cte_map.get("map", []))
        for value in node.values():
            _walk(value, found, ctes)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found, ctes)


@functools.cache
def query_reads(query: str) -> Reads:
    """What a select reads (see `Reads`). A table named without its schema is an error: a
    model names what it reads in full."""
    with _parser_lock:
        (tree,) = _parser().execute("select json_serialize_sql(?::varchar)", [query]).fetchone()
    parsed = json.loads(tree)
    if parsed.get("error"):
        raise ValueError(f"DuckDB cannot parse the query: {parsed.get('error_message')}")
    found: dict[str, set] = {"tables": set(), "seeds": set(), "table_functions": set()}
    found["functions"] = set()
    ctes: set[str] = set()
    _walk(parsed, found, ctes)
    unqualified = sorted({table for schema, table in found["tables"] if not schema} - ctes)
    if unqualified:
        raise ValueError(f"name the schema of {', '.join(unqualified)} (schema.table)")
    return Reads(
        tables=frozenset(
            f"{schema}.{table}".lower() for schema, table in found["tables"] if schema
        ),
        seeds=tuple(sorted(found["seeds"])),
        table_functions=frozenset(found["table_functions"]),
        functions=frozenset(found["functions"]),
    )


def tables_read(query: str) -> frozenset[str]:
    """The `schema.table` names a select reads, from DuckDB's parse tree (its CTEs aside)."""
    return query_reads(query).tables


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
