"""The annex draft: every number from annex.figures, in Dutch and in French, traceable.

The 2024 checks read the draft the session's sample build wrote. The last test changes a raw
file (a member joins in a copy of the sample register) and sees the draft follow.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from pipelines.lib.build import run_build
from pipelines.lib.config import Settings
from pipelines.lib.freeze import close_year
from pipelines.lib.outputs.formatting import format_number
from pipelines.lib.outputs.templating import TEMPLATES
from pipelines.lib.warehouse import read_publication

NNBSP = "\u202f"
YEAR = 2024
CLOSED_YEAR = 2024  # closed in the corrected copy before the corrected register is built
OPEN_YEAR = 2023  # left open: its draft follows the corrected register


def draft(settings: Settings, lang: str, kind: str = "md", year: int = YEAR) -> str:
    path = settings.outputs_dir / str(year) / "draft" / f"annex-{year}.{lang}.{kind}"
    return path.read_text(encoding="utf-8")


def body(text: str) -> str:
    """The draft without its appendix (which lists every figure anyway)."""
    return re.split(r"^## (Bijlage|Annexe) ", text, flags=re.M)[0]


# --- 2024 in the sample ------------------------------------------------------------------


def test_dutch_draft_holds_the_membership_figures(sample_build):
    text = body(draft(sample_build, "nl"))
    for number in ("41.702", "4.207", "175", "841", "41.580", "18/06/2024"):
        assert number in text, number
    assert "In 2024 werden 4.207 vennoten vrijwillig lid van de coöperatie." in text
    assert "Zes vennoten werden uitgesloten" in text  # small counts in words, as the annex does
    assert "heeft geen aanvragen tot aansluiting geweigerd" in text
    assert "Geen enkele terugtrekkingsaanvraag werd geweigerd." in text


def test_french_draft_holds_the_membership_figures(sample_build):
    text = body(draft(sample_build, "fr"))
    for number in (f"41{NNBSP}702", f"4{NNBSP}207", "175", "841", f"41{NNBSP}580"):
        assert number in text, number
    assert "41.702" not in text and "4.207" not in text
    assert "Six coopérateurs ont été exclus" in text
    assert "n'a refusé aucune demande d'adhésion" in text


# The next two tests need the training, survey and governance figures (p5.*, p2.survey.*,
# p2.smartlabs.*, ...) that the other half of the annex's pipeline publishes.


def test_dutch_draft_holds_the_training_survey_and_governance_figures(sample_build):
    text = body(draft(sample_build, "nl"))
    for number in ("72", "1.946,5", "84", "564", "228"):
        assert re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|,\d)", text), number
    assert "middelmatig" in text
    assert "Er werden 72 opleidingen gegeven voor 1.946,5 uur in totaal" in text
    assert "De coöperatie bood 84 opleidingen aan in 2024 voor 564 deelnemers." in text
    assert "228 keer beantwoord" in text
    assert "een tiental SmartLab-groepen" in text  # "about 10" in the governance file
    assert "Meer dan 300 personen" in text  # "more than 300"
    assert "zeven nieuwe cases" in text and "twee nieuwe partners" in text


def test_french_draft_holds_the_training_survey_and_governance_figures(sample_build):
    text = body(draft(sample_build, "fr"))
    for number in ("72", f"1{NNBSP}946,5", "84", "564", "228"):
        assert number in text, number
    assert "1.946,5" not in text
    assert "moyenne" in text
    assert f"72 formations ont été dispensées, pour un total de 1{NNBSP}946,5 heures" in text
    assert "Une dizaine de groupes SmartLab" in text
    assert "Plus de 300 personnes" in text


def test_appendix_traces_every_figure_to_its_source_inputs_and_run(sample_build):
    text = draft(sample_build, "nl")
    appendix = text[text.index("## Bijlage: herkomst van de cijfers") :]
    with read_publication(sample_build) as con:
        figures = con.execute(
            "select figure_id, source from annex.figures where year = ?", [YEAR]
        ).fetchall()
        hashes = con.execute("select file_sha256 from quality.ingest_files").fetchall()
    assert figures and hashes
    for figure_id, source in figures:
        assert f"| `{figure_id}` |" in appendix, figure_id
        if source:
            assert source.replace("|", "\\|") in appendix, source
    for (digest,) in hashes:
        assert digest in appendix
    run = re.search(r"Uitvoering \(Dagster\): `([0-9a-f-]{36})`", appendix)
    assert run, "the appendix names the run"
    assert "| `p1.members_end` | Vennoten op 31 december | 41.702 | 41702 |" in appendix


def test_html_drafts_are_self_contained_pages(sample_build):
    for lang in ("nl", "fr"):
        page = draft(sample_build, lang, "html")
        assert page.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in page
        # no external file (the author's https links are links, not parts of the page)
        assert not re.search(r'src="(\.\./|http)|href="\.\./', page), "no external file"
        figures = page.count("<figure>")
        assert figures >= 4
        embedded = page.count('src="data:image/svg+xml;base64,')
        missing = page.count('class="missing-chart"')
        assert embedded + missing == figures
        assert "41.702" in page if lang == "nl" else f"41{NNBSP}702" in page


LEGAL_CITATIONS = (
    "artikel 1 § 7",
    "artikel 1, §1",
    "artikel 1 §3",
    "8 januari 1962",
    "artikel 5 van de wet van 20 juli 1955",
    "1 persoon = 1 stem",
    "6:120 §1, 5e lid",
    "8:5, §3",
    "l'article 1er, § 7",
    "l'article 1er, § 1er",
    "l'article 1er, § 3",
    "8 janvier 1962",
    "l'article 5 de la loi du 20 juillet 1955",
    "6:120, § 1er, alinéa 5",
    "8:5, § 3",
    "du 1er janvier",
    "1 januari",
)


def test_templates_hold_words_never_figures():
    """Every number of the draft comes from annex.figures: the templates type none."""
    for lang in ("nl", "fr"):
        text = (TEMPLATES / f"annex.{lang}.md.j2").read_text(encoding="utf-8")
        text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)
        text = re.sub(r"Princip[e] \d", " ", text)  # the ICA principles' numbers
        text = re.sub(r"31 (december|décembre)", " ", text)  # a date, not a figure
        for citation in LEGAL_CITATIONS:  # the laws the annex cites: words of the model
            text = text.replace(citation, " ")
        assert not re.findall(r"\d", text), (lang, re.findall(r".{20}\d.{20}", text))


# --- a raw file changes: the draft follows --------------------------------------------------


def append_row(path: Path, row: dict[str, str]) -> None:
    """Add a record at the end of a CSV export, in the file's own header order and line ends."""
    raw = path.read_bytes()
    newline = "\r\n" if b"\r\n" in raw[:4096] else "\n"
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    line = io.StringIO()
    csv.writer(line, lineterminator=newline).writerow([row.get(c, "") for c in header])
    with open(path, "ab") as handle:
        if not raw.endswith(newline.encode()):
            handle.write(newline.encode())
        handle.write(line.getvalue().encode("utf-8"))


def add_member(raw_dir: Path, date: str) -> int:
    """A new natural person joins on `date` with one share of class A; returns the number."""
    register = raw_dir / "register"
    cooperators = sorted(register.glob("cooperators*.csv"))[-1]
    operations = sorted(register.glob("share_operations*.csv"))[-1]
    with open(cooperators, encoding="utf-8-sig", newline="") as handle:
        people = list(csv.DictReader(handle))
    with open(operations, encoding="utf-8-sig", newline="") as handle:
        journal = list(csv.DictReader(handle))
    template = next(row for row in people if row["is_company"] == "False")
    number = max(int(row["cooperator_register_number"]) for row in people) + 1
    append_row(cooperators, template | {"cooperator_register_number": str(number)})
    price = next(r["share_unit_price"] for r in journal if r["share_short_name"] == "A")
    append_row(
        operations,
        {
            "register_number_operation": str(
                max(int(row["register_number_operation"]) for row in journal) + 1
            ),
            "date": date,
            "type": "subscription",
            "cooperator_register_number": str(number),
            "share_short_name": "A",
            "quantity": "1",
            "share_unit_price": price,
        },
    )
    return number


_CORRECTED: dict[str, Settings] = {}


def corrected_sample(sample: Settings, root: Path) -> Settings:
    """A copy of the sample whose 2024 is closed, then rebuilt from a corrected register.

    The copy starts from the sample's raw files and publication; `annex close-year 2024` freezes
    the published 2024; two members are then added to the register, one joining in 2023 (left
    open) and one in 2024 (closed), and the copy is rebuilt, outputs included (static chart
    export off: the session's sample build covers it). Built once per session, shared by this
    module and test_close_year.
    """
    if "settings" in _CORRECTED:
        return _CORRECTED["settings"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANNEX_RAW_DIR", str(root / "raw"))
        patch.setenv("ANNEX_WAREHOUSE_DIR", str(root / "warehouse"))
        patch.setenv("ANNEX_PSEUDONYM_KEY", str(sample.pseudonym_key_path))
        patch.setenv("ANNEX_STATIC_CHARTS", "off")
        settings = Settings.from_env()
        shutil.copytree(sample.raw_dir, settings.raw_dir)
        settings.warehouse_dir.mkdir(parents=True)
        shutil.copy2(sample.publication_path, settings.publication_path)
        close_year(settings, CLOSED_YEAR, user="test", reason="annex filed")
        add_member(settings.raw_dir, f"{OPEN_YEAR}-05-05")
        add_member(settings.raw_dir, f"{CLOSED_YEAR}-11-05")
        outcome = run_build(settings, progress=lambda _line: None)
        assert outcome.published, (outcome.errors, outcome.failed_checks)
    _CORRECTED["settings"] = settings
    return settings


@pytest.fixture(scope="module")
def corrected(sample_build, tmp_path_factory) -> Settings:
    return corrected_sample(sample_build, tmp_path_factory.mktemp("corrected"))


def published(settings: Settings, year: int, figure_id: str) -> float:
    with read_publication(settings) as con:
        return con.execute(
            "select value from annex.figures where year = ? and figure_id = ?", [year, figure_id]
        ).fetchone()[0]


def test_the_draft_follows_a_changed_raw_file(sample_build, corrected):
    before = published(sample_build, OPEN_YEAR, "p1.new_members")
    after = published(corrected, OPEN_YEAR, "p1.new_members")
    assert after == before + 1
    old = body(draft(sample_build, "nl", year=OPEN_YEAR))
    new = body(draft(corrected, "nl", year=OPEN_YEAR))
    sentence = "In {year} werden {n} vennoten vrijwillig lid van de coöperatie."
    assert sentence.format(year=OPEN_YEAR, n=format_number(before, "nl")) in old
    assert sentence.format(year=OPEN_YEAR, n=format_number(after, "nl")) in new
    end = format_number(published(corrected, OPEN_YEAR, "p1.members_end"), "fr")
    assert f"comptait {end} coopérateurs" in draft(corrected, "fr", year=OPEN_YEAR)
