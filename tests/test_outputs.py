"""Charts, tables and the data dictionary written by the build from the published warehouse.

Most tests read what the session's sample build (`sample_build`) wrote under outputs/: the
static export of every chart of every year happens there, once per session. Tests that need the
SVG/PNG files skip, saying why, when no Chromium-family browser is installed.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines import definitions
from pipelines.lib.build import _exports_changed, run_build
from pipelines.lib.outputs import charts as chart_lib
from pipelines.lib.outputs import formatting as fmt
from pipelines.lib.outputs import static_export as static_lib
from pipelines.lib.outputs import tables
from pipelines.lib.outputs.data import AnnexData, Figure, file_year, load_annex_data, rows_up_to
from pipelines.lib.outputs.manifest import data_digest, data_digests
from pipelines.lib.outputs.markdown import inline, to_html
from pipelines.lib.resources import Warehouse
from pipelines.lib.warehouse import read_publication
from tests.builders import Register

NNBSP = "\u202f"
YEAR = 2024
MEMBERSHIP_CHARTS = ("membership_flow", "members_by_category", "membership_history",
                     "assembly_turnout")  # fmt: skip
# Drawn from the training, survey and governance tables (the other half of the annex's figures).
SECTION_CHARTS = ("survey_answers", "staff_training", "member_courses")
NO_BROWSER = (
    "no Chromium-family browser (apt-get install chromium-headless-shell, or set BROWSER_PATH)"
)


@pytest.fixture(scope="module")
def outputs(sample_build) -> Path:
    return sample_build.outputs_dir


@pytest.fixture(scope="module")
def static_available(outputs) -> bool:
    """The build exported SVG/PNG when a browser was found (else it warned and wrote HTML)."""
    return static_lib.find_browser() is not None


def chart_file(outputs: Path, name: str, lang: str, ext: str, year: int = YEAR) -> Path:
    return outputs / str(year) / "charts" / f"{name}_{year}.{lang}.{ext}"


# --- formatting (no build) ----------------------------------------------------------------


def test_numbers_the_belgian_way():
    assert fmt.format_number(41702, "nl") == "41.702"
    assert fmt.format_number(41702, "fr") == f"41{NNBSP}702"
    assert fmt.format_number(1946.5, "nl") == "1.946,5"
    assert fmt.format_number(1946.5, "fr") == f"1{NNBSP}946,5"
    assert fmt.format_number(1234567.25, "nl") == "1.234.567,25"
    assert fmt.format_number(0, "nl") == "0"
    assert fmt.format_number(-175, "nl") == "-175"
    assert fmt.format_number(None, "fr") == "non publié"
    assert fmt.format_percent(0.0201664, "nl") == "2,0%"
    assert fmt.format_percent(0.0201664, "fr") == f"2,0{NNBSP}%"
    assert fmt.plotly_separators("nl") == ",."
    assert fmt.plotly_separators("fr") == "," + NNBSP


def test_figures_read_as_the_annex_writes_them():
    assert fmt.format_figure(300, None, "more_than", "count", "nl") == "meer dan 300"
    assert fmt.format_figure(300, None, "more_than", "count", "fr") == "plus de 300"
    assert fmt.format_figure(10, None, "about", "count", "nl") == "een tiental"
    assert fmt.format_figure(10, None, "about", "count", "fr") == "une dizaine"
    assert fmt.format_figure(70, None, "about", "count", "nl") == "ongeveer 70"
    assert fmt.format_figure(None, "moderate", None, "text", "nl") == "middelmatig"
    assert fmt.format_figure(None, "moderate", None, "text", "fr") == "moyenne"
    assert fmt.format_figure(None, "high", None, "text", "fr") == "élevée"
    assert fmt.format_figure(6, None, None, "members", "nl", words=True) == "zes"
    assert fmt.format_figure(2, None, None, "count", "fr", words=True, feminine=True) == "deux"
    assert fmt.format_figure(1, None, None, "count", "fr", words=True, feminine=True) == "une"
    assert fmt.format_figure(72, None, None, "sessions", "nl", words=True) == "72"
    assert fmt.format_figure(3.051282, None, None, "mean", "fr") == "3,05"
    assert fmt.format_figure(0.02101, None, None, "ratio", "nl") == "2,1%"


def test_markdown_to_html():
    assert inline("*Elk cijfer uit `annex.figures`.*") == (
        "<em>Elk cijfer uit <code>annex.<wbr>figures</code>.</em>"
    )
    assert inline("5 < 6 & `a|b`") == "5 &lt; 6 &amp; <code>a|b</code>"
    page = to_html(
        "# T\n\n| a | b |\n|---|---:|\n| `x` | 1.000 |\n\n- een\n- twee\n\n"
        "![Grafiek](charts/a.svg)\n\n### `core.member_spells`\n\n<b>5 < 6</b>\n",
        image=lambda alt, src: f'<img alt="{alt}" src="{src}">',
    )
    assert '<h1 id="t">T</h1>' in page
    assert '<td style="text-align:right">1.000</td>' in page
    assert "<ul>\n<li>een</li>\n<li>twee</li>\n</ul>" in page
    assert '<figure><img alt="Grafiek" src="charts/a.svg"></figure>' in page
    # the data dictionary links to a table's heading by this id
    assert '<h3 id="core-member-spells"><code>core.<wbr>member_<wbr>spells</code></h3>' in page
    # raw HTML is text: values quoted from exports cannot inject markup
    assert "<p>&lt;b&gt;5 &lt; 6&lt;/b&gt;</p>" in page


def synthetic_data(figures: dict[str, float]) -> AnnexData:
    rows = {
        fid: Figure(YEAR, fid, value, None, None, "members", fid, fid, "test", None)
        for fid, value in figures.items()
    }
    return AnnexData(
        publication=Path("coop.duckdb"),
        published_at=dt.datetime(2025, 1, 15, tzinfo=dt.UTC),
        figures={YEAR: rows},
        tables={},
    )


def flow_data() -> AnnexData:
    """One year's membership flow: 10 members, 3 joins, 1 death, 12 at year end."""
    return synthetic_data(
        {"p1.members_start": 10, "p1.new_members": 3, "p1.exits.death": 1, "p1.members_end": 12}
    )


def flow_chart() -> chart_lib.Chart:
    """The Dutch membership-flow chart of `flow_data`."""
    charts = chart_lib.build_charts(flow_data()).charts
    return next(c for c in charts if c.name == "membership_flow" and c.lang == "nl")


def test_a_chart_without_its_figures_or_table_is_skipped_with_the_reason():
    data = synthetic_data(
        {
            "p1.members_start": 10,
            "p1.new_members": 3,
            "p1.exits": 1,
            "p1.exits.death": 1,
            "p1.members_end": 12,
        }  # fmt: skip
    )
    result = chart_lib.build_charts(data)
    drawn = {(c.name, c.lang) for c in result.charts}
    assert drawn == {(name, lang) for name in ("membership_flow", "membership_history")
                     for lang in ("nl", "fr")}  # fmt: skip
    assert "not published" in result.skipped[("members_by_category", YEAR)]
    assert "annex.survey_distribution" in result.skipped[("survey_answers", YEAR)]
    assert "annex.member_courses" in result.skipped[("member_courses", YEAR)]


def test_without_a_browser_the_static_files_are_skipped_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    monkeypatch.delenv("ANNEX_STATIC_CHARTS", raising=False)
    data = flow_data()
    result = chart_lib.build_charts(data)
    html = chart_lib.write_html(result.charts, tmp_path)
    report = static_lib.export_static(result.charts, tmp_path)
    assert html and all(path.exists() for path in html)
    assert report.warning and "no Chromium-family browser" in report.warning
    assert f"skipped {2 * len(result.charts)} SVG/PNG files" in report.warning
    assert not list(tmp_path.rglob("*.svg")) and not list(tmp_path.rglob("*.png"))
    assert report.exported == 0 and not report.valid


def test_a_headless_shell_is_preferred_and_browser_path_wins(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    shell = folder / "chromium-headless-shell"
    chromium = folder / "chromium"
    for path in (shell, chromium):
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    monkeypatch.setattr(static_lib, "HEADLESS_SHELLS", ("chromium-headless-shell",))
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    assert static_lib.find_browser() == str(shell)
    monkeypatch.setenv("BROWSER_PATH", str(chromium))
    assert static_lib.find_browser() == str(chromium)
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "missing"))
    assert static_lib.find_browser() is None


# --- what the sample build wrote ------------------------------------------------------------


def test_every_chart_of_2024_is_written_as_html(outputs):
    for name in MEMBERSHIP_CHARTS + SECTION_CHARTS:
        for lang in ("nl", "fr"):
            path = chart_file(outputs, name, lang, "html")
            assert path.exists(), path
            # the HTML shares one offline copy of plotly.js
            assert re.search(r'src="\.\./\.\./_assets/plotly-[\d.]+\.min\.js"', path.read_text())
    assert list((outputs / "_assets").glob("plotly-*.min.js"))


def test_every_chart_of_2024_is_written_as_svg_and_png(outputs, static_available):
    if not static_available:
        pytest.skip(NO_BROWSER)
    for name in MEMBERSHIP_CHARTS + SECTION_CHARTS:
        for lang in ("nl", "fr"):
            svg = chart_file(outputs, name, lang, "svg")
            png = chart_file(outputs, name, lang, "png")
            assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg"), svg
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
            assert png.stat().st_size > 20_000, png  # 2000 px wide, not an empty frame


def test_charts_are_written_for_every_published_year(sample_build, outputs, static_available):
    with read_publication(sample_build) as con:
        years = [
            row[0]
            for row in con.execute(
                "select year from annex.figures where figure_id = 'p1.members_end' "
                "and value is not null order by year"
            ).fetchall()
        ]
    assert len(years) > 1
    formats = ("html", "svg", "png") if static_available else ("html",)
    for year in years:
        for name in ("membership_flow", "members_by_category", "membership_history"):
            for lang in ("nl", "fr"):
                for ext in formats:
                    assert chart_file(outputs, name, lang, ext, year).exists(), (year, name)


def test_chart_labels_are_the_published_figures_in_belgian_format(outputs, static_available):
    if not static_available:
        pytest.skip(NO_BROWSER)
    nl = chart_file(outputs, "membership_flow", "nl", "svg").read_text(encoding="utf-8")
    fr = chart_file(outputs, "membership_flow", "fr", "svg").read_text(encoding="utf-8")
    for text in ("41.702", "+4.207", "−175", "Ledenstroom 2024", "Nieuwe", "31 december"):
        assert text in nl, text
    for text in (f"41{NNBSP}702", f"+4{NNBSP}207", "−175", "Flux de coopérateurs 2024"):
        assert text in fr, text
    categories = chart_file(outputs, "members_by_category", "nl", "svg").read_text("utf-8")
    assert "41.580" in categories and "94 (" in categories and "28 (" in categories


def test_every_chart_passes_plotlys_validation_unchanged(sample_build):
    """The build assembles figures without plotly's validation (it costs ~0.5 s a build):
    each one must be what validation would have made of it, and validation must accept it."""
    import plotly.graph_objects as go

    charts = chart_lib.build_charts(load_annex_data(sample_build)).charts
    assert len(charts) > 40
    for chart in charts:
        figure = chart.figure.to_dict()
        # raises ValueError on a property or value plotly does not know
        assert go.Figure(figure).to_dict() == figure, (chart.name, chart.year, chart.lang)


def test_a_second_export_reuses_the_files_of_unchanged_charts(sample_build, tmp_path):
    """Warm: the build keeps a hash per static file, so an unchanged chart is not exported."""
    data = load_annex_data(sample_build)
    result = chart_lib.build_charts(data)
    report = static_lib.export_static(result.charts, sample_build.outputs_dir, browser="/none")
    if report.warning and "no Chromium" in report.warning:
        pytest.skip(NO_BROWSER)  # nothing was cached by the build
    assert report.exported == 0
    assert report.cached == report.requested == 2 * len(result.charts)
    assert report.browser is None  # no browser was even started


def test_workbook_numbers_equal_the_published_figures(sample_build, outputs):
    with read_publication(sample_build) as con:
        published = {
            fid: (value, text)
            for fid, value, text in con.execute(
                "select figure_id, value, value_text from annex.figures where year = ?", [YEAR]
            ).fetchall()
        }
    book = openpyxl.load_workbook(outputs / str(YEAR) / f"annex-tables-{YEAR}.xlsx")
    assert book.sheetnames[:2] == ["Info", "Cijfers - Chiffres"]
    sheet = book["Cijfers - Chiffres"]
    assert sheet["A3"].value == "Cijfer (id)" and sheet["A4"].value == "Chiffre (id)"
    assert sheet["D3"].value == "Waarde" and sheet["D4"].value == "Valeur"
    seen = {}
    for row in sheet.iter_rows(min_row=5):
        figure_id, value, text_nl, text_fr = row[0].value, row[3], row[4].value, row[5].value
        seen[figure_id] = value.value
        expected, expected_text = published[figure_id]
        if expected is None:
            assert value.value is None
        else:
            assert isinstance(value.value, (int, float)), figure_id  # a number, not text
            # Excel keeps 15-16 significant digits (an unrounded mean loses its 17th)
            assert math.isclose(value.value, expected, rel_tol=1e-15), figure_id
            assert value.number_format != "General", figure_id
        if figure_id == "p1.members_end":
            assert (text_nl, text_fr) == ("41.702", f"41{NNBSP}702")
            assert value.number_format == "#,##0"
    assert set(seen) == set(published)
    assert seen["p1.members_end"] == 41702 and seen["p1.new_members"] == 4207
    flows = book["Ledenstromen - Flux"]
    labels = {row[0].value: row[2].value for row in flows.iter_rows(min_row=5)}
    assert labels["Vennoten op 31 december"] == 41702
    assert labels["Uittredingen: ontslag"] == 175


def test_workbook_has_a_sheet_per_published_section(sample_build, outputs):
    data = load_annex_data(sample_build)
    book = openpyxl.load_workbook(outputs / str(YEAR) / f"annex-tables-{YEAR}.xlsx")
    for table in tables.section_tables(data):
        rows = data.year_rows(table, YEAR)
        if rows is not None and not rows.empty:
            sheet = tables.SECTIONS.get(table, (table.removeprefix("annex."),))[0][:31]
            assert sheet in book.sheetnames, table


def test_csv_tables_hold_the_published_rows(sample_build, outputs):
    with read_publication(sample_build) as con:
        figures = con.execute("select * from annex.figures").df()
    written = pd.read_csv(outputs / "tables" / "figures.csv")
    assert len(written) == len(figures)
    assert list(written.columns) == list(figures.columns)
    flows = pd.read_csv(outputs / str(YEAR) / "tables" / f"membership_flows_{YEAR}.csv")
    assert flows.loc[0, "members_end"] == 41702


def test_the_data_steward_gets_the_quarantine_and_the_files_read_as_csv(outputs):
    quarantine = pd.read_csv(outputs / "quality" / "quarantine.csv")
    assert list(quarantine.columns) == ["export", "source_file", "source_row", "column_name",
                                        "reason"]  # fmt: skip
    assert len(quarantine) == 117  # as `annex build` sums them up
    ga_2024 = quarantine[quarantine["source_file"] == "assembly/ga_2024-06-18.csv"]
    assert ga_2024["reason"].value_counts().to_dict() == {
        "duplicate_vote": 13,
        "not_a_member": 7,
        "bad_member_number": 1,
    }
    files = pd.read_csv(outputs / "quality" / "ingest_files.csv")
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_quarantined"]).all()
    assert "register/" in " ".join(files["source_file"])


def test_data_dictionary_describes_every_published_table_and_column(sample_build, outputs):
    text = (outputs / "data-dictionary.md").read_text(encoding="utf-8")
    page = (outputs / "data-dictionary.html").read_text(encoding="utf-8")
    with read_publication(sample_build) as con:
        columns = con.execute(
            "select c.schema_name || '.' || c.table_name, c.column_name from duckdb_columns() c "
            "join duckdb_tables() t using (database_name, schema_name, table_name)"
        ).fetchall()
        comment = con.execute(
            "select comment from duckdb_tables() where table_name = 'figures'"
        ).fetchone()[0]
    for table, column in columns:
        assert f"### {table}" in text, table
        assert f"`{column}`" in text, (table, column)
    assert comment.split(".")[0] in text
    for guide in ("duckdb -readonly", "read_only=True", "DBeaver", "Read-only connection"):
        assert guide in text, guide
    assert page.startswith("<!DOCTYPE html>") and "<h3" in page


# --- one failing output ---------------------------------------------------------------------


def _small_register() -> Register:
    register = Register()
    register.member(1)
    register.subscribe("2023-01-10", 1, 2)
    return register


def _broken(*_args, **_kwargs):
    raise OSError("disk full")


def test_a_failing_output_leaves_the_others_written_and_fails_the_build(settings, monkeypatch):
    monkeypatch.setenv("ANNEX_STATIC_CHARTS", "off")
    monkeypatch.setattr(tables, "write_workbook", _broken)
    _small_register().write(settings.raw_dir)
    outcome = run_build(settings, progress=lambda _line: None)
    assert outcome.published  # the publication came first and stays
    [error] = outcome.errors
    assert error.startswith("outputs: ") and error.endswith(
        "OutputError: 1 output(s) not written: outputs/tables: OSError: disk full"
    )
    written = settings.outputs_dir
    assert (written / "data-dictionary.html").exists()
    assert (written / "2023" / "charts").is_dir()
    assert (written / "2023" / "draft" / "annex-2023.nl.html").exists()


def test_without_its_charts_the_draft_is_not_written(settings, monkeypatch):
    monkeypatch.setenv("ANNEX_STATIC_CHARTS", "off")
    monkeypatch.setattr(chart_lib, "build_charts", _broken)
    _small_register().write(settings.raw_dir)
    outcome = run_build(settings, progress=lambda _line: None)
    assert outcome.published
    [error] = outcome.errors
    assert error.endswith(
        "OutputError: 2 output(s) not written: outputs/charts: OSError: disk full; "
        "outputs/annex_draft: not made: outputs/charts failed"
    )
    assert (settings.outputs_dir / "2023" / "annex-tables-2023.xlsx").exists()
    assert not (settings.outputs_dir / "2023" / "draft").exists()


# --- outputs made again only when what they show changed --------------------------------------


def _stamps(root: Path) -> dict[str, int]:
    return {
        path.relative_to(root).as_posix(): path.stat().st_mtime_ns
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }


def _build_outputs(settings, **options) -> dict[str, str]:
    """Build; each output's progress line, by output."""
    lines: list[str] = []
    outcome = run_build(settings, progress=lines.append, **options)
    assert outcome.published and not outcome.errors, outcome.errors
    made = {}
    for line in lines:
        if match := re.search(r"· (outputs/\w+)(.*)$", line):
            made[match[1]] = match[2]
    return made


def test_a_change_in_one_year_writes_the_files_of_that_year_and_later_ones_again(
    settings, monkeypatch
):
    monkeypatch.setenv("ANNEX_STATIC_CHARTS", "off")
    register = Register()
    register.member(1)
    register.subscribe("2022-03-01", 1, 2)
    register.member(2)
    register.subscribe("2023-03-01", 2, 1)
    register.write(settings.raw_dir)
    root = settings.outputs_dir
    _build_outputs(settings)
    before = _stamps(root)
    assert any(path.startswith("2022/charts/") for path in before)
    # a member joins in 2023: 2023's charts and tables are written again, 2022's kept; every
    # draft is written again, as each lists the register's file with its new hash
    register.member(3)
    register.subscribe("2023-06-01", 3, 1)
    register.write(settings.raw_dir)
    made = _build_outputs(settings)
    one_kept = ", files of 1 unchanged year kept"
    assert made["outputs/charts"] == made["outputs/tables"] == one_kept, made
    assert made["outputs/annex_draft"] == ""
    after = _stamps(root)
    changed = {path for path in after if after[path] != before.get(path)}
    assert not {p for p in changed if p.startswith("2022/") and "/draft/" not in p}, changed
    assert {"2023/annex-tables-2023.xlsx", "tables/membership_flows.csv"} <= changed
    assert any(p.startswith("2023/charts/") for p in changed)
    assert {p for p in changed if p.startswith("2022/draft/")}
    assert "2023" in (root / "2023" / "draft" / "annex-2023.nl.md").read_text(encoding="utf-8")
    flows = pd.read_csv(root / "tables" / "membership_flows.csv")
    assert flows.loc[flows["year"] == 2023, "new_members"].item() == 2
    # a member joins in 2022: both years are written again
    register.member(4)
    register.subscribe("2022-06-01", 4, 1)
    register.write(settings.raw_dir)
    made = _build_outputs(settings)
    assert made["outputs/charts"] == made["outputs/tables"] == made["outputs/annex_draft"] == ""


def test_the_outputs_of_a_year_do_not_depend_on_later_years_files():
    """A draft lists the register's files and the yearly files up to its year: a later
    year's governance file changes neither its list nor its key."""
    files = pd.DataFrame(
        {
            "export": ["cooperators", "governance_facts", "governance_facts", "votes"],
            "source_file": [
                "register/cooperators_20250115.csv",
                "governance/2023.yaml",
                "governance/2024.yaml",
                "assembly/ga_2024-06-18.csv",
            ],
            "file_sha256": ["a", "b", "c", "d"],
        }
    )
    flows = pd.DataFrame({"year": [2023, 2024], "new_members": [3, 4]})

    def data(files: pd.DataFrame) -> AnnexData:
        tables = {"quality.ingest_files": files, "annex.membership_flows": flows}
        return AnnexData(Path("coop.duckdb"), dt.datetime(2025, 1, 1), {}, tables)

    assert [file_year(name) for name in files["source_file"]] == [None, 2023, 2024, 2024]
    listed = rows_up_to(files, 2023)["source_file"].tolist()
    assert listed == ["register/cooperators_20250115.csv", "governance/2023.yaml"]
    edited = files.assign(file_sha256=["a", "b", "changed", "d"])
    reads = ("annex.", "quality.ingest_files")
    before = data_digests(data(files), [2023, 2024], reads)
    after = data_digests(data(edited), [2023, 2024], reads)
    assert before[2023] == after[2023] and before[2024] != after[2024]
    assert before[None] != after[None]
    # an output that does not read the quality tables does not see the change at all
    assert data_digests(data(edited), [2024], ("annex.",)) == data_digests(
        data(files), [2024], ("annex.",)
    )
    # the register's file is about every year
    new_register = files.assign(file_sha256=["changed", "b", "c", "d"])
    assert data_digests(data(new_register), [2023], reads)[2023] != before[2023]


def _outputs_metadata(settings) -> dict[str, dict[str, object]]:
    """Build through Dagster; each output's metadata, by output."""
    job = definitions.defs().resolve_job_def("annex_build")
    warehouse = Warehouse(
        raw_dir=str(settings.raw_dir),
        warehouse_dir=str(settings.warehouse_dir),
        pseudonym_key_path=str(settings.pseudonym_key_path),
    )
    result = job.execute_in_process(resources={"warehouse": warehouse})
    return {
        made.asset_key.to_user_string(): {k: v.value for k, v in made.metadata.items()}
        for event in result.get_asset_materialization_events()
        if (made := event.event_specific_data.materialization).asset_key.path[0] == "outputs"
    }


def test_outputs_of_unchanged_content_are_kept_and_remade_when_it_changes(settings, monkeypatch):
    monkeypatch.setenv("ANNEX_STATIC_CHARTS", "off")
    register = _small_register()
    register.write(settings.raw_dir)
    root = settings.outputs_dir
    first = _build_outputs(settings)
    assert set(first) == {"outputs/charts", "outputs/data_dictionary", "outputs/tables",
                          "outputs/data_quality", "outputs/annex_draft"}  # fmt: skip
    assert not any(first.values())
    written = _stamps(root)
    kept = ", unchanged: files kept"
    again = _build_outputs(settings)
    assert again == {"outputs/charts": kept, "outputs/data_dictionary": kept,
                     "outputs/tables": kept, "outputs/data_quality": kept,
                     "outputs/annex_draft": kept}  # fmt: skip
    metadata = _outputs_metadata(settings)  # as the UI shows it
    assert metadata["outputs/annex_draft"]["unchanged"] is True
    assert metadata["outputs/annex_draft"]["preview_nl"].startswith("# ")
    assert "2023/draft/" in metadata["outputs/annex_draft"]["files"]
    assert _stamps(root) == written  # not one file written again
    # a file changed by hand is written again, with its output's other files
    workbook = root / "2023" / "annex-tables-2023.xlsx"
    workbook.write_bytes(b"edited")
    third = _build_outputs(settings)
    assert third["outputs/tables"] == "" and third["outputs/charts"] == kept
    assert openpyxl.load_workbook(workbook).sheetnames
    # so is a deleted file, such as the plotly.js the HTML charts share (the charts' files of
    # the year are kept; the drafts, which show the charts, are written again)
    [script] = (root / "_assets").glob("plotly-*.min.js")
    script.unlink()
    fourth = _build_outputs(settings)
    assert fourth["outputs/charts"] == ", files of 1 unchanged year kept"
    assert fourth["outputs/annex_draft"] == ""
    assert fourth["outputs/tables"] == kept and script.stat().st_size > 1_000_000
    # --rebuild-all makes every output again
    assert not any(_build_outputs(settings, rebuild_all=True).values())
    # new content: every output is made again
    register.member(2)
    register.subscribe("2023-05-02", 2, 1)
    register.write(settings.raw_dir)
    assert not any(_build_outputs(settings).values())
    flows = pd.read_csv(root / "tables" / "membership_flows.csv")
    assert flows.loc[flows["year"] == 2023, "new_members"].item() == 2


# --- the browser opened ahead of a first build's static export ------------------------------


def _sessions_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "kaleido-session" and t.is_alive()]


def test_the_browser_is_opened_ahead_only_when_charts_are_likely_to_be_exported(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("ANNEX_STATIC_CHARTS", raising=False)
    if static_lib.find_browser() is None:
        pytest.skip(NO_BROWSER)
    unchanged, changed = (lambda: False), (lambda: True)
    try:
        assert static_lib.prewarm(tmp_path, unchanged)  # nothing exported there yet
        assert not static_lib.prewarm(tmp_path, changed)  # one session at a time
    finally:
        static_lib.close_prewarmed()
    assert static_lib._PREWARMED is None and not _sessions_alive()
    (tmp_path / ".static-cache.json").write_text("{}")
    assert not static_lib.prewarm(tmp_path, unchanged)  # the same exports: the same charts
    try:
        assert static_lib.prewarm(tmp_path, changed)  # a newer export: charts will change
    finally:
        static_lib.close_prewarmed()
    monkeypatch.setenv("ANNEX_STATIC_CHARTS", "off")
    assert not static_lib.prewarm(tmp_path, changed)


def test_exports_newer_than_the_publication_count_as_changed(settings):
    assert _exports_changed(settings)  # nothing published yet
    settings.publication_path.parent.mkdir(parents=True)
    settings.publication_path.write_bytes(b"")
    published = settings.publication_path.stat().st_mtime

    def write(relative: str, seconds_after_publication: float) -> None:
        path = settings.raw_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        when = published + seconds_after_publication
        os.utime(path, (when, when))

    write("assembly/ga_2023-06-13.csv", -60)
    assert not _exports_changed(settings)
    write("governance/2024.yaml", 60)  # a corrected governance fact: no chart to export
    assert not _exports_changed(settings)
    write("assembly/ga_2024-06-18.csv", 60)
    assert _exports_changed(settings)


def test_a_build_that_stops_early_closes_the_browser_it_opened(settings, monkeypatch):
    monkeypatch.delenv("ANNEX_STATIC_CHARTS", raising=False)
    if static_lib.find_browser() is None:
        pytest.skip(NO_BROWSER)
    opened: list[bool] = []
    real = static_lib.prewarm

    def prewarm(outputs: Path, changed_since: Callable[[], bool]) -> bool:
        opened.append(real(outputs, changed_since))
        return opened[-1]

    monkeypatch.setattr(static_lib, "prewarm", prewarm)
    outcome = run_build(settings, progress=lambda _line: None)  # raw/ holds no export
    assert not outcome.published and opened == [True]
    assert static_lib._PREWARMED is None and not _sessions_alive()


def test_the_content_key_follows_every_value_and_its_order():
    def data(frame: pd.DataFrame) -> AnnexData:
        return AnnexData(Path("coop.duckdb"), dt.datetime.now(), {}, {"annex.t": frame})

    base = pd.DataFrame({"year": [2023, 2024], "codes": [["A1"], ["A2", "A3"]]})
    key = data_digest(data(base))
    assert data_digest(data(base.copy())) == key
    assert data_digest(data(base.iloc[::-1])) != key  # the files list rows in this order
    changed = base.copy()
    changed.loc[1, "codes"] = ["A2"]
    assert data_digest(data(changed)) != key


# --- a browser that stops answering ---------------------------------------------------------


class _Browser:
    """A stand-in for kaleido's session: writes the first `answers` images it is given (each
    session), then never answers again, as a stalled browser does."""

    answers = 0
    sessions = 0

    def __init__(self, **_options: object) -> None:
        type(self).sessions += 1

    async def __aenter__(self) -> _Browser:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def write_fig_from_object(self, specs: list[dict]) -> list:
        import asyncio

        for number, spec in enumerate(specs):
            if number == self.answers:
                await asyncio.sleep(3600)
            Path(spec["path"]).write_bytes(b"<svg/>")
        return []


def _stalling_export(tmp_path, monkeypatch, fast_answers: int, slow_answers: int):
    import kaleido

    fast = type("Fast", (_Browser,), {"answers": fast_answers})
    slow = type("Slow", (_Browser,), {"answers": slow_answers})
    monkeypatch.setattr(static_lib, "_kaleido_class", lambda: fast)
    monkeypatch.setattr(kaleido, "Kaleido", slow)
    monkeypatch.setattr(static_lib, "STALL_SECONDS", 0.5)
    monkeypatch.setattr(static_lib, "POLL_SECONDS", 0.1)
    monkeypatch.delenv("ANNEX_STATIC_CHARTS", raising=False)
    data = flow_data()
    charts = chart_lib.build_charts(data).charts
    logged: list[str] = []
    report = static_lib.export_static(charts, tmp_path, browser="/bin/sh", log=logged.append)
    return report, logged, fast, slow


def test_a_stalled_browser_is_given_up_and_the_images_left_tried_again(tmp_path, monkeypatch):
    report, logged, fast, slow = _stalling_export(tmp_path, monkeypatch, 3, 1000)
    assert fast.sessions == slow.sessions == 1
    assert logged[0] == "drawing 8 static chart files (SVG, PNG) in the browser"  # progress
    assert "no image for 0 s (3 of 8 written); trying the 5 images left again" in logged[1]
    assert report.exported == report.requested == 8 and not report.errors


def test_a_browser_that_stalls_twice_leaves_the_images_for_the_next_build(tmp_path, monkeypatch):
    report, _, _, _ = _stalling_export(tmp_path, monkeypatch, 3, 2)
    assert report.exported == 5 and report.requested == 8
    assert "made at the next build" in report.errors[0]
    assert len(report.valid) == 5  # the others are not taken for exported


# --- one drawing for a chart's SVG and PNG ------------------------------------------------------


def test_a_charts_png_is_drawn_from_its_svg_as_kaleido_draws_it(tmp_path, monkeypatch):
    """The build's session draws a figure once for its SVG and PNG; the PNG is byte for byte
    the one kaleido's own way (a drawing per format) makes."""
    monkeypatch.delenv("ANNEX_STATIC_CHARTS", raising=False)
    browser = static_lib.find_browser()
    if browser is None:
        pytest.skip(NO_BROWSER)
    pairing = static_lib._kaleido_class()
    assert hasattr(pairing, "write_svg_and_png")  # the locked kaleido has what it relies on
    drawn: list[str] = []

    class Counting(pairing):  # type: ignore[misc, valid-type]
        async def write_svg_and_png(self, svg, png) -> None:
            drawn.append(svg.path.stem)
            await super().write_svg_and_png(svg, png)

    monkeypatch.setattr(static_lib, "_kaleido_class", lambda: Counting)
    chart = flow_chart()
    made: dict[bool, dict[str, bytes]] = {}
    for fast in (True, False):  # False: kaleido's own session
        jobs = static_lib.static_jobs([chart], tmp_path / str(fast))
        jobs[0].path.parent.mkdir(parents=True)
        errors = static_lib._run(static_lib._export(jobs, browser, fast, static_lib.StaticReport()))
        assert errors == []
        made[fast] = {job.format: job.path.read_bytes() for job in jobs}
    assert drawn == [chart.stem]  # once, by the fast session only
    assert made[True]["png"] == made[False]["png"]
    assert made[True]["png"][:8] == b"\x89PNG\r\n\x1a\n"
    svg = made[True]["svg"].decode()
    assert svg.startswith("<svg") and "Ledenstroom" in svg and "+3" in svg


def test_a_chart_the_browser_cannot_draw_is_named_and_left_for_the_next_build(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("ANNEX_STATIC_CHARTS", raising=False)
    browser = static_lib.find_browser()
    if browser is None:
        pytest.skip(NO_BROWSER)
    # the page answers as kaleido's does when plotly.js fails to draw a figure
    failing = "function(spec, scale) { return JSON.stringify({code: 525, message: 'broken'}); }"
    monkeypatch.setattr(static_lib, "_SVG_AND_PNG_JS", failing)
    chart = flow_chart()
    report = static_lib.export_static([chart], tmp_path, browser=browser)
    assert report.exported == 0 and report.requested == 2 and not report.valid
    assert len(report.errors) == 1
    assert f"{chart.stem}.svg and {chart.stem}.png" in report.errors[0]
    assert "broken" in report.errors[0]
    assert not list(tmp_path.rglob("*.png")) and not list(tmp_path.rglob("*.svg"))
