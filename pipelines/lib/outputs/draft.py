"""The annex document: per year and language, the whole annex in the order of the NRC's model.

One Jinja template per language (`templates/annex.<lang>.md.j2`) holds the skeleton (title,
introduction, the seven principles and their subsections) and the sentences that carry a figure
or a governance fact; every number comes from annex.figures through `FigureText`, every fact
from annex.governance_facts through `Governance` (names escaped: they stay text in every
format), both formatted by the formatting module: the templates hold words, never figures. Each
section then carries the author's own text (`narrative.py`) or, when it has nothing at all, the
one marker of a text still to be written.

The Markdown is the document; thin renderers make the self-contained HTML page (charts embedded
as data URIs), the Word document and the PDF (`word.py`). It ends with an appendix that traces
every figure: its id, value and source, the revisions of a closed year, the input files with
their hashes, and the run.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.lib import atomic
from pipelines.lib.labels import label, words
from pipelines.lib.outputs import charts as chart_lib
from pipelines.lib.outputs.data import AnnexData, Figure, rows_up_to
from pipelines.lib.outputs.formatting import (
    LANGS,
    MISSING,
    ROUND_COUNTS,
    Lang,
    band_word,
    format_date,
    format_figure,
    format_number,
    format_percent,
    listing,
)
from pipelines.lib.outputs.inert import markdown_text
from pipelines.lib.outputs.markdown import to_html
from pipelines.lib.outputs.narrative import MARKER, Narrative, fill, read_narrative
from pipelines.lib.outputs.templating import environment

# How the draft names the survey's themes (p2.survey.band.<theme>): NL after "over", FR after
# "à l'égard" (so with its "de").
THEMES: dict[str, dict[str, str]] = words("theme_phrase")


@dataclass
class FigureText:
    """The figures of one year as the template writes them, in one language.

    Every lookup is recorded, so the appendix can say which figures the text uses and which
    were missing.
    """

    data: AnnexData
    year: int
    lang: Lang
    used: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)

    def get(self, figure_id: str) -> Figure | None:
        figure = self.data.figure(self.year, figure_id)
        if figure_id not in self.used:
            self.used.append(figure_id)
        if figure is None or not figure.available:
            self.missing[figure_id] = (
                figure.note if figure and figure.note else "not published for this year"
            )
            return None
        return figure

    def has(self, *figure_ids: str) -> bool:
        """True when every figure is published with a value for the year (the ones that are
        not are listed in the appendix, with the reason)."""
        return all([self.get(figure_id) is not None for figure_id in figure_ids])

    def v(self, figure_id: str) -> float | None:
        """The raw value, for the template's conditions (never printed as such)."""
        figure = self.get(figure_id)
        return figure.value if figure else None

    def n(self, figure_id: str) -> str:
        """The figure as the annex writes it: 41.702, 1.946,5, 2,0%, meer dan 300."""
        figure = self.get(figure_id)
        return figure.text(self.lang) if figure else MISSING[self.lang]

    def w(self, figure_id: str, feminine: bool = False) -> str:
        """Small counts as words ("zes", "deux"); others as n()."""
        figure = self.get(figure_id)
        if figure is None:
            return MISSING[self.lang]
        return figure.text(self.lang, words=True, feminine=feminine)

    def pct(self, figure_id: str, decimals: int = 1) -> str:
        figure = self.get(figure_id)
        return format_percent(figure.value, self.lang, decimals) if figure else MISSING[self.lang]

    def band(self, figure_id: str = "p2.survey.band") -> str:
        figure = self.get(figure_id)
        return band_word(figure.value_text, self.lang) if figure else MISSING[self.lang]

    def is_round(self, figure_id: str) -> bool:
        """True when the figure reads as a round count ("een tiental", "une dizaine")."""
        figure = self.data.figure(self.year, figure_id)
        return bool(
            figure
            and figure.qualifier == "about"
            and figure.value is not None
            and figure.value.is_integer()
            and int(figure.value) in ROUND_COUNTS
        )

    def why(self, figure_id: str) -> str:
        """Why a figure is missing, in the draft's language (`note_<lang>` of annex.figures
        when published), else empty: the sentence then only says it is not available."""
        column = f"note_{self.lang}"
        frame = self.data.table("annex.figures")
        if frame is None or column not in frame.columns:
            return ""
        rows = frame[(frame["year"] == self.year) & (frame["figure_id"] == figure_id)]
        notes = [str(note) for note in rows[column] if isinstance(note, str) and note.strip()]
        return notes[0] if notes else ""

    def themes_raw(self) -> list[tuple[str, str]]:
        """(theme in words, band code: low / moderate / high) for every theme of the year."""
        return [(words, band) for words, band, _ in self._themes()]

    def themes(self) -> list[tuple[str, str]]:
        """(theme in words, band in words) for every p2.survey.band.<theme> of the year."""
        return [(words, band_word(band, self.lang)) for words, band, _ in self._themes()]

    def _themes(self) -> list[tuple[str, str, str]]:
        bands = self.data.figures_like(self.year, "p2.survey.band.")
        known = list(THEMES)

        def order(item: tuple[str, Figure]) -> tuple[int, str]:
            theme = item[0].removeprefix("p2.survey.band.")
            return (known.index(theme) if theme in known else len(known), theme)

        out = []
        for figure_id, figure in sorted(bands.items(), key=order):
            if not figure.available:
                continue
            self.used.append(figure_id)
            theme = figure_id.removeprefix("p2.survey.band.")
            if theme not in THEMES:  # no words for it in the annex's languages: the chart shows it
                continue
            words = THEMES[theme][self.lang]
            out.append((words, str(figure.value_text), figure_id))
        return out


MONTHS: dict[str, tuple[str, ...]] = {
    lang: tuple(texts[lang] for texts in words("month").values()) for lang in ("nl", "fr")
}

# The survey's band before a noun, as the annex writes it ("een middelmatige tevredenheid",
# "une satisfaction moyenne").
BAND_ATTRIBUTIVE: dict[str, dict[str, str]] = {
    lang: {band: texts[lang] for band, texts in words("band_attributive").items()}
    for lang in ("nl", "fr")
}


def long_date(value: dt.date | None, lang: Lang) -> str:
    """14 november 2024 / 14 novembre 2024 (1er novembre in French)."""
    if value is None:
        return MISSING[lang]
    day = "1er" if lang == "fr" and value.day == 1 else str(value.day)
    return f"{day} {MONTHS[lang][value.month - 1]} {value.year}"


def month_year(value: dt.date | None, lang: Lang) -> str:
    """maart 2024 / mars 2024."""
    return MISSING[lang] if value is None else f"{MONTHS[lang][value.month - 1]} {value.year}"


@dataclass
class Governance:
    """The year's governance facts (annex.governance_facts) as the text writes them.

    Texts from the file (names) come out escaped for Markdown: they stay inert in every format.
    """

    facts: dict[str, tuple[float | None, str | None, str | None]]
    lang: Lang

    @classmethod
    def of(cls, data: AnnexData, year: int, lang: Lang) -> Governance:
        rows = data.year_rows("annex.governance_facts", year)
        facts: dict[str, tuple[float | None, str | None, str | None]] = {}
        if rows is not None and "key_path" in rows.columns:
            for row in _frame_rows(rows):
                value = row.get("value")
                facts[str(row["key_path"])] = (
                    None if value is None else float(value),
                    row.get("value_text"),
                    row.get("qualifier"),
                )
        return cls(facts, lang)

    def has(self, *keys: str) -> bool:
        return all(key in self.facts for key in keys)

    def v(self, key: str) -> float | None:
        return self.facts[key][0] if key in self.facts else None

    def n(self, key: str, words: bool = False, feminine: bool = False) -> str:
        """A count as the annex writes it: 4, een twintigtal, ongeveer 70 (small ones in words
        with `words`)."""
        if key not in self.facts:
            return MISSING[self.lang]
        value, text, qualifier = self.facts[key]
        return format_figure(
            value, text, qualifier, None, self.lang, words=words, feminine=feminine
        )

    def w(self, key: str, feminine: bool = False) -> str:
        return self.n(key, words=True, feminine=feminine)

    def whole(self, key: str) -> str:
        """A year or an article number as written (2016, not 2.016)."""
        value = self.v(key)
        return MISSING[self.lang] if value is None else str(int(value))

    def one(self, key: str) -> bool:
        """True for exactly one (a singular noun), not for "about 1"."""
        value, _text, qualifier = self.facts.get(key, (None, None, None))
        return value == 1 and not qualifier

    def text(self, key: str) -> str:
        """A text fact, escaped (a name as the secretariat wrote it)."""
        text = self.facts.get(key, (None, None, None))[1]
        return markdown_text(text) if text is not None else MISSING[self.lang]

    def flag(self, key: str) -> bool | None:
        text = self.facts.get(key, (None, None, None))[1]
        return None if text is None else text == "true"

    def date(self, key: str) -> dt.date | None:
        text = self.facts.get(key, (None, None, None))[1]
        return dt.date.fromisoformat(text) if text else None

    def items(self, key: str) -> list[str]:
        """The items of a list fact (`cooperation.networks`), escaped."""
        count = self.v(key)
        return [self.text(f"{key}[{i}]") for i in range(int(count or 0))]

    def listing(self, key: str) -> str:
        return listing(self.items(key), self.lang)

    def events(self) -> list[dict[str, str | float | None]]:
        """education.events: name, participants and workshops of each, as the text writes."""
        out = []
        for i in range(int(self.v("education.events") or 0)):
            key = f"education.events[{i}]"
            out.append(
                {
                    "name": self.text(f"{key}.name"),
                    "participants": self.n(f"{key}.participants")
                    if self.has(f"{key}.participants")
                    else None,
                    "participants_value": self.v(f"{key}.participants"),
                    "workshops": self.w(f"{key}.workshops", feminine=False)
                    if self.has(f"{key}.workshops")
                    else None,
                    "workshops_value": self.v(f"{key}.workshops"),
                }
            )
        return out

    def ordinary_assembly(self) -> str | None:
        """The key of the ordinary general assembly (`general_assemblies[0]`), if listed."""
        for i in range(int(self.v("general_assemblies") or 0)):
            key = f"general_assemblies[{i}]"
            if self.facts.get(f"{key}.kind", (None, None, None))[1] == "ordinary":
                return key
        return None

    def resolve(self, path: str) -> str | None:
        """A fact for a reference of the author's text (`cooperative.name`), or None when the
        governance file has no such key."""
        if path not in self.facts:
            return None
        value, text, _qualifier = self.facts[path]
        if f"{path}[0]" in self.facts or (value == 0 and text is None and self._is_list(path)):
            return self.listing(path)
        if text in ("true", "false") and value is None:
            return label(f"yes_no.{text}", self.lang)
        if text is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return long_date(dt.date.fromisoformat(text), self.lang)
        return self.n(path) if text is None else self.text(path)

    def _is_list(self, path: str) -> bool:
        return path in ("cooperation.new_partner_members", "cooperation.networks")


@dataclass
class RunInfo:
    run_id: str | None
    built_at: dt.datetime


def _ordinary_assembly(data: AnnexData, year: int) -> dt.date | None:
    rows = data.year_rows("annex.general_assemblies", year)
    if rows is None or rows.empty or "is_ordinary" not in rows.columns:
        return None
    ordinary = rows[rows["is_ordinary"].fillna(False).astype(bool)]
    if ordinary.empty:
        return None
    value = ordinary.iloc[0]["assembly_date"]
    return pd.Timestamp(value).date() if value is not None else None


PARTNERS = "cooperation.new_partner_members"


def _frame_rows(frame: pd.DataFrame | None, year: int | None = None) -> list[dict]:
    if frame is None:
        return []
    if year is not None and "year" in frame.columns:
        frame = frame[frame["year"] == year]
    records = frame.to_dict("records")
    return [
        {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in r.items()}
        for r in records
    ]


def _frozen_at(data: AnnexData, year: int) -> str | None:
    frame = data.table("annex.frozen_figures")
    if frame is None or "year" not in frame.columns:
        return None
    rows = frame[frame["year"] == year]
    if rows.empty:
        return None
    value = rows.iloc[0].get("frozen_at")
    return _timestamp(value)


def _timestamp(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(dt.datetime.now().astimezone().tzinfo)
    return stamp.strftime("%d/%m/%Y %H:%M")


@dataclass
class ChartRef:
    name: str
    title: str
    src: str | None  # relative to the draft folder: SVG, else PNG, else HTML


def chart_refs(
    data: AnnexData, year: int, lang: Lang, outputs_dir: Path, draft_dir: Path
) -> dict[str, ChartRef]:
    """The charts of this year and language that exist on disk, by name."""
    refs = {}
    folder = chart_lib.chart_dir(outputs_dir, year)
    for name in chart_lib.CHARTS:
        stem = f"{name}_{year}.{lang}"
        for ext in ("svg", "png", "html"):
            path = folder / f"{stem}.{ext}"
            if path.exists():
                refs[name] = ChartRef(name, stem, os.path.relpath(path, draft_dir))
                break
    return refs


def appendix_rows(data: AnnexData, year: int, lang: Lang) -> list[dict[str, str]]:
    rows = []
    for figure_id, figure in sorted(data.figures.get(year, {}).items()):
        if figure.value is not None:
            raw = str(int(figure.value)) if figure.value.is_integer() else repr(figure.value)
        else:
            raw = figure.value_text if figure.value_text is not None else "NULL"
        rows.append(
            {
                "id": figure_id,
                "label": figure.label(lang),
                "text": format_figure(
                    figure.value, figure.value_text, figure.qualifier, figure.unit, lang
                ),
                "raw": raw + (f" ({figure.qualifier})" if figure.qualifier else ""),
                "source": figure.source or "",
                "note": figure.note or "",
            }
        )
    return rows


def revision_rows(data: AnnexData, year: int, lang: Lang) -> list[dict[str, str]]:
    rows = []
    for row in _frame_rows(data.table("annex.figure_revisions"), year):
        unit = data.figure(year, row["figure_id"])
        unit_name = unit.unit if unit else None

        def shown(value: object, text: object, unit_name: str | None = unit_name) -> str:
            if value is None and text is None:
                return MISSING[lang]
            return format_figure(
                None if value is None else float(value),
                None if text is None else str(text),
                None,
                unit_name,
                lang,
            )

        rows.append(
            {
                "id": row["figure_id"],
                "frozen": shown(row.get("frozen_value"), row.get("frozen_value_text")),
                "computed": shown(row.get("computed_value"), row.get("computed_value_text")),
                "frozen_at": _timestamp(row.get("frozen_at")) or "",
            }
        )
    return rows


def input_rows(data: AnnexData, year: int, lang: Lang) -> list[dict[str, object]]:
    """The files read for the figures of `year` and earlier years: the register's snapshot and
    the yearly files up to `year` (a later year's file changes nothing in this draft)."""
    files = data.table("quality.ingest_files")
    rows = []
    for row in _frame_rows(None if files is None else rows_up_to(files, year)):
        rows.append(
            {
                "file": row.get("source_file"),
                "export": row.get("export"),
                "sha256": row.get("file_sha256"),
                "read": format_number(row.get("rows_read"), lang)
                if row.get("rows_read") is not None
                else "",
                "quarantined": row.get("rows_quarantined"),
            }
        )
    return rows


@dataclass
class Draft:
    year: int
    lang: Lang
    markdown: str
    html: str
    used: list[str]
    missing: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def survey_month(data: AnnexData, year: int) -> dt.date | None:
    """The survey of the year's reference month, from its id (`2024-03_...`)."""
    rows = data.year_rows("annex.survey_responses", year)
    if rows is None or rows.empty or "survey_id" not in rows.columns:
        return None
    if "is_survey_of_year" in rows.columns:
        rows = rows[rows["is_survey_of_year"].fillna(False).astype(bool)]
    for survey_id in rows["survey_id"]:
        match = re.match(r"^(\d{4})-(\d{2})", str(survey_id))
        if match and 1 <= int(match[2]) <= 12:
            return dt.date(int(match[1]), int(match[2]), 1)
    return None


def figure_ids(data: AnnexData, year: int) -> set[str]:
    """The ids a reference may name: the year's figures and the catalog's."""
    ids = set(data.figures.get(year, {}))
    catalog = data.table("annex.figure_catalog")
    if catalog is not None and "figure_id" in catalog.columns:
        ids |= {str(figure_id) for figure_id in catalog["figure_id"]}
    return ids


def narrative_sections(
    narrative: Narrative | None, text: FigureText, governance: Governance
) -> dict[str, str]:
    """Each section's text of the author's file, its references filled in (NarrativeError
    naming the file and line for an unknown one)."""
    if narrative is None:
        return {}
    known = figure_ids(text.data, text.year)

    def resolve(reference: str) -> str | None:
        if reference == "year":
            return str(text.year)
        if reference.startswith("governance."):
            return governance.resolve(reference.removeprefix("governance."))
        if reference not in known:
            return None
        return text.n(reference)  # a NULL figure: the "not available" marker, listed

    sections = {}
    for section in narrative.sections:
        filled = fill(narrative, section, resolve)
        if filled is not None:
            sections[section] = filled
    return sections


def render_draft(
    data: AnnexData,
    year: int,
    lang: Lang,
    outputs_dir: Path,
    run: RunInfo,
    raw_dir: Path | None = None,
) -> Draft:
    draft_dir = outputs_dir / str(year) / "draft"
    text = FigureText(data, year, lang)
    governance = Governance.of(data, year, lang)
    narrative = read_narrative(raw_dir, year, lang) if raw_dir is not None else None
    charts = chart_refs(data, year, lang, outputs_dir, draft_dir)
    assembly = _ordinary_assembly(data, year)
    workers = governance.date("participation.workers_assembly.date")
    survey = survey_month(data, year)
    context = {
        "year": year,
        "lang": lang,
        "f": text,
        "g": governance,
        "name": governance.text("cooperative.name") if governance.has("cooperative.name") else None,
        "narr": narrative_sections(narrative, text, governance),
        "marker": MARKER[lang],
        "charts": charts,
        "assembly_date": format_date(assembly, lang) if assembly else None,
        "assembly_month": month_year(assembly, lang) if assembly else None,
        "ordinary": governance.ordinary_assembly(),
        "workers_date": long_date(workers, lang) if workers else None,
        "survey_month": month_year(survey, lang) if survey else None,
        "band_before_noun": BAND_ATTRIBUTIVE[lang],
        "partners": governance.listing(PARTNERS),
        "networks": governance.listing("cooperation.networks"),
        "frozen_at": _frozen_at(data, year),
        "revisions": revision_rows(data, year, lang),
        "figures": appendix_rows(data, year, lang),
        "inputs": input_rows(data, year, lang),
        "publication": data.publication.name,
        "published_at": data.published_at.strftime("%d/%m/%Y %H:%M"),
        "run_id": run.run_id or "—",
        "built_at": run.built_at.strftime("%d/%m/%Y %H:%M"),
    }
    env = environment()
    markdown = env.get_template(f"annex.{lang}.md.j2").render(**context)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
    if lang == "fr":
        markdown = french_spacing(markdown)
    body = to_html(markdown, image=lambda alt, src: _embed(alt, src, draft_dir, lang))
    page = env.get_template("page.html.j2").render(
        lang=lang,
        title=markdown.splitlines()[0].lstrip("# ").strip(),
        body=body,
    )
    warnings = narrative.warnings if narrative else []
    return Draft(year, lang, markdown, page, text.used, dict(text.missing), list(warnings))


def french_spacing(text: str) -> str:
    """French typography: a no-break space before : ; ! ? and inside « », so that the mark
    never starts a line (narrow for ; ! ?, as the Imprimerie nationale writes them)."""
    text = re.sub(r"(?<=\S) :(?=\s|$)", "\u00a0:", text, flags=re.M)
    text = re.sub(r"(?<=\S) ([;!?])(?=\s|$)", "\u202f\\1", text, flags=re.M)
    return text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def _embed(alt: str, src: str, draft_dir: Path, lang: Lang) -> str:
    """A chart inside the page itself: SVG or PNG as a data URI; HTML only as a note."""
    path = (draft_dir / src).resolve()
    mime = {".svg": "image/svg+xml", ".png": "image/png"}.get(path.suffix)
    if mime and path.exists():
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return (
            f'<img src="data:{mime};base64,{encoded}" alt="{html.escape(alt)}">'
            f"<figcaption>{html.escape(alt)}</figcaption>"
        )
    note = label("draft.no_image", lang)
    return f'<p class="missing-chart">{html.escape(alt)}: {note} ({html.escape(src)}).</p>'


def write_drafts(
    data: AnnexData,
    outputs_dir: Path,
    run: RunInfo,
    years: Sequence[int] | None = None,
    raw_dir: Path | None = None,
    browser: str | None = None,
) -> list[Draft]:
    """Each year's annex in both languages: Markdown, HTML and Word; and the PDF of the last
    published year (the annex being filed) when a `browser` can print it."""
    from pipelines.lib.outputs.word import template_path, write_docx, write_pdf

    template = template_path(raw_dir)
    drafts = []
    last = max(data.years, default=None)
    for year in years if years is not None else data.years:
        folder = outputs_dir / str(year) / "draft"
        folder.mkdir(parents=True, exist_ok=True)
        for lang in LANGS:
            draft = render_draft(data, year, lang, outputs_dir, run, raw_dir)
            markdown, page, word, pdf = draft_paths(outputs_dir, year, lang)
            atomic.write_text(markdown, draft.markdown)
            atomic.write_text(page, draft.html)
            write_docx(draft.markdown, word, folder, lang, template)
            draft.files = [markdown, page, word]
            if browser is not None and year == last:
                draft.files.append(write_pdf(page, pdf, browser))
            else:
                pdf.unlink(missing_ok=True)  # an earlier build's, no longer the year filed
            drafts.append(draft)
    return drafts


def draft_paths(outputs_dir: Path, year: int, lang: Lang) -> tuple[Path, Path, Path, Path]:
    """The Markdown, HTML, Word and PDF files of a year's annex in `lang`."""
    folder = outputs_dir / str(year) / "draft"
    stem = f"annex-{year}.{lang}"
    return (
        folder / f"{stem}.md",
        folder / f"{stem}.html",
        folder / f"{stem}.docx",
        folder / f"{stem}.pdf",
    )
