"""A model whose inputs have not changed is kept; one whose inputs changed is made again."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines.lib import models as model_lib
from pipelines.lib import reuse
from pipelines.lib.build import run_build
from pipelines.lib.config import SQL_DIR
from pipelines.lib.resources import Warehouse
from pipelines.lib.sqlfiles import SqlModel, query_reads
from tests.builders import Register
from tests.helpers import figures

YEAR = 2024


def test_tables_read_are_found_outside_comments_and_literals():
    query = """
        -- from core.not_this
        /* nor core.this_one */
        select 'annex.nor_a_literal', m.x from staging.member_spells m
        join Core.Members c using (member_key)
    """
    assert query_reads(query).tables == {"staging.member_spells", "core.members"}
    assert reuse.is_deterministic(query)
    assert not reuse.is_deterministic("select * from read_csv('x.csv')")
    assert not reuse.is_deterministic("select now() as built_at")
    assert reuse.is_deterministic("select 'now()' as text -- random()")


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_a_models_fingerprint_follows_its_file_and_every_table_it_reads(con, tmp_path, monkeypatch):
    path = tmp_path / "core" / "totals.sql"
    path.parent.mkdir()
    path.write_text("select sum(x) as total from staging.big join ingest.facts using (k)")
    model = SqlModel(path)
    con.execute("create schema staging; create schema ingest")
    con.execute("create table staging.big as select 1 as k, 2 as x")
    con.execute("create table ingest.facts as select 1 as k, 'a' as fact")
    monkeypatch.setattr(reuse, "CONTENT_HASH_ROWS", 0)  # any table too large to hash
    assert reuse.model_fingerprint(con, model) is None  # no version recorded
    ledger = reuse.WorkLedger(con)
    ledger.record("staging.big", "v1")
    assert reuse.model_fingerprint(con, model) is None  # ingest.facts has none
    monkeypatch.setattr(reuse, "CONTENT_HASH_ROWS", 100)
    first = reuse.model_fingerprint(con, model)  # ingest.facts: by its content (small)
    assert first is not None and reuse.model_fingerprint(con, model) == first
    ledger.record("staging.big", "v2")
    second = reuse.model_fingerprint(con, model)
    assert second not in (None, first)
    con.execute("update ingest.facts set fact = 'b'")  # a small table's content
    third = reuse.model_fingerprint(con, model)
    assert third not in (None, first, second)
    path.write_text(path.read_text() + " where x > 0")  # the model's own SQL
    assert reuse.model_fingerprint(con, model) not in (None, first, second, third)
    assert ledger.record("core.totals", None).startswith("unversioned ")


def _register() -> Register:
    register = Register()
    for member in (1, 2, 3):
        register.member(member)
        register.subscribe("2023-03-01", member, 2)
    register.vote(f"{YEAR}-06-18", 1, "online")
    return register


def _build(settings, **options) -> dict[str, str]:
    """Build; what each model's progress line says after its name."""
    lines: list[str] = []
    outcome = run_build(settings, progress=lines.append, outputs=False, **options)
    assert outcome.published and not outcome.errors, outcome.errors
    models = {p.relative_to(SQL_DIR).with_suffix("").as_posix() for p in SQL_DIR.rglob("*.sql")}
    models.add("ingest/member_keys")  # the pseudonyms: kept as the models are
    made = {}
    for line in lines:
        if (match := re.search(r"· (\w+/\w+)[^,]*(.*)$", line)) and match[1] in models:
            made[match[1]] = match[2]
    return made


KEPT = ", unchanged: table kept"


def test_models_are_kept_until_what_they_read_changes(settings):
    register = _register()
    register.write(settings.raw_dir)
    first = _build(settings)
    assert first and KEPT not in first.values()
    again = _build(settings)
    assert set(again) == set(first) and set(again.values()) == {KEPT}
    # a new vote file: the assembly's models are made again, the membership's are kept
    register.vote(f"{YEAR}-06-18", 2, "onsite")
    register.write(settings.raw_dir)
    votes = _build(settings)
    assert votes["core/assembly_votes"] == votes["annex/general_assemblies"] == ""
    assert votes["annex/figures"] == ""
    assert votes["staging/member_operations"] == votes["staging/member_spells"] == KEPT
    assert votes["ingest/member_keys"] == KEPT
    # the reference dates are computed again (they read the votes) with the same result: what
    # reads them is kept
    assert votes["core/reference_dates"] == "" and votes["core/member_counts"] == KEPT
    assert figures(settings, YEAR)["p2.ga_voters"] == 2
    # a new subscription: the membership models are made again
    register.member(4)
    register.subscribe(f"{YEAR}-02-01", 4, 1)
    register.write(settings.raw_dir)
    joined = _build(settings)
    assert joined["staging/member_operations"] == joined["annex/membership_flows"] == ""
    assert joined["ingest/member_keys"] == ""  # a new member
    assert figures(settings, YEAR)["p1.new_members"] == 1
    # --rebuild-all makes every model again
    assert KEPT not in _build(settings, rebuild_all=True).values()


def test_a_model_that_failed_is_made_again(settings, monkeypatch):
    _register().write(settings.raw_dir)
    _build(settings)
    run_model = model_lib.run_model

    def failing(con, model):
        run_model(con, model)  # the table is written, then the step fails
        if model.qualified_name == "staging.member_spells":
            raise RuntimeError("stopped half-way")

    monkeypatch.setattr(model_lib, "run_model", failing)
    outcome = run_build(settings, progress=lambda _line: None, outputs=False, rebuild_all=True)
    assert not outcome.published and "stopped half-way" in " ".join(outcome.errors)
    monkeypatch.setattr(model_lib, "run_model", run_model)
    made = _build(settings)
    assert made["staging/member_spells"] == ""  # not taken for the finished one
    assert made["staging/member_operations"] == KEPT


def test_the_ledger_keeps_the_last_complete_making_only(con, tmp_path):
    """Both stores of the ledger: an entry is current only for what it was made from, and
    only until it is forgotten (before a remaking that may stop half-way)."""
    for ledger in (reuse.WorkLedger(con), reuse.FileLedger(tmp_path / "ledger.json")):
        assert not ledger.is_current("core.years", "made")  # nothing recorded yet
        assert ledger.record("core.years", "made", version="content", result={"rows": 3}) == (
            "content"
        )
        assert ledger.is_current("core.years", "made")
        assert not ledger.is_current("core.years", "other") and not ledger.is_current(
            "core.years", None
        )
        assert ledger.entry("core.years") == reuse.Entry("made", "content", {"rows": 3})
        ledger.forget("core.years")
        assert not ledger.is_current("core.years", "made") and ledger.entry("core.years") is None
    assert reuse.WorkLedger(con).versions() == {}
    # a file ledger is read back as it was saved
    reuse.FileLedger(tmp_path / "ledger.json").record("annex.figures", "made")
    assert reuse.FileLedger(tmp_path / "ledger.json").is_current("annex.figures", "made")
    assert reuse.fingerprint("a", "b") != reuse.fingerprint("ab") != reuse.fingerprint("a", b"b")
    assert reuse.fingerprint("a", "b") == reuse.fingerprint("a", b"b")


def test_a_working_database_of_an_older_layout_is_dropped_not_migrated(settings, caplog):
    """The working database is a cache of the exports: one an older version wrote (here with
    its own version table) is deleted and made again, whatever it holds."""
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.work_db_path)) as old:
        old.execute("create schema ingest")
        old.execute("create table ingest.table_versions as select 'core.years' as table_name")
    warehouse = Warehouse(manage_lock=False)
    try:
        with warehouse.connect() as con:
            tables = con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                "where database_name = current_database()"
            ).fetchall()
            assert tables == [(reuse.LEDGER_TABLE,)]
            assert not reuse.WorkLedger(con).of_another_layout()
    finally:
        warehouse.close()
    assert "written by an earlier version: deleted" in caplog.text
    # the layout is recorded: a database of this layout is kept as it is
    warehouse = Warehouse(manage_lock=False)
    try:
        with warehouse.connect() as con:
            con.execute("create table ingest.kept as select 1 as x")
        warehouse.close()
        with warehouse.connect() as con:
            assert con.execute("select x from ingest.kept").fetchall() == [(1,)]
    finally:
        warehouse.close()
