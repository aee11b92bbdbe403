"""The annex draft: per year, the figure-bearing parts of the annex in Dutch and French.

One Jinja template per language (`templates/annex.<lang>.md.j2`) holds the prose, organised by
ICA principle like the annex; every number in it comes from annex.figures through
`FigureText` (and so through the formatting module): the templates hold words, never figures.
A figure that is not published leaves its paragraph out with a note saying why.

Each draft is written as Markdown and as a self-contained HTML page (charts embedded as data
URIs, no external file), and ends with an appendix that traces every figure: its id, value and
source, the revisions of a closed year, the input files with their hashes, and the run.
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
)
from pipelines.lib.outputs.markdown import to_html
from pipelines.lib.outputs.templating import environment

# How the draft names the survey's themes (p2.survey.band.<theme>): NL after "over", FR after
# "à l'égard" (so with its "de").
THEMES: dict[str, dict[str, str]] = {
    "working_conditions": {"nl": "de arbeidsomstandigheden", "fr": "des conditions de travail"},
    "social_protection": {
        "nl": "de toegang tot sociale bescherming in geval van ziekte",
        "fr": "de l'accès à la protection sociale en cas de maladie",
    },
}


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
        """Why a figure is missing (its note), for the sentence that replaces the paragraph."""
        figure = self.data.figure(self.year, figure_id)
        return (figure.note if figure and figure.note else None) or {
            "nl": "niet gepubliceerd voor dit jaar",
            "fr": "non publié pour cette année",
        }[self.lang]

    def themes(self) -> list[tuple[str, str]]:
        """(theme in words, band in words) for every p2.survey.band.<theme> of the year."""
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
            fallback = theme.replace("_", " ")
            fallback = fallback if self.lang == "nl" else f"de {fallback}"
            words = THEMES.get(theme, {}).get(self.lang, fallback)
            out.append((words, band_word(figure.value_text, self.lang)))
        return out


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


def partner_names(data: AnnexData, year: int) -> list[str]:
    """The names of the year's new partner members, as the governance file lists them."""
    rows = data.year_rows("annex.governance_facts", year)
    if rows is None or not {"key_path", "value_text"} <= set(rows.columns):
        return []
    prefix = "cooperation.new_partner_members["
    items = rows[rows["key_path"].astype(str).str.startswith(prefix)]
    items = items.assign(
        index=items["key_path"].str.removeprefix(prefix).str.rstrip("]").astype(int)
    ).sort_values("index")
    return [str(name) for name in items["value_text"] if name is not None]


def listing(items: Sequence[str], lang: Lang) -> str:
    """'a, b en c' / 'a, b et c'."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + (" en " if lang == "nl" else " et ") + items[-1]


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


def render_draft(data: AnnexData, year: int, lang: Lang, outputs_dir: Path, run: RunInfo) -> Draft:
    draft_dir = outputs_dir / str(year) / "draft"
    text = FigureText(data, year, lang)
    charts = chart_refs(data, year, lang, outputs_dir, draft_dir)
    assembly = _ordinary_assembly(data, year)
    context = {
        "year": year,
        "lang": lang,
        "f": text,
        "charts": charts,
        "assembly_date": format_date(assembly, lang) if assembly else None,
        "partners": listing(partner_names(data, year), lang),
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
    body = to_html(markdown, image=lambda alt, src: _embed(alt, src, draft_dir, lang))
    page = env.get_template("page.html.j2").render(
        lang=lang,
        title=markdown.splitlines()[0].lstrip("# ").strip(),
        body=body,
    )
    return Draft(year, lang, markdown, page, text.used, dict(text.missing))


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
    note = {
        "nl": "Grafiek niet als afbeelding beschikbaar (geen browser voor de statische export); "
        "zie de interactieve versie naast dit ontwerp",
        "fr": "Graphique non disponible en image (pas de navigateur pour l'export statique) ; "
        "voir la version interactive à côté de ce projet",
    }[lang]
    return f'<p class="missing-chart">{html.escape(alt)}: {note} ({html.escape(src)}).</p>'


def write_drafts(
    data: AnnexData,
    outputs_dir: Path,
    run: RunInfo,
    years: Sequence[int] | None = None,
) -> list[Draft]:
    drafts = []
    for year in years if years is not None else data.years:
        folder = outputs_dir / str(year) / "draft"
        folder.mkdir(parents=True, exist_ok=True)
        for lang in LANGS:
            draft = render_draft(data, year, lang, outputs_dir, run)
            atomic.write_text(folder / f"annex-{year}.{lang}.md", draft.markdown)
            atomic.write_text(folder / f"annex-{year}.{lang}.html", draft.html)
            drafts.append(draft)
    return drafts


def draft_paths(outputs_dir: Path, year: int, lang: Lang) -> tuple[Path, Path]:
    folder = outputs_dir / str(year) / "draft"
    return folder / f"annex-{year}.{lang}.md", folder / f"annex-{year}.{lang}.html"
