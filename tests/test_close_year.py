"""Closing a year: its published figures are frozen, later builds keep them and list revisions."""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest

from pipelines import cli
from pipelines.lib.config import Settings
from pipelines.lib.freeze import (
    FreezeError,
    close_year,
    frozen_files,
    load_frozen_figures,
    read_log,
    reopen_year,
)
from pipelines.lib.warehouse import BuildLockedError, build_lock, read_publication
from tests.test_draft import CLOSED_YEAR, OPEN_YEAR, corrected_sample, draft

FIGURE_COLUMNS = "figure_id, value, value_text, qualifier, unit, label_nl, label_fr, source, note"


@pytest.fixture(scope="module")
def corrected(sample_build, tmp_path_factory) -> Settings:
    return corrected_sample(sample_build, tmp_path_factory.mktemp("corrected"))


@pytest.fixture
def sample_copy(sample_build, settings) -> Settings:
    """This test's warehouse folder holding a copy of the sample's publication (no build)."""
    settings.warehouse_dir.mkdir(parents=True)
    shutil.copy2(sample_build.publication_path, settings.publication_path)
    return settings


def rows(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with read_publication(settings) as con:
        return con.execute(sql, params or []).fetchall()


# --- with a rebuild from a corrected register ----------------------------------------------


def test_a_closed_year_keeps_its_published_figures(sample_build, corrected):
    query = f"select {FIGURE_COLUMNS} from annex.figures where year = ? order by figure_id"
    assert rows(corrected, query, [CLOSED_YEAR]) == rows(sample_build, query, [CLOSED_YEAR])
    # the corrected register would have changed them: the computed figures moved on
    computed = rows(
        corrected,
        "select value from annex.computed_figures where year = ? and figure_id = ?",
        [CLOSED_YEAR, "p1.members_end"],
    )
    assert computed == [(41704.0,)]  # one member joined in 2023, one in 2024
    # an open year follows the exports
    open_before = rows(sample_build, query, [OPEN_YEAR])
    assert rows(corrected, query, [OPEN_YEAR]) != open_before


def test_revisions_list_what_the_corrected_export_would_change(corrected):
    revisions = {
        figure_id: (frozen, computed, difference)
        for figure_id, frozen, computed, difference in rows(
            corrected,
            "select figure_id, frozen_value, computed_value, difference "
            "from annex.figure_revisions where year = ?",
            [CLOSED_YEAR],
        )
    }
    assert revisions["p1.members_end"] == (41702.0, 41704.0, 2.0)
    assert revisions["p1.new_members"] == (4207.0, 4208.0, 1.0)
    assert revisions["p1.members_start"][2] == 1.0
    assert "p1.exclusions" not in revisions  # unchanged figures are no revision
    assert not rows(corrected, "select * from annex.figure_revisions where year <> ?", [2024])
    frozen_at = rows(corrected, "select distinct frozen_at from annex.frozen_figures")
    assert len(frozen_at) == 1


def test_the_draft_of_a_closed_year_shows_frozen_figures_and_lists_revisions(corrected):
    text = draft(corrected, "nl", year=CLOSED_YEAR)
    intro, appendix = text.split("## Bijlage: herkomst van de cijfers")
    assert "Op 31 december 2024 telde de coöperatieve vennootschap 41.702 vennoten" in intro
    assert "Het jaar 2024 is afgesloten op" in intro
    revisions = appendix[appendix.index("### Herzieningen") :].split("###")[1]
    assert "| `p1.members_end` | 41.702 | 41.704 |" in revisions
    assert "| `p1.new_members` | 4.207 | 4.208 |" in revisions
    french = draft(corrected, "fr", year=CLOSED_YEAR)
    assert f"| `p1.members_end` | 41{chr(0x202F)}702 | 41{chr(0x202F)}704 |" in french
    assert "L'année 2024 a été clôturée le" in french


def test_the_workbook_of_a_closed_year_says_when_it_was_closed(corrected):
    import openpyxl

    book = openpyxl.load_workbook(
        corrected.outputs_dir / str(CLOSED_YEAR) / f"annex-tables-{CLOSED_YEAR}.xlsx"
    )
    info = {row[0].value: row[2].value for row in book["Info"].iter_rows(min_row=3)}
    assert info["Jaar afgesloten op"] not in (None, "—")
    assert "Herzieningen - Révisions" in book.sheetnames


def test_closing_is_logged_with_who_and_when(corrected):
    log = read_log(corrected)
    assert [(e["action"], e["year"], e["user"], e["reason"]) for e in log] == [
        ("close", "2024", "test", "annex filed")
    ]
    frozen = corrected.warehouse_dir / "frozen" / "figures_2024.csv"
    assert log[0]["file"] == "frozen/figures_2024.csv"
    import hashlib

    assert log[0]["file_sha256"] == hashlib.sha256(frozen.read_bytes()).hexdigest()


# --- without a rebuild --------------------------------------------------------------------


def test_close_year_freezes_exactly_what_is_published(sample_copy):
    event = close_year(sample_copy, 2024, user="author")
    with open(event.file, encoding="utf-8", newline="") as handle:
        frozen = list(csv.DictReader(handle))
    published = rows(sample_copy, "select figure_id, value from annex.figures where year = 2024")
    assert event.figures == len(frozen) == len(published)
    values = {row["figure_id"]: row["value"] for row in frozen}
    for figure_id, value in published:
        assert (float(values[figure_id]) if values[figure_id] else None) == value, figure_id
    assert not event.file.stat().st_mode & 0o222  # read-only on disk
    con = duckdb.connect()
    assert load_frozen_figures(con, sample_copy) == {2024: len(published)}
    loaded = con.execute("select figure_id, value from annex.frozen_figures").fetchall()
    assert sorted(loaded, key=lambda r: r[0]) == sorted(published, key=lambda r: r[0])


def test_close_year_needs_no_free_publication_but_the_build_lock(sample_copy):
    with read_publication(sample_copy) as reader:  # a report author's session stays open
        close_year(sample_copy, 2023)
        assert reader.execute("select count(*) from annex.figures").fetchone()[0]
    with build_lock(sample_copy), pytest.raises(BuildLockedError):
        close_year(sample_copy, 2022)
    assert set(frozen_files(sample_copy)) == {2023}


def test_a_year_cannot_be_closed_twice_or_without_figures(sample_copy):
    close_year(sample_copy, 2024)
    with pytest.raises(FreezeError, match="already closed"):
        close_year(sample_copy, 2024)
    with pytest.raises(FreezeError, match="no published figures for 1999"):
        close_year(sample_copy, 1999)


def test_reopen_needs_a_reason_is_logged_and_unfreezes(sample_copy):
    close_year(sample_copy, 2024, user="author")
    with pytest.raises(FreezeError, match="needs a reason"):
        reopen_year(sample_copy, 2024, reason=" ")
    event = reopen_year(sample_copy, 2024, reason="register export was incomplete", user="lead")
    assert frozen_files(sample_copy) == {}
    assert event.file.exists() and event.file.parent.name == "reopened"  # kept, not deleted
    log = read_log(sample_copy)
    assert [(e["action"], e["user"], e["reason"]) for e in log] == [
        ("close", "author", ""),
        ("reopen", "lead", "register export was incomplete"),
    ]
    con = duckdb.connect()
    assert load_frozen_figures(con, sample_copy) == {}  # the next build publishes as computed
    assert con.execute("select count(*) from annex.frozen_figures").fetchone()[0] == 0
    with pytest.raises(FreezeError, match="not closed"):
        reopen_year(sample_copy, 2024, reason="again")


def test_cli_close_and_reopen(sample_copy, capsys):
    assert cli.main(["close-year", "2024"]) == 0
    assert "Closed 2024" in capsys.readouterr().out
    assert cli.main(["close-year", "2024"]) == 1
    assert "already closed" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["reopen-year", "2024"])  # --reason is required
    assert cli.main(["reopen-year", "2024", "--reason", "typo in a governance count"]) == 0
    assert "Reopened 2024" in capsys.readouterr().out
    with build_lock(sample_copy):
        assert cli.main(["close-year", "2024"]) == 75
    assert [e["action"] for e in read_log(sample_copy)] == ["close", "reopen"]
