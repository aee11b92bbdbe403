"""Write, audit, publish: failed checks keep the last publication; readers are never blocked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import duckdb
import pytest

from pipelines import cli
from pipelines.lib.build import run_build
from pipelines.lib.warehouse import (
    KEEP_LARGE_ONLY_WHEN_UNCHANGED,
    _tables_to_keep,
    connect,
    publication_manifest,
    publish,
    read_publication,
)
from tests.builders import Register
from tests.helpers import build, figures


def good_register() -> Register:
    register = Register()
    for number in (1, 2, 3):
        register.member(number)
        register.subscribe("2023-03-01", number, 2)
    register.vote("2024-06-18", "1")
    return register


def test_failed_check_keeps_the_last_publication(settings):
    register = good_register()
    assert build(settings, register).published
    before = settings.publication_path.read_bytes()
    register.sell_back("2024-02-02", 2, 3, "withdrawal")  # more shares than member 2 holds
    outcome = build(settings, register)
    assert not outcome.published
    failed = {check.name: check for check in outcome.failed_checks}
    assert set(failed) == {"holdings_never_negative"}
    offenders = failed["holdings_never_negative"].metadata["offenders"]
    assert re.search(r"\|\s+4 \| 2024-02-02", offenders), offenders  # operation 4 named
    # the file as it lies in raw/, with its snapshot suffix, and the row
    assert re.search(r"register/share_operations_20250115\.csv \|\s+4 \|", offenders), offenders
    assert "correct their quantity" in failed["holdings_never_negative"].metadata["how_to_fix"]
    assert settings.publication_path.read_bytes() == before


def test_unknown_member_blocks_publication_and_cli_names_the_check(settings, capsys):
    register = good_register()
    register.subscribe("2024-04-04", 99, 1)  # member 99 is not in cooperators.csv
    register.write(settings.raw_dir)
    assert cli.main(["build"]) == 1
    printed = capsys.readouterr().out
    assert "✗ operation_members_known" in printed
    assert "not in cooperators.csv" in printed
    # the file as it lies in raw/ (with its snapshot suffix) and the row of the operation
    assert re.search(r"register/share_operations_20250115\.csv \|\s+4 \|", printed), printed
    assert "nothing was published" in printed
    assert not settings.publication_path.exists()


def test_a_build_killed_mid_way_leaves_a_working_database_the_next_build_opens(tmp_path):
    """A build killed between two checkpoints leaves a WAL. Replaying a comment on a table with
    a virtual column (every ingestion table has two) made DuckDB try to download its built-in
    functions, which fails without internet access; the build's connection does not."""
    path = tmp_path / "work.duckdb"
    killed = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from pipelines.lib.warehouse import connect\n"
        "with connect(Path(sys.argv[1])) as con:\n"
        "    con.execute(\"create table t (n int, f varchar as (['a.csv', 'b.csv'][n]))\")\n"
        "    con.execute('insert into t values (1), (2)')\n"
        "    con.execute(\"comment on column t.n is 'file number'\")\n"
        "    os._exit(0)  # as if killed: no checkpoint, the WAL stays\n"
    )
    subprocess.run([sys.executable, "-c", killed, str(path)], check=True, timeout=120)
    assert path.with_name("work.duckdb.wal").exists()
    with connect(path) as con:
        replayed = con.execute("select n, f from t order by n").fetchall()
    assert replayed == [(1, "a.csv"), (2, "b.csv")]


def test_an_unreadable_working_database_is_set_aside_and_built_again(settings):
    settings.work_dir.mkdir(parents=True)
    settings.work_db_path.write_bytes(b"not a database" * 1000)  # a damaged disk, say
    lines: list[str] = []
    good_register().write(settings.raw_dir)
    outcome = run_build(settings, progress=lines.append, outputs=False)
    assert outcome.published, outcome.errors
    said = "\n".join(lines)
    assert "could not be opened" in said and "set aside as work.duckdb.unreadable" in said, said
    # what a step says it did is part of the progress, after its time
    assert re.search(rf"^ +[0-9.]+s +published {re.escape(str(settings.publication_path))}$",
                     said, re.MULTILINE), said  # fmt: skip
    aside = settings.work_dir / "work.duckdb.unreadable"
    assert aside.read_bytes().startswith(b"not a database")
    assert figures(settings, 2023)["p1.members_end"] == 3


def test_a_working_database_open_elsewhere_stops_the_build_and_is_left_alone(settings):
    good_register().write(settings.raw_dir)
    assert run_build(settings, progress=lambda _line: None, outputs=False).published
    holder = subprocess.Popen(  # a program holding the build's own database open
        [sys.executable, "-c", "import duckdb, sys, time\n"
         "con = duckdb.connect(sys.argv[1], read_only=True)\nprint('open', flush=True)\n"
         "time.sleep(120)\n", str(settings.work_db_path)],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == b"open\n"
        outcome = run_build(settings, progress=lambda _line: None, outputs=False)
    finally:
        holder.kill()
        holder.wait()
    assert not outcome.published
    said = "\n".join(outcome.errors)
    assert f"{settings.work_db_path} is open in another program" in said, said
    assert f"(PID {holder.pid})" in said, said
    assert not (settings.work_dir / "work.duckdb.unreadable").exists()


def test_reader_holding_the_publication_open_neither_blocks_nor_breaks(settings):
    register = good_register()
    assert build(settings, register).published
    reader = duckdb.connect(str(settings.publication_path), read_only=True)
    count = "select value from annex.figures where year = 2024 and figure_id = 'p1.members_end'"
    assert reader.execute(count).fetchone() == (3.0,)
    register.member(4)
    register.subscribe("2024-05-05", 4, 1)
    assert build(settings, register).published  # not blocked by the open reader
    assert reader.execute(count).fetchone() == (3.0,)  # still its consistent old copy
    reader.close()
    assert figures(settings, 2024)["p1.members_end"] == 4


def test_publication_is_checkpointed_and_readable_by_duckdb_1_5(settings):
    assert build(settings, good_register()).published
    assert not settings.publication_path.with_name("coop.duckdb.wal").exists()
    with read_publication(settings) as con:
        assert con.execute("select current_database()").fetchone() == ("coop",)
        # the pseudonyms are stored uncompressed (UNCOMPRESSED_COLUMNS): 1.5 reads them alike
        members = con.execute(MEMBER_KEYS_DIGEST).fetchone()[0]
        stored = con.execute(
            "select distinct compression from pragma_storage_info('core.members') "
            "where column_name = 'member_key' and segment_type = 'VARCHAR'"
        ).fetchall()
        assert stored == [("Uncompressed",)]
    figures, keys = _read_by_duckdb_1_5(settings)
    assert figures > 0 and keys == members


# every published pseudonym, as one digest
MEMBER_KEYS_DIGEST = "select md5(string_agg(member_key, ',' order by member_key)) from core.members"


def _read_by_duckdb_1_5(settings) -> tuple[int, str]:
    """The rows of annex.figures and the digest of the members' pseudonyms, as a DuckDB 1.5
    client reads the publication."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is needed to run an isolated DuckDB 1.5 client")
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        'figures = con.execute("select count(*) from annex.figures").fetchone()[0]; '
        f"print(duckdb.__version__, figures, con.execute({MEMBER_KEYS_DIGEST!r}).fetchone()[0])"
    )
    done = subprocess.run(
        [uv, "run", "--isolated", "--no-project", "--with", "duckdb~=1.5.0", "python", "-c",
         script, str(settings.publication_path)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "VIRTUAL_ENV": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    version, count, keys = done.stdout.split()
    assert version.startswith("1.5.")
    return int(count), keys


def _published(settings) -> dict[str, list[tuple]]:
    """Every published table's columns (with comments) and rows."""
    with read_publication(settings) as con:
        names = [n for (n,) in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where database_name = current_database() and table_name <> 'check_results'"
        ).fetchall()]  # fmt: skip
        return {
            name: con.execute(
                "select column_name, data_type, comment from duckdb_columns() "
                "where schema_name || '.' || table_name = ? order by column_index",
                [name],
            ).fetchall()
            + con.execute(f"select * from {name} order by all").fetchall()
            for name in names
        }


def test_a_build_keeps_the_unchanged_tables_of_the_last_publication(settings):
    register = good_register()
    assert build(settings, register).published
    assert publication_manifest(settings)["kept"] == []  # nothing to keep from
    first = _published(settings)
    assert build(settings).published  # the same exports
    kept = publication_manifest(settings)["kept"]
    assert {"core.members", "core.member_spells", "annex.figures"} <= set(kept)
    assert not any(name.startswith("quality.") for name in kept)  # always written again
    assert _published(settings) == first
    assert not settings.publication_path.with_name("coop.duckdb.wal").exists()
    with read_publication(settings) as con:
        rows = con.execute("select count(*) from annex.figures").fetchone()[0]
    assert _read_by_duckdb_1_5(settings)[0] == rows > 0
    # a new member: the tables that change are written again, the others kept
    register.member(4)
    register.subscribe("2024-05-05", 4, 1)
    assert build(settings, register).published
    kept = set(publication_manifest(settings)["kept"])
    assert "annex.figure_catalog" in kept and not kept & {"core.members", "annex.figures"}
    assert figures(settings, 2024)["p1.members_end"] == 4
    assert len(_published(settings)["core.members"]) == len(first["core.members"]) + 1
    # a publication that is not the one the last build wrote is not kept from
    shutil.copyfile(settings.publication_path, settings.build_dir / "copy.duckdb")
    os.replace(settings.build_dir / "copy.duckdb", settings.publication_path)
    assert build(settings).published
    assert publication_manifest(settings)["kept"] == []


def test_a_large_table_is_never_kept_while_another_changes():
    versions = {"core.members": "m1", "annex.figures": "f2", "quality.quarantine": None}
    before = {
        "core.members": {"version": "m0", "rows": KEEP_LARGE_ONLY_WHEN_UNCHANGED + 1},
        "annex.figures": {"version": "f2", "rows": 500},
    }
    names = list(versions)
    assert _tables_to_keep(names, versions, before) == set()  # copying would leave waste
    before["core.members"]["version"] = "m1"
    assert _tables_to_keep(names, versions, before) == {"core.members", "annex.figures"}
    before["core.members"]["rows"] = KEEP_LARGE_ONLY_WHEN_UNCHANGED
    versions["core.members"] = "m2"  # a small table changed: the others are kept
    assert _tables_to_keep(names, versions, before) == {"annex.figures"}


def test_second_build_is_refused_while_one_runs(settings, capsys):
    from pipelines.lib.warehouse import build_lock

    good_register().write(settings.raw_dir)
    with build_lock(settings):
        assert cli.main(["build"]) == 75
    assert "another build is running" in capsys.readouterr().err


def test_duplicate_operation_number_blocks_publication_naming_the_rows(settings):
    register = good_register()
    register.operations[1]["register_number_operation"] = 1  # rows 1 and 2 share number 1
    outcome = build(settings, register)
    assert not outcome.published
    failed = {check.name: check for check in outcome.failed_checks}
    assert "operation_numbers_unique" in failed
    assert "| [1 2] " in failed["operation_numbers_unique"].metadata["offenders"]


def test_published_annex_tables_keep_their_order(sample_build):
    """A report author's `select * from annex.figures` reads the rows in the model's order."""
    with read_publication(sample_build) as con:
        rows = con.execute("select year, figure_id from annex.figures").fetchall()
        flows = con.execute("select year from annex.membership_flows").fetchall()
    assert len(rows) > 500 and rows == sorted(rows)
    assert flows == sorted(flows)


def test_published_columns_have_plain_types(sample_build):
    """The working database stores some register columns as ENUMs (pipelines.lib.ingest
    `Column.enum`); report authors' tools see text, numbers, dates and lists only."""
    with read_publication(sample_build) as con:
        types = {
            row[0]
            for row in con.execute(
                "select data_type from duckdb_columns() where database_name = 'coop'"
            ).fetchall()
        }
        core_spells = con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = 'coop' and schema_name = 'core' "
            "and table_name = 'member_spells' "
            "and column_name in ('joined_by', 'start_class', 'exit_reason')"
        ).fetchall()
    assert not [t for t in types if t.startswith(("ENUM", "UNION", "MAP"))], types
    assert sorted(core_spells) == [
        ("exit_reason", "VARCHAR"),
        ("joined_by", "VARCHAR"),
        ("start_class", "VARCHAR"),
    ]


def test_publication_reports_its_tables_and_sorts_the_quality_tables(settings):
    register = good_register()
    for member in (3, 2, 99, 1):  # 1 votes twice; 99 is not a member
        register.vote("2024-06-18", member)
    assert build(settings, register).published
    with connect(settings.work_db_path) as con:
        tables = publish(con, settings)
    with read_publication(settings) as con:
        names = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
        counts = {n: con.execute(f"select count(*) from {n}").fetchone()[0] for (n,) in names}
        quarantine = con.execute("select * from quality.quarantine").fetchall()
    assert tables == counts and tables["annex.figures"] > 0
    assert sorted(row[-1] for row in quarantine) == ["duplicate_vote", "not_a_member"]
    assert quarantine == sorted(quarantine)
