"""Back-test: every published `annex.*` table of the sample, row for row, against the tables
published before the last restructuring (`tests/golden/published/`).

A change to the code's shape must not change one published value. A change meant to alter a
published table (a new column, a corrected definition) updates the snapshot in the same commit,
so that the difference shows in review:

    ANNEX_UPDATE_SNAPSHOTS=1 uv run pytest tests/test_published_backtest.py
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.config import Settings
from pipelines.lib.warehouse import read_publication

SNAPSHOT_DIR = Path(__file__).parent / "golden" / "published"
UPDATE = os.environ.get("ANNEX_UPDATE_SNAPSHOTS") == "1"


def published_annex_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.sql(
            "select table_name from duckdb_tables() where schema_name = 'annex' order by 1"
        ).fetchall()
    ]


def table_as_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """The table in a stable order (every column) as CSV text; timestamps of freezing aside,
    the sample's tables hold no value that changes between builds."""
    con.execute(f"copy (select * from annex.{table} order by all) to '{path}' (header)")


def test_published_annex_tables_unchanged(sample_build: Settings, tmp_path: Path) -> None:
    with read_publication(sample_build) as con:
        tables = published_annex_tables(con)
        for table in tables:
            table_as_csv(con, table, tmp_path / f"annex.{table}.csv")
    written = sorted(path.name for path in tmp_path.glob("annex.*.csv"))
    if UPDATE:
        SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
        for old in SNAPSHOT_DIR.glob("annex.*.csv"):
            old.unlink()
        for name in written:
            (SNAPSHOT_DIR / name).write_bytes((tmp_path / name).read_bytes())
        pytest.skip("snapshots updated: review the difference and commit it")
    expected = sorted(path.name for path in SNAPSHOT_DIR.glob("annex.*.csv"))
    assert written == expected, "published annex tables differ from the snapshot's"
    for name in expected:
        got = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        want = (SNAPSHOT_DIR / name).read_text(encoding="utf-8").splitlines()
        assert got[0] == want[0], f"{name}: columns differ"
        missing = sorted(set(want) - set(got))[:5]
        extra = sorted(set(got) - set(want))[:5]
        assert got == want, f"{name}: rows differ; expected not found {missing}, new {extra}"
