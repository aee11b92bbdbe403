"""Every Dutch and French output reads as Dutch or French (no English word, no code), every
figure has a definition a reader can find, charts show a missing year as a gap with its reason,
and text from the inputs stays inert text in every format."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from pipelines import cli
from pipelines.lib.build import BuildOutcome, run_build
from pipelines.lib.config import Settings
from pipelines.lib.outputs import charts as chart_lib
from pipelines.lib.outputs.data import load_annex_data
from pipelines.lib.outputs.inert import csv_text, html_text, markdown_text
from pipelines.lib.outputs.markdown import to_html
from pipelines.lib.warehouse import read_publication
from tests.test_draft import CLOSED_YEAR, corrected_sample

YEAR = 2024

# English words and codes that must never reach a Dutch or French reader. Words are matched
# whole and case-insensitively; the entries starting with a capital are matched as written.
ENGLISH = (
    "not available", "not published", "suppressed", "about", "more than", "more_than",
    "resignation", "exclusions", "bankruptcy", "winding_up", "death", "staff", "members",
    "member", "moderate", "low", "high", "overall", "working_conditions", "social_protection",
    "likert5", "single", "breakdown", "no data", "not given", "governance facts", "survey",
    "answer", "none", "None", "NaN", "null", "True", "False", "n.b.", "n.d.", "n.p.",
)  # fmt: skip
CASE_SENSITIVE = {"None", "NaN", "True", "False"}
CODES = (r"A[1-6]", r"SQ\d+")
# Identifiers a reader needs to trace a figure, not words of the text: figure ids, table names,
# files and their keys (the source of a figure), hashes, code spans, paths.
IDENTIFIERS = (
    r"`[^`\n]*`",
    r"\bp\d\.[\w.\[\]=]+",
    r"\b(?:annex|quality|core)\.\w+",
    r"(?:sql|governance|assembly|survey|training|register)/[^\s|;,):]+(?:: [\w.\[\]=\\]+)?",
    r"(?<!\S)/[^\s|;]+",
    r"\b[0-9a-f]{64}\b",
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
)


def english_leaks(text: str) -> list[str]:
    """The English words and codes of `text` (identifiers left aside), each with its context:
    the reusable scanner of every Dutch or French output (a .docx's text too)."""
    for pattern in IDENTIFIERS:
        text = re.sub(pattern, " ", text)
    found = []
    patterns = [(re.escape(w), 0 if w in CASE_SENSITIVE else re.IGNORECASE) for w in ENGLISH] + [
        (code, 0) for code in CODES
    ]
    for pattern, flags in patterns:
        for match in re.finditer(rf"(?<![\w.]){pattern}(?![\w])", text, flags):
            start, end = max(0, match.start() - 40), match.end() + 40
            found.append(f"{match[0]!r} in …{text[start:end]}…".replace("\n", " "))
    return found


def html_text_of(page: str) -> str:
    """What a reader sees of an HTML page: no style, no tags (images and their data too)."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.DOTALL)
    page = page.replace("<wbr>", "")  # a line-break opportunity inside an identifier
    page = re.sub(r"<code>.*?</code>", " ", page, flags=re.DOTALL)  # as a Markdown code span
    return re.sub(r"<[^>]+>", " ", page)


def workbook_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    parts = list(book.sheetnames)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            parts += [str(v) for v in row if isinstance(v, str)]
    return "\n".join(parts)


def chart_strings(value: Any) -> list[str]:
    """Every text a chart shows: titles, axis titles and ticks, names, labels, hover, notes."""
    shown = {"text", "name", "ticktext", "hovertemplate", "customdata", "x", "y"}
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in shown:
                found += [v for v in (item if isinstance(item, list) else [item])
                          if isinstance(v, str)]  # fmt: skip
            found += chart_strings(item) if isinstance(item, (dict, list)) else []
    elif isinstance(value, list):
        for item in value:
            found += chart_strings(item)
    return found


def test_the_scanner_finds_english_and_codes_and_leaves_identifiers():
    assert english_leaks("suppressed: fewer than 10 people")
    assert english_leaks("antwoord A4 van de vraag WC[SQ001]") and english_leaks("waarde: None")
    assert english_leaks("Sorties : resignation") and english_leaks("ongeveer (about)")
    assert not english_leaks("Uittredingen: ontslag; niet gepubliceerd; très satisfait")
    assert not english_leaks("`p1.exits.resignation` | sql/annex/membership_flows.sql: members_end")
    assert not english_leaks("governance/2024.yaml: participation.smartlabs.groups")


APPENDIX = re.compile(r"^## (?:Bijlage|Annexe)\b.*", re.MULTILINE | re.DOTALL)


def draft_texts(outputs: Path, year: int, appendix_only: bool) -> dict[Path, str]:
    """What a reader reads of the year's drafts (Markdown, and HTML without tags); with
    `appendix_only`, the traceability appendix alone."""
    folder = outputs / str(year) / "draft"
    texts = {path: path.read_text(encoding="utf-8") for path in folder.glob("*.md")}
    if appendix_only:
        return {path: m[0] if (m := APPENDIX.search(t)) else "" for path, t in texts.items()}
    for path in folder.glob("*.html"):
        texts[path] = html_text_of(path.read_text(encoding="utf-8"))
    for path in folder.glob("*.docx"):
        texts[path] = docx_text(path)
    return texts


def docx_text(path: Path) -> str:
    """A Word document's text as its reader reads it: paragraphs and table cells, in order."""
    import docx

    document = docx.Document(str(path))
    lines = [paragraph.text for paragraph in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def test_no_english_word_or_code_in_any_dutch_or_french_output(sample_build):
    """Tables, workbooks, charts and the draft's appendix (its running text: see below)."""
    outputs = sample_build.outputs_dir
    data = load_annex_data(sample_build)
    leaks: dict[str, list[str]] = {}
    for year in data.years:
        folder = outputs / str(year)
        texts = draft_texts(outputs, year, appendix_only=True)
        assert all(texts.values()), "no appendix found in a draft"
        for path in folder.glob("tables/*.[nf][lr].csv"):
            texts[path] = path.read_text(encoding="utf-8-sig")
        for path in folder.glob("*.xlsx"):
            texts[path] = workbook_text(path)
        for path, text in texts.items():
            if found := english_leaks(text):
                leaks[str(path.relative_to(outputs))] = found[:5]
    for chart in chart_lib.build_charts(data).charts:
        figure = chart.figure.to_dict()
        if found := english_leaks("\n".join(chart_strings(figure))):
            leaks[chart.stem] = found[:5]
    assert not leaks, leaks
    # the scan saw the outputs it is about
    assert (outputs / str(YEAR) / "tables" / f"survey_distribution_{YEAR}.nl.csv").exists()
    assert (outputs / str(YEAR) / "draft" / f"annex-{YEAR}.fr.html").exists()


def test_no_english_word_or_code_in_the_drafts_running_text(sample_build):
    outputs = sample_build.outputs_dir
    leaks = {
        str(path): found[:5]
        for year in load_annex_data(sample_build).years
        for path, text in draft_texts(outputs, year, appendix_only=False).items()
        if (found := english_leaks(text))
    }
    assert not leaks, leaks
    scanned = draft_texts(outputs, YEAR, appendix_only=False)
    assert {path.suffix for path in scanned} == {".md", ".html", ".docx"}
    assert "41.702" in scanned[outputs / str(YEAR) / "draft" / f"annex-{YEAR}.nl.docx"]


def test_survey_answers_read_as_the_codebook_writes_them(sample_build):
    folder = sample_build.outputs_dir / str(YEAR) / "tables"
    nl = pd.read_csv(folder / f"survey_distribution_{YEAR}.nl.csv", sep=";", encoding="utf-8-sig")
    answers = set(nl["Antwoord"])
    assert {"zeer ontevreden", "tevreden", "weet niet of niet van toepassing"} <= answers
    assert {"werknemer", "zelfstandige", "andere"} <= answers  # from "(A1 werknemer, ...)"
    assert "Hoe werkt u via Smart?" in set(nl["Vraag"])
    fr = pd.read_csv(folder / f"survey_satisfaction_{YEAR}.fr.csv", sep=";", encoding="utf-8-sig")
    assert {"salarié·e", "indépendant·e", "sans réponse", "néerlandophone"} <= set(fr["Groupe"])
    assert set(fr["Niveau"].dropna()) <= {"faible", "moyenne", "élevée"}
    figures = (folder / f"figures_{YEAR}.nl.csv").read_text(encoding="utf-8-sig")
    assert ";p1.new_members;4207;" in figures and ";1946,5;" in figures  # not 4207,0


def test_every_note_has_its_dutch_and_french_text(sample_build):
    with read_publication(sample_build) as con:
        untranslated = con.execute(
            "select year, figure_id, note from annex.figures "
            "where (note is null) <> (note_nl is null) or (note is null) <> (note_fr is null)"
        ).fetchall()
        notes = dict(
            con.execute(
                "select note_nl, note_fr from annex.figures where year = 2024 "
                "and figure_id = 'p5.staff_training_hours.gender.X'"
            ).fetchall()
        )
        assembly = con.execute(
            "select note_nl, note_fr from annex.figures where year = 2021 "
            "and figure_id = 'p2.ga_turnout'"
        ).fetchone()
    assert not untranslated
    assert notes == {
        "niet gepubliceerd: minder dan 10 personen": "non publié : moins de 10 personnes"
    }
    assert assembly[0].startswith("meerdere algemene vergaderingen dit jaar")
    assert assembly[1].startswith("plusieurs assemblées générales cette année")


def test_every_figure_has_a_definition_shown_in_the_workbook_and_the_appendix(sample_build):
    with read_publication(sample_build) as con:
        catalog = con.execute(
            "select figure_id, label_nl, definition_nl, definition_fr from annex.figure_catalog"
        ).fetchall()
        published = {
            f for (f,) in con.execute("select distinct figure_id from annex.figures").fetchall()
        }
    assert {row[0] for row in catalog} == published
    for figure_id, label, nl, fr in catalog:
        assert nl and fr and len(nl) > 30 and len(fr) > 30 and nl != label, figure_id
    definitions = {row[0]: (row[2], row[3]) for row in catalog}
    workbook = sample_build.outputs_dir / str(YEAR) / f"annex-tables-{YEAR}.xlsx"
    sheet = openpyxl.load_workbook(workbook)["Cijfers - Chiffres"]
    headers = [cell.value for cell in sheet[3]]
    column = headers.index("Definitie (NL)")
    shown = {row[0].value: row[column].value for row in sheet.iter_rows(min_row=5)}
    assert shown["p1.members_end"] == definitions["p1.members_end"][0]
    assert [cell.value for cell in sheet[4]][column + 1] == "Définition (FR)"
    draft = sample_build.outputs_dir / str(YEAR) / "draft"
    nl = (draft / f"annex-{YEAR}.nl.md").read_text(encoding="utf-8")
    fr = (draft / f"annex-{YEAR}.fr.md").read_text(encoding="utf-8")
    assert "### Definities" in nl and "### Définitions" in fr
    assert markdown_text(definitions["p2.ga_turnout"][0]) in nl
    assert markdown_text(definitions["p2.ga_turnout"][1]) in fr


def test_the_appendix_writes_qualifiers_as_words_and_keeps_ids_whole(sample_build):
    draft = sample_build.outputs_dir / str(YEAR) / "draft"
    nl = (draft / f"annex-{YEAR}.nl.md").read_text(encoding="utf-8")
    row = next(line for line in nl.splitlines() if line.startswith("| `p2.smartlabs.interested`"))
    assert "300 (meer dan)" in row and "more_than" not in row
    page = (draft / f"annex-{YEAR}.nl.html").read_text(encoding="utf-8")
    # an id may wrap after a dot or an underscore, never inside a word (no break-all)
    assert "break-all" not in page and "overflow-wrap: anywhere" not in page
    wide = "<code>p2.<wbr>survey.<wbr>satisfaction_<wbr>mean.<wbr>working_<wbr>conditions</code>"
    assert wide in page
    for code in re.findall(r"<code>(.*?)</code>", page):
        for before in re.findall(r"(.)<wbr>", code):
            assert before in "./_:[" or re.fullmatch(r"[0-9a-f]", before), code


def test_a_year_missing_from_a_series_is_a_gap_with_its_reason(sample_build):
    """2021 had two assemblies and no governance file naming the ordinary one: its turnout is
    not published, and the chart of 2024 still spans 2016-2024 with 2021 shown empty."""
    data = load_annex_data(sample_build)
    assert data.value(2021, "p2.ga_turnout") is None
    for lang, reason in (
        ("nl", "Geen cijfer voor 2021: meerdere algemene vergaderingen dit jaar"),
        ("fr", "Pas de chiffre pour 2021 : plusieurs assemblées générales cette année"),
    ):
        chart = chart_lib.assembly_turnout(data, YEAR, lang)
        figure = chart.figure.to_dict()
        bars = figure["data"][0]
        assert bars["x"][0] == 2016 and bars["x"][-1] == YEAR and 2021 in bars["x"]
        assert bars["y"][bars["x"].index(2021)] is None
        notes = [a["text"] for a in figure["layout"]["annotations"]]
        gap_marks = [a for a in figure["layout"]["annotations"] if a.get("x") == 2021]
        assert gap_marks and gap_marks[0]["text"] in ("niet gepubliceerd", "non publié")
        assert any(note.startswith(reason) for note in notes), notes
        assert chart.title.endswith(f"2016–{YEAR}")
    # a series without a gap adds no note
    flows = chart_lib.membership_history(data, YEAR, "nl").figure.to_dict()
    assert not flows["layout"].get("annotations")


# --- closed years ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corrected(sample_build, tmp_path_factory) -> Settings:
    return corrected_sample(sample_build, tmp_path_factory.mktemp("corrected"))


def use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNEX_RAW_DIR", str(settings.raw_dir))
    monkeypatch.setenv("ANNEX_WAREHOUSE_DIR", str(settings.warehouse_dir))
    monkeypatch.setenv("ANNEX_PSEUDONYM_KEY", str(settings.pseudonym_key_path))


def test_annex_figures_says_when_a_year_is_closed(corrected, monkeypatch, capsys):
    use(corrected, monkeypatch)
    assert cli.main(["figures", "--year", str(CLOSED_YEAR)]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"Jaar {CLOSED_YEAR} is afgesloten op \d\d/\d\d/\d{{4}}", out), out
    assert cli.main(["figures", "--year", str(CLOSED_YEAR - 1), "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "clôturée" not in out and "afgesloten" not in out
    # a note in the language asked for (the sample has a governance file for 2024 only)
    assert "(pas de fichier de gouvernance pour cette année)" in out


def test_the_build_summary_lists_a_closed_years_revisions(corrected, capsys):
    outcome = BuildOutcome(published=True, seconds=1.0)
    cli.print_summary(corrected, outcome)
    out = capsys.readouterr().out
    assert f"Revisions of closed years ({CLOSED_YEAR})" in out
    assert re.search(rf"{CLOSED_YEAR}  p1\.members_end\s+frozen\s+41\.702  now\s+41\.704", out)


# --- inert text ----------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","klik")'
LINK = "[klik](http://x.example)"
TAG = '<a href="http://x.example">klik</a>'


def test_the_helpers_make_text_inert():
    assert csv_text(FORMULA) == "'" + FORMULA and csv_text("-2+3") == "'-2+3"
    assert csv_text("@SUM(1)") == "'@SUM(1)" and csv_text("\tx") == "'\tx"
    assert csv_text("SmartCoop") == "SmartCoop" and csv_text(-5) == -5  # numbers stay numbers
    page = to_html(f"Partners: {markdown_text(LINK)}, {markdown_text(TAG)}, "
                   f"{markdown_text('![x](http://y.example/i.png)')}")  # fmt: skip
    assert "<a " not in page and "<img" not in page and "[klik](http://x.example)" in page
    assert html_text(TAG) == '&lt;a href="http://x.example"&gt;klik&lt;/a&gt;'


@pytest.fixture(scope="module")
def hostile(sample_build, tmp_path_factory) -> Settings:
    """The sample with a formula for the cooperative's name, a formula and a link among the
    partners, a formula for an event's name and a link and a formula in the codebook."""
    root = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANNEX_RAW_DIR", str(root / "raw"))
        patch.setenv("ANNEX_WAREHOUSE_DIR", str(root / "warehouse"))
        patch.setenv("ANNEX_PSEUDONYM_KEY", str(sample_build.pseudonym_key_path))
        patch.setenv("ANNEX_STATIC_CHARTS", "off")
        settings = Settings.from_env()
        shutil.copytree(sample_build.raw_dir, settings.raw_dir)
        governance = settings.raw_dir / "governance" / f"{YEAR}.yaml"
        text = governance.read_text(encoding="utf-8")
        for old, new in (
            ("name: SmartCoop,", f"name: '{FORMULA}',"),
            ('"Rapoûlaedje"', '"@SUM(1+1)"'),
            ('[Coopcity, "Prométhéa"]', f"['{LINK}', '-2+3']"),
        ):
            assert old in text, old
            text = text.replace(old, new)
        governance.write_text(text, encoding="utf-8")
        codebook = next((settings.raw_dir / "survey").glob("*_codebook.csv"))
        with codebook.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        rows[1][3] = TAG + " " + rows[1][3]
        rows[2][4] = "=1+2 " + rows[2][4]
        with codebook.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        outcome = run_build(settings, progress=lambda _line: None)
        assert outcome.published, (outcome.errors, outcome.failed_checks)
    return settings


def test_input_text_is_never_a_formula_in_the_workbook(hostile):
    book = openpyxl.load_workbook(hostile.outputs_dir / str(YEAR) / f"annex-tables-{YEAR}.xlsx")
    formulas = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert not formulas
    cells = {cell.value: cell for row in book["Bestuur - Gouvernance"].iter_rows() for cell in row}
    for text in (FORMULA, "@SUM(1+1)", "-2+3"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    answers = {c.value: c for row in book["Enquête antw. - réponses"].iter_rows() for c in row}
    assert any(isinstance(v, str) and v.startswith("=1+2") for v in answers)


def test_input_text_starting_like_a_formula_is_quoted_in_every_csv(hostile):
    folder = hostile.outputs_dir / str(YEAR) / "tables"
    raw = (folder / f"governance_facts_{YEAR}.csv").read_text(encoding="utf-8")
    assert "'" + FORMULA.replace('"', '""') in raw and "'@SUM(1+1)" in raw and "'-2+3" in raw
    for lang in ("nl", "fr"):
        text = (folder / f"governance_facts_{YEAR}.{lang}.csv").read_text(encoding="utf-8-sig")
        assert "'" + FORMULA.replace('"', '""') in text
        assert not re.search(r'(^|;)"?[=+\-@]', text, re.MULTILINE)
    survey = (folder / f"survey_distribution_{YEAR}.fr.csv").read_text(encoding="utf-8-sig")
    assert "'=1+2 " in survey
    every_year = (hostile.outputs_dir / "tables" / "governance_facts.csv").read_text("utf-8")
    assert "'" + FORMULA.replace('"', '""') in every_year


def test_input_text_is_escaped_in_chart_labels(hostile):
    data = load_annex_data(hostile)
    chart = chart_lib.survey_answers(data, YEAR, "nl").figure.to_dict()
    labels = "\n".join(chart["data"][0]["y"])
    assert "&lt;a" in labels and "<a " not in labels


def test_a_link_in_a_partner_name_is_no_live_link_in_the_draft(hostile):
    draft = hostile.outputs_dir / str(YEAR) / "draft"
    page = (draft / f"annex-{YEAR}.nl.html").read_text(encoding="utf-8")
    assert 'href="http://x.example"' not in page
