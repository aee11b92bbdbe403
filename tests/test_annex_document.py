"""The annex document: the whole skeleton in Dutch and French, as Markdown, HTML and Word, with
the governance facts and the author's own text (narrative/).

The 2024 checks read what the session's sample build wrote; the narrative and escaping checks
render the sample's publication again into a temporary folder, with their own raw folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import docx
import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.lib.config import Settings
from pipelines.lib.outputs import draft
from pipelines.lib.outputs.data import AnnexData, Figure, load_annex_data
from pipelines.lib.outputs.narrative import MARKER, NarrativeError, safe_markdown
from pipelines.lib.outputs.word import write_docx
from pipelines.sample.narrative import write_narrative

YEAR = 2024
NNBSP = "\u202f"
NBSP = "\u00a0"

# The seed's skeleton: (heading level in the Markdown, text), in the seed's order.
HEADINGS = {
    "nl": [
        (1, "Bijlage bij het jaarlijks beheerverslag 2024"),
        (2, "Inleiding"),
        (2, "Principe 1 van de ICA: vrijwillig en open lidmaatschap"),
        (2, "Principe 2 van de ICA: democratische controle door de leden"),
        (3, "Het ethisch comité"),
        (3, "Proces van toe-eigening tot de algemene vergadering"),
        (3, "Ontwikkeling van de participatie"),
        (3, "SmartLabs"),
        (3, "Meer actie voor betere arbeidsomstandigheden: de vergadering van werknemers"),
        (3, "Vernieuwing Raad van bestuur"),
        (2, "Principe 3 van de ICA: economische participatie vanwege de leden"),
        (2, "Principe 4 van de ICA: autonomie en onafhankelijkheid"),
        (2, "Principe 5 van de ICA: onderwijs, vorming en informatieverstrekking"),
        (3, "Opleidingen voor de collega's van de ondersteunende teams"),
        (3, "Opleidingen voor de vennoten en het grote publiek"),
        (3, "Een hele dag over de ontwikkeling van een activiteit"),
        (3, "Levenslang leren"),
        (3, "Vorming over verantwoordelijkheid"),
        (2, "Principe 6 van de ICA: samenwerking tussen coöperaties"),
        (2, "Principe 7 van de ICA: aandacht voor de gemeenschap"),
    ],
    "fr": [
        (1, "Annexe au rapport de gestion annuel 2024"),
        (2, "Introduction"),
        (2, f"Principe 1 de l'ACI{NBSP}: adhésion volontaire et ouverte à tous"),
        (2, f"Principe 2 de l'ACI{NBSP}: pouvoir démocratique exercé par les membres"),
        (3, "Le comité d'éthique"),
        (3, "Processus d'appropriation de l'assemblée générale"),
        (3, "Développement de la participation"),
        (3, "SmartLabs"),
        (3, f"Agir pour de meilleures conditions de travail{NBSP}: l'assemblée des travailleurs"),
        (3, "Renouvellement du conseil d'administration"),
        (2, f"Principe 3 de l'ACI{NBSP}: participation économique des membres"),
        (2, f"Principe 4 de l'ACI{NBSP}: autonomie et indépendance"),
        (2, f"Principe 5 de l'ACI{NBSP}: éducation, formation et information"),
        (3, "Formations pour les collègues des équipes d'appui"),
        (3, "Formations pour les coopérateurs et le grand public"),
        (3, "Une journée entière consacrée au développement d'une activité"),
        (3, "Éducation permanente"),
        (3, "Formation à la responsabilité"),
        (2, f"Principe 6 de l'ACI{NBSP}: coopération entre les coopératives"),
        (2, f"Principe 7 de l'ACI{NBSP}: engagement envers la communauté"),
    ],
}

# Every golden figure and governance fact of 2024, as the document writes it (in the seed's
# words where the seed has them).
SENTENCES = {
    "nl": [
        "8 januari 1962",
        "de werking van SmartCoop en haar statuten",
        "In 2024 werden 4.207 vennoten vrijwillig lid van de coöperatie.",
        "De vennootschap heeft geen aanvragen tot aansluiting geweigerd, maar stelde wel het "
        "ontslag vast van 175 vennoten.",
        "Geen enkele terugtrekkingsaanvraag werd geweigerd.",
        "Zes vennoten werden uitgesloten",
        "Op 31 december 2024 telde de coöperatieve vennootschap 41.702 vennoten",
        "41.580 vennoten van categorie A",
        "94 vennoten van categorie B",
        "28 vennoten van categorie C",
        "841 vennoten brachten hun stem uit op de gewone algemene vergadering van 18/06/2024.",
        "in artikel 37 van de statuten van SmartCoop het principe van 1 persoon = 1 stem",
        "De coöperatieve vennootschap SmartCoop werd in 2016 opgericht door drie oprichters.",
        "De oprichters hebben geen bijzonder statuut",
        "benoemd voor een mandaat van 4 jaar (artikel 24 van de statuten)",
        "Ze oefenen hun mandaat gratis uit (artikel 23 van de statuten).",
        "Er is geen statutair bestuurder.",
        "Het ethisch comité van SmartCoop bestaat uit drie vennoten die lid zijn van de "
        "ondersteunende teams, twee externe deskundigen en zes vennoten die de diensten van "
        "SmartCoop gebruiken.",
        "kennisgenomen van zeven nieuwe cases",
        "Er werden drie cases behandeld.",
        "Het comité is acht keer bijeengekomen in 2024 en heeft er ook twee nieuwe leden bij.",
        "vonden een twintigtal workshops plaats",
        "een tiental SmartLab-groepen",
        "Meer dan 300 personen hebben interesse getoond en uiteindelijk zijn 200 personen "
        "regelmatig samengekomen, goed voor meer dan 150 uur ontmoetingen.",
        "In maart 2024 konden de leden een online-enquête invullen, die uiteindelijk 228 keer "
        "beantwoord werd.",
        "Daaruit bleek een middelmatige tevredenheid over de arbeidsomstandigheden en over de "
        "toegang tot sociale bescherming in geval van ziekte.",
        "35 actiepistes",
        "De vergadering van werknemers vond plaats op 14 november 2024.",
        "Er werd gedebatteerd over 8 van de 35 actiepistes.",
        "algemene vergadering van juni 2024 kwamen er twee nieuwe mensen bij.",
        "kozen de bestuursleden er eind 2024 voor om drie nieuwe personen te coöpteren.",
        "Uit hoofde van artikel 43 van de statuten van SmartCoop",
        "in artikel 20 van de statuten van SmartCoop",
        "In artikel 46 van de statuten van SmartCoop",
        "De vennootschap heeft geen akkoorden gesloten",
        "In 2024 ondernam SmartCoop verschillende initiatieven",
        "Er werden 72 opleidingen gegeven voor 1.946,5 uur in totaal",
        "De coöperatie bood 84 opleidingen aan in 2024 voor 564 deelnemers.",
        "In 2024 vond Rapoûlaedje plaats. Ongeveer 70 deelnemers konden er kiezen uit negen "
        "workshops.",
        "negen conferenties/debatten",
        "tien vertoningen plaats in het kader van de ciné-club",
        "kwamen er twee nieuwe bestuursleden bij in de Raad van bestuur van SmartCoop",
        "Zo zijn twee nieuwe partners vennoot geworden van SmartCoop: Coopcity en Prométhéa.",
        "Febecoop, Coopkracht, SAW-B, Concertes, CECOP en ICA",
    ],
    "fr": [
        "8 janvier 1962",
        "le fonctionnement de SmartCoop et ses statuts",
        f"En 2024, 4{NNBSP}207 coopérateurs ont volontairement rejoint la coopérative.",
        "n'a refusé aucune demande d'adhésion, mais a constaté la démission de 175 coopérateurs.",
        "Aucune demande de retrait n'a été refusée.",
        "Six coopérateurs ont été exclus",
        f"Au 31 décembre 2024, la société coopérative comptait 41{NNBSP}702 coopérateurs",
        f"41{NNBSP}580 coopérateurs de catégorie A",
        "94 coopérateurs de catégorie B",
        "28 coopérateurs de catégorie C",
        "841 coopérateurs ont voté à l'assemblée générale ordinaire du 18/06/2024.",
        "l'article 37 des statuts de SmartCoop consacre le principe",
        "La société coopérative SmartCoop a été fondée en 2016 par trois fondateurs.",
        "un mandat de 4 ans (article 24 des statuts)",
        "Ils exercent leur mandat à titre gratuit (article 23 des statuts).",
        "Il n'y a pas d'administrateur statutaire.",
        "Le comité d'éthique de SmartCoop se compose de trois coopérateurs membres des équipes "
        "d'appui, de deux experts externes et de six coopérateurs qui utilisent les services de "
        "SmartCoop.",
        "sept nouveaux cas",
        "Trois cas ont été traités.",
        "Le comité s'est réuni huit fois en 2024 et compte deux nouveaux membres.",
        "une vingtaine d'ateliers ont eu lieu",
        "Une dizaine de groupes SmartLab",
        "Plus de 300 personnes ont manifesté leur intérêt et finalement 200 personnes se sont "
        "réunies régulièrement, pour plus de 150 heures de rencontres.",
        "En mars 2024, les membres ont pu répondre à une enquête en ligne, qui a finalement "
        "recueilli 228 réponses.",
        "Il en ressort une satisfaction moyenne à l'égard des conditions de travail et à l'égard "
        "de l'accès à la protection sociale en cas de maladie.",
        "L'assemblée des travailleurs s'est tenue le 14 novembre 2024.",
        "Elle a débattu de 8 des 35 pistes d'action.",
        "l'assemblée générale de juin 2024, deux nouvelles personnes ont rejoint",
        "fin 2024 de coopter trois nouvelles personnes",
        "En vertu de l'article 43 des statuts de SmartCoop",
        "l'article 20 des statuts de SmartCoop",
        "L'article 46 des statuts de SmartCoop",
        "La société n'a conclu",
        f"72 formations ont été dispensées, pour un total de 1{NNBSP}946,5 heures",
        "La coopérative a proposé 84 formations en 2024 pour 564 participants.",
        "Environ 70 participants ont pu y choisir parmi neuf ateliers.",
        "neuf conférences-débats",
        "dix projections ont eu lieu",
        "deux nouveaux administrateurs ont rejoint le conseil d'administration de SmartCoop",
        f"deux nouveaux partenaires sont devenus coopérateurs de SmartCoop{NBSP}: Coopcity et "
        "Prométhéa.",
        "Febecoop, Coopkracht, SAW-B, Concertes, CECOP et ICA",
    ],
}


def annex_file(settings: Settings, lang: str, kind: str, year: int = YEAR) -> Path:
    return settings.outputs_dir / str(year) / "draft" / f"annex-{year}.{lang}.{kind}"


def body(text: str) -> str:
    """The document without its appendix."""
    return re.split(r"^## (Bijlage|Annexe)\b", text, flags=re.M)[0]


def docx_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style name, text) of every paragraph of a Word document, tables' cells included."""
    document = docx.Document(str(path))
    out = [(p.style.name, p.text) for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            out += [("cell", cell.text) for cell in row.cells]
    return out


def plain(markdown: str) -> str:
    """Markdown as a reader reads it: one line per paragraph, no emphasis marks."""
    return re.sub(r"(?<=\S)\n(?=\S| \S)", " ", markdown).replace("  ", " ").replace("*", "")


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_markdown_holds_the_seeds_skeleton_figures_and_facts(sample_build, lang):
    text = body(annex_file(sample_build, lang, "md").read_text(encoding="utf-8"))
    headings = [(len(m[1]), m[2]) for m in re.finditer(r"^(#{1,3}) (.+)$", text, flags=re.M)]
    skeleton = [h for h in headings if h in HEADINGS[lang]]
    assert skeleton == HEADINGS[lang]
    reading = plain(text)
    for sentence in SENTENCES[lang]:
        assert sentence in reading, sentence
    assert "de coöperatie vennoot" not in reading and "la coopérative est coopératrice" not in (
        reading
    )


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_word_document_has_heading_styles_and_every_sentence(sample_build, lang):
    paragraphs = docx_paragraphs(annex_file(sample_build, lang, "docx"))
    styles = {1: "Title", 2: "Heading 1", 3: "Heading 2"}
    headings = [(style, text) for style, text in paragraphs if style in styles.values()]
    for level, text in HEADINGS[lang]:
        assert (styles[level], text) in headings, text
    order = [headings.index((styles[level], text)) for level, text in HEADINGS[lang]]
    assert order == sorted(order)
    words = " ".join(text for _, text in paragraphs)
    for sentence in SENTENCES[lang]:
        assert sentence.replace("*", "") in words, sentence
    document = docx.Document(str(annex_file(sample_build, lang, "docx")))
    assert len(document.inline_shapes) >= 6  # the charts, as pictures
    assert any(style == "Caption" for style, _ in paragraphs)
    # the appendix's table of figures is a real table
    assert any(text == "p1.members_end" for style, text in paragraphs if style == "cell")


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_html_page_shows_the_same_sentences(sample_build, lang):
    import html as html_lib

    page = annex_file(sample_build, lang, "html").read_text(encoding="utf-8")
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", page))
    text = re.sub(r"\s*\n\s*", " ", text)
    for sentence in SENTENCES[lang]:
        assert sentence.replace("*", "") in text, sentence


def test_pdf_of_the_last_year_where_a_browser_prints_it(sample_build):
    from pipelines.lib.outputs.static_export import find_browser

    if find_browser() is None:
        pytest.skip("no Chromium-family browser on this machine")
    for lang in ("nl", "fr"):
        pdf = annex_file(sample_build, lang, "pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        assert not annex_file(sample_build, lang, "pdf", year=2023).exists()


def test_running_text_keeps_turnout_and_response_rate_out(sample_build):
    for lang, words in (("nl", ("opkomst van", "responsgraad")), ("fr", ("taux de", "soit une"))):
        text = body(annex_file(sample_build, lang, "md").read_text(encoding="utf-8"))
        prose = "\n".join(line for line in text.splitlines() if not line.startswith("!["))
        for word in words:
            assert word not in prose, (lang, word)
        assert not re.search(r"\d,\d\s?%", prose), lang


def test_french_typography_and_the_sample_narrative(sample_build):
    text = body(annex_file(sample_build, "fr", "md").read_text(encoding="utf-8"))
    assert " :" not in text and " ;" not in text  # a no-break space before them
    assert f"répartis comme suit{NBSP}:" in text
    # the sample's own text, its references filled in
    assert f"SmartCoop a accueilli\n4{NNBSP}207 nouveaux coopérateurs" in text
    nl = body(annex_file(sample_build, "nl", "md").read_text(encoding="utf-8"))
    assert "SmartCoop verwelkomde\n4.207 nieuwe vennoten en telde er eind 2024 41.702." in nl
    assert "[de website](https://example.org/ethiek)" in nl
    assert "{{" not in nl and "{{" not in text


def test_a_year_without_narrative_shows_the_marker_where_nothing_is_written(sample_build):
    for lang in ("nl", "fr"):
        text = body(annex_file(sample_build, lang, "md", year=2023).read_text(encoding="utf-8"))
        principle_7 = text[text.index("## Princip") :].split("## Princip")[-1]
        assert f"**{MARKER[lang]}**" in principle_7
        document = docx.Document(str(annex_file(sample_build, lang, "docx", year=2023)))
        runs = [run for p in document.paragraphs for run in p.runs if run.text == MARKER[lang]]
        assert runs and all(run.bold and run.font.highlight_color for run in runs)
        page = annex_file(sample_build, lang, "html", year=2023).read_text(encoding="utf-8")
        assert f"<strong>{MARKER[lang]}</strong>" in page


# --- rendering again, with a raw folder of the test's own -------------------------------------


@pytest.fixture(scope="module")
def data(sample_build) -> AnnexData:
    return load_annex_data(sample_build)


RUN = draft.RunInfo("test", dt.datetime(2025, 3, 1, 12, 0))


def render(data: AnnexData, tmp_path: Path, lang: str = "nl", raw: Path | None = None):
    return draft.render_draft(data, YEAR, lang, tmp_path / "outputs", RUN, raw)


def narrative(raw: Path, lang: str, text: str) -> None:
    folder = raw / "narrative"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{YEAR}.{lang}.md").write_text(text, encoding="utf-8")


def test_an_unknown_figure_in_the_narrative_names_file_and_line(data, tmp_path):
    narrative(tmp_path, "nl", "## p7\n\nWe telden {{ p1.new_members }} nieuwe vennoten\n"
              "en {{ p9.unknown_figure }} andere.\n")  # fmt: skip
    with pytest.raises(NarrativeError) as error:
        render(data, tmp_path, raw=tmp_path)
    message = str(error.value)
    assert message.startswith("narrative/2024.nl.md, line 4: unknown figure or fact")
    assert "p9.unknown_figure" in message


def test_an_unknown_fact_or_section_names_file_and_line(data, tmp_path):
    narrative(tmp_path, "fr", "## p7\n\n{{ governance.cooperative.motto }}\n")
    with pytest.raises(NarrativeError, match=r"2024\.fr\.md, line 3: .*governance"):
        render(data, tmp_path, "fr", raw=tmp_path)
    narrative(tmp_path, "fr", "## p7\n\nTexte.\n\n## p8.strategy\n")
    with pytest.raises(NarrativeError, match=r"2024\.fr\.md, line 5: unknown section 'p8"):
        render(data, tmp_path, "fr", raw=tmp_path)


def test_the_build_stops_at_an_unknown_reference(data, tmp_path):
    """The draft output raises, so the build reports it and exits with an error."""
    narrative(tmp_path, "nl", "## introduction\n\n{{ p1.new_member }}\n")
    with pytest.raises(NarrativeError, match="line 3"):
        draft.write_drafts(data, tmp_path / "outputs", RUN, [YEAR], tmp_path, None)
    assert not (tmp_path / "outputs" / "2024" / "draft" / "annex-2024.nl.docx").exists()


def test_narrative_fills_facts_and_a_missing_section_shows_the_marker(data, tmp_path):
    narrative(
        tmp_path,
        "nl",
        "## p2.participation\n\n{{ governance.cooperative.name }} telde {{ p1.members_end }} "
        "vennoten in {{ year }}; netwerken: {{ governance.cooperation.networks }}.\n",
    )
    result = render(data, tmp_path, raw=tmp_path)
    text = body(result.markdown)
    assert (
        "SmartCoop telde 41.702 vennoten in 2024; netwerken: Febecoop, Coopkracht, SAW-B, "
        "Concertes, CECOP en ICA." in text
    )
    participation = text.split("### Ontwikkeling van de participatie")[1].split("###")[0]
    assert MARKER["nl"] not in participation
    principle_7 = text.split("## Principe 7")[1]
    assert f"**{MARKER['nl']}**" in principle_7


def test_narrative_html_is_text_and_only_https_links_stay():
    assert safe_markdown("<script>alert(1)</script>") == "\\<script>alert(1)\\</script>"
    assert safe_markdown("[site](https://example.org/a)") == "[site](https://example.org/a)"
    assert safe_markdown("[klik](javascript:alert(1))") == "klik"
    assert safe_markdown("[map](../../coop.duckdb)") == "map"
    assert safe_markdown("[x](http://example.org)") == "x"
    assert safe_markdown("![logo](/etc/passwd)") == "\\!logo"
    assert safe_markdown("<https://example.org>") == "<https://example.org>"
    assert safe_markdown("<mailto:a@b.c>") == "\\<mailto:a@b.c>"
    assert safe_markdown("[ref]: javascript:alert(1)").startswith("\\[ref]")


def test_narrative_html_renders_as_text_in_every_format(data, tmp_path):
    narrative(
        tmp_path,
        "nl",
        '## p7\n\n<img src=x onerror="alert(1)"> en [klik](javascript:alert(1)) en '
        "[goed](https://example.org/x).\n",
    )
    result = render(data, tmp_path, raw=tmp_path)
    assert "<img" not in result.html and "javascript:" not in result.html
    assert "&lt;img src=x" in result.html
    assert '<a href="https://example.org/x">goed</a>' in result.html


def test_narrative_init_copies_references_never_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNEX_RAW_DIR", str(tmp_path))
    write_narrative(tmp_path)
    assert main(["narrative-init", "2025"]) == 0
    for lang in ("nl", "fr"):
        started = (tmp_path / "narrative" / f"2025.{lang}.md").read_text(encoding="utf-8")
        assert "{{ p1.new_members }}" in started and "{{ p1.members_end }}" in started
        assert "4.207" not in started and f"4{NNBSP}207" not in started
        assert started == (tmp_path / "narrative" / f"2024.{lang}.md").read_text("utf-8")
    before = (tmp_path / "narrative" / "2025.nl.md").read_text(encoding="utf-8")
    (tmp_path / "narrative" / "2025.nl.md").write_text(before + "Mijn tekst.\n", "utf-8")
    assert main(["narrative-init", "2025"]) == 1  # refuses to write over
    assert (tmp_path / "narrative" / "2025.nl.md").read_text("utf-8").endswith("Mijn tekst.\n")
    assert main(["narrative-init", "2031"]) == 0  # no year before: every section's heading
    skeleton = (tmp_path / "narrative" / "2031.fr.md").read_text(encoding="utf-8")
    assert "## p2.ethics_committee" in skeleton and "## p7" in skeleton


# --- names from the governance file stay inert ------------------------------------------------

HOSTILE = [
    '=HYPERLINK("https://evil.example","klik")',
    "[klik hier](https://evil.example)",
    "<script>alert(1)</script>",
]


def with_partners(data: AnnexData, names: list[str]) -> AnnexData:
    facts = data.tables["annex.governance_facts"].copy()
    key = "cooperation.new_partner_members"
    keep = facts[~((facts["year"] == YEAR) & facts["key_path"].str.startswith(key))]
    rows = [{"year": YEAR, "key_path": key, "value": len(names), "value_text": None}] + [
        {"year": YEAR, "key_path": f"{key}[{i}]", "value": None, "value_text": name}
        for i, name in enumerate(names)
    ]
    tables = {**data.tables, "annex.governance_facts": pd.concat([keep, pd.DataFrame(rows)])}
    return dataclasses.replace(data, tables=tables)


def test_governance_names_that_look_like_formulas_or_links_stay_text(data, tmp_path):
    hostile = with_partners(data, HOSTILE)
    result = render(hostile, tmp_path)
    principle_6 = body(result.markdown).split("## Principe 6")[1]
    assert "\\[klik hier\\](https\\://evil.example)" in principle_6
    assert "\\<script\\>alert(1)\\</script\\>" in principle_6
    assert "evil.example" in result.html
    assert 'href="https://evil.example' not in result.html and "<script>" not in result.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.html
    path = tmp_path / "annex.docx"
    write_docx(result.markdown, path, tmp_path, "nl", draft_template())
    words = " ".join(text for _, text in docx_paragraphs(path))
    for name in HOSTILE:
        assert name in words, name
    assert b"hyperlink" not in path.read_bytes()


def draft_template() -> Path:
    from pipelines.lib.outputs.word import DEFAULT_TEMPLATE

    return DEFAULT_TEMPLATE


def test_one_is_written_een_and_eén_at_a_sentence_start(data, tmp_path):
    figures = dict(data.figures)
    year = dict(figures[YEAR])
    year["p1.exclusions"] = dataclasses.replace(year["p1.exclusions"], value=1.0)
    year["p5.conferences"] = dataclasses.replace(year["p5.conferences"], value=1.0)
    figures[YEAR] = year
    result = render(dataclasses.replace(data, figures=figures), tmp_path)
    assert "Eén vennoot werd uitgesloten" in result.markdown
    assert "werd er één conferentie/debat georganiseerd" in result.markdown
    assert isinstance(year["p1.exclusions"], Figure)


def test_a_word_template_of_the_cooperative_is_used(data, tmp_path):
    own = docx.Document(str(draft_template()))
    own.styles["Heading 1"].font.name = "Georgia"
    own.add_paragraph("Voorbeeldtekst van de huisstijl")  # the template's text is not kept
    folder = tmp_path / "raw" / "narrative"
    folder.mkdir(parents=True)
    own.save(str(folder / "template.docx"))
    draft.write_drafts(data, tmp_path / "outputs", RUN, [YEAR], tmp_path / "raw", None)
    path = tmp_path / "outputs" / "2024" / "draft" / "annex-2024.nl.docx"
    document = docx.Document(str(path))
    assert document.styles["Heading 1"].font.name == "Georgia"
    assert all("Voorbeeldtekst" not in p.text for p in document.paragraphs)


# Words and codes that must never reach the annex's text (the appendix, which traces figures
# by id and source file, is the other engineer's and is checked there).
ENGLISH_OR_CODES = re.compile(
    r"\b(not available|not published|not given|provided|moderate|high|low|about|more_than|"
    r"working_conditions|social_protection|ordinary|true|false|None|nan|NULL|governance|"
    r"figure|survey)\b|\{\{|\}\}|p\d\.[a-z_]+"
)


def test_no_english_word_or_code_in_any_years_text(sample_build):
    for year in range(2016, YEAR + 1):
        for lang in ("nl", "fr"):
            text = body(annex_file(sample_build, lang, "md", year).read_text(encoding="utf-8"))
            prose = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # chart files are paths
            assert not ENGLISH_OR_CODES.findall(prose), (
                year,
                lang,
                ENGLISH_OR_CODES.findall(prose),
            )
            paragraphs = docx_paragraphs(annex_file(sample_build, lang, "docx", year))
            words = " ".join(t for _, t in paragraphs)
            words = re.split(r"\b(Bijlage: herkomst|Annexe\s?: origine)", words)[0]
            assert not ENGLISH_OR_CODES.findall(words), (year, lang)
