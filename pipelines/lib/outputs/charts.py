"""The annex's charts, in Dutch and French, as interactive HTML and print-ready SVG and PNG.

Every chart is built from the publication snapshot (`AnnexData`), mostly from annex.figures by
figure id, so that a closed year's charts show its frozen figures. A chart whose figures or
section table are not published is skipped with a note, never drawn empty.

Static export goes through kaleido 1.x, which drives a Chromium-family browser. Starting that
browser costs seconds, so every SVG and PNG of every year is exported in one browser session,
and files whose figure did not change since the last build are not exported again (a content
hash per file in `outputs/.static-cache.json`). A build likely to export some opens that
session as it starts (`prewarm`). Without a browser the static files are skipped with one
warning; the HTML files are always written.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import importlib.metadata
import json
import math
import os
import shutil
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly
import plotly.graph_objects as go

from pipelines.lib import atomic
from pipelines.lib.atomic import atomic_path
from pipelines.lib.outputs.data import AnnexData
from pipelines.lib.outputs.formatting import (
    LANGS,
    NOT_PUBLISHED,
    PERCENT_SUFFIX,
    Lang,
    format_number,
    format_percent,
    plotly_separators,
)
from pipelines.lib.outputs.inert import html_text
from pipelines.lib.outputs.labels import (  # noqa: F401 - the charts' words, kept importable here
    AUDIENCES,
    EXIT_REASONS,
    GENDERS,
    LIKERT_LABELS,
    TRAINING_TYPES,
)
from pipelines.lib.reuse import FileLedger

STATIC_FORMATS = ("svg", "png")
WIDTH, HEIGHT = 1000, 560
PNG_SCALE = 2  # 2000 x 1120 px: about 300 dpi over the width of an A4 text column
FONT = "Liberation Sans, Arial, DejaVu Sans, sans-serif"
COLORS = {
    "up": "#2a9d8f",
    "down": "#e76f51",
    "total": "#264653",
    "bar": "#287c8e",
    "line1": "#2a9d8f",
    "line2": "#e76f51",
}
# Diverging palette for A1 (very dissatisfied) ... A5 (very satisfied).
LIKERT_COLORS = ("#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac")
STATIC_VAR = "ANNEX_STATIC_CHARTS"  # "off": HTML charts only (no browser started)
BROWSER_VAR = "BROWSER_PATH"  # the browser kaleido/choreographer use, e.g. /usr/bin/chromium
RELOAD_EVERY = 40  # renders between two reloads of the export page
# Tabs rendering at once: on this 2-core machine two tabs render the sample's 192 files in
# ~9-12 s instead of ~16 s with one; more tabs only add start-up time.
STATIC_TABS = 2

T: dict[str, dict[str, str]] = {
    "source": {"nl": "Bron", "fr": "Source"},
    "flow_title": {"nl": "Ledenstroom {year}", "fr": "Flux de coopérateurs {year}"},
    "start": {"nl": "1 januari", "fr": "1er janvier"},
    "end": {"nl": "31 december", "fr": "31 décembre"},
    "joins": {"nl": "Nieuwe vennoten", "fr": "Nouveaux coopérateurs"},
    "exits": {"nl": "Uittredingen", "fr": "Sorties"},
    "members": {"nl": "Vennoten", "fr": "Coopérateurs"},
    "category_title": {
        "nl": "Vennoten per categorie op 31 december {year}",
        "fr": "Coopérateurs par catégorie au 31 décembre {year}",
    },
    "category": {"nl": "Categorie {c}", "fr": "Catégorie {c}"},
    "history_title": {
        "nl": "Aantal vennoten op 31 december, {first}–{year}",
        "fr": "Nombre de coopérateurs au 31 décembre, {first}–{year}",
    },
    "members_end": {"nl": "Vennoten op 31 december", "fr": "Coopérateurs au 31 décembre"},
    "new_members": {"nl": "Nieuwe vennoten", "fr": "Nouveaux coopérateurs"},
    "exits_line": {"nl": "Uittredingen", "fr": "Sorties"},
    "flows_axis": {"nl": "Instroom en uitstroom", "fr": "Entrées et sorties"},
    "turnout_title": {
        "nl": "Opkomst op de gewone algemene vergadering, {first}–{year}",
        "fr": "Participation à l'assemblée générale ordinaire, {first}–{year}",
    },
    "turnout": {"nl": "Opkomst", "fr": "Participation"},
    "voters": {"nl": "stemmers", "fr": "votants"},
    "survey_title": {
        "nl": "Ledenenquête {year}: antwoorden per vraag",
        "fr": "Enquête auprès des coopérateurs {year} : réponses par question",
    },
    "share_answers": {"nl": "Aandeel van de antwoorden", "fr": "Part des réponses"},
    "likert_note": {
        "nl": "antwoorden van zeer ontevreden tot zeer tevreden; ‘weet niet’ niet meegeteld",
        "fr": "réponses de très insatisfait à très satisfait ; « ne sait pas » non compté",
    },
    "gap": {"nl": "Geen cijfer voor {years}", "fr": "Pas de chiffre pour {years}"},
    "training_title": {
        "nl": "Opleidingsuren van de ondersteunende teams {year}",
        "fr": "Heures de formation des équipes d'appui {year}",
    },
    "by_type": {"nl": "Per type", "fr": "Par type"},
    "by_gender": {"nl": "Per gender", "fr": "Par genre"},
    "hours": {"nl": "Uren", "fr": "Heures"},
    "suppressed": {
        "nl": "minder dan 10 personen",
        "fr": "moins de 10 personnes",
    },
    "courses_title": {
        "nl": "Opleidingen voor vennoten en publiek {year}, per doelgroep",
        "fr": "Formations pour les coopérateurs et le public {year}, par public cible",
    },
    "sessions": {"nl": "Opleidingen", "fr": "Formations"},
    "participants": {"nl": "Deelnemers", "fr": "Participants"},
}


def t(key: str, lang: Lang, **values: object) -> str:
    return T[key][lang].format(**values)


class Skip(Exception):
    """A chart that cannot be drawn for a year, and why (e.g. its table is not published)."""


@dataclass
class Chart:
    name: str
    year: int
    lang: Lang
    title: str
    figure: go.Figure

    @property
    def stem(self) -> str:
        return f"{self.name}_{self.year}.{self.lang}"


ChartBuilder = Callable[[AnnexData, int, Lang], Chart]


AXIS_DEFAULTS: dict[str, Any] = {
    "separatethousands": True,  # 5.000 rather than 5000 (separators from layout.separators)
    "exponentformat": "none",  # 42.000, not 42k
    "gridcolor": "#e5e9ee",
    "zerolinecolor": "#c9d1d9",
    "automargin": True,
}


def _figure(
    traces: list[dict[str, Any]],
    layout: dict[str, Any],
    *,
    title: str,
    lang: Lang,
    source: str,
) -> go.Figure:
    """One figure from plain dicts, with the common look: title and the source under it,
    Belgian separators, print size, light grid. (Building with dicts is ~10x faster than
    successive update_* calls. plotly's validation is skipped: it costs ~5 ms a chart, ~0.5 s a
    build; the tests check that every chart is what validation would have made of it.)"""
    base: dict[str, Any] = {
        "title": {
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
            "font": {"size": 20},
            "subtitle": {
                "text": f"{t('source', lang)}{_colon(lang)}{source}",
                "font": {"size": 12, "color": "#666"},
            },
        },
        # plotly.js defaults, as the named template "none" resolves to (a named template costs
        # ~70 ms a chart)
        "template": {"data": {"scatter": [{"type": "scatter"}]}},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": FONT, "size": 14, "color": "#222"},
        "separators": plotly_separators(lang),
        "width": WIDTH,
        "height": HEIGHT,
        "margin": {"l": 90, "r": 40, "t": 100, "b": 70},
        "showlegend": False,
    }
    base.update(layout)
    for axis in ("xaxis", "yaxis"):
        base.setdefault(axis, {})
    for axis in [k for k in base if k.startswith(("xaxis", "yaxis"))]:
        # grid lines across the values only: none along categories or years
        base[axis] = AXIS_DEFAULTS | {"showgrid": axis.startswith("yaxis")} | base[axis]
    return go.Figure(data=traces, layout=base, _validate=False)


def _need(data: AnnexData, year: int, *figure_ids: str) -> list[float]:
    values = []
    for figure_id in figure_ids:
        value = data.value(year, figure_id)
        if value is None:
            raise Skip(f"{figure_id} is not published for {year}")
        values.append(value)
    return values


def _signed(value: float, lang: Lang) -> str:
    return ("+" if value >= 0 else "−") + format_number(abs(value), lang)


def _years_axis(years: Sequence[int]) -> dict[str, Any]:
    return {"tickmode": "array", "tickvals": list(years), "ticktext": [str(y) for y in years]}


def _series_years(data: AnnexData, year: int, figure_id: str) -> list[int]:
    """The years a history chart of `year` covers: from the first year `figure_id` is published
    to `year`, every year in between, those without the figure included (shown as gaps)."""
    published = [y for y in data.years if y <= year and data.value(y, figure_id) is not None]
    if not published:
        return []
    return [y for y in data.years if published[0] <= y <= year]


def _gaps(
    data: AnnexData, years: Sequence[int], figure_id: str, lang: Lang
) -> tuple[list[dict[str, Any]], int]:
    """Annotations for the years of a series without `figure_id`: the marker in each gap and,
    under the chart, why (the figure's note, years with the same reason together); and the
    bottom margin they need."""
    reasons: dict[str, list[int]] = {}
    marks: list[dict[str, Any]] = []
    for y in years:
        figure = data.figure(y, figure_id)
        if figure is not None and figure.available:
            continue
        reason = (figure.note_in(lang) if figure else None) or NOT_PUBLISHED[lang]
        reasons.setdefault(reason, []).append(y)
        marks.append(
            {
                "text": NOT_PUBLISHED[lang],
                "x": y,
                "y": 0,
                "xref": "x",
                "yref": "y",
                "yanchor": "bottom",
                "textangle": -90,
                "showarrow": False,
                "font": {"size": 12, "color": "#666"},
            }
        )
    if not reasons:
        return [], 0
    lines = []
    for reason, gap_years in reasons.items():
        listed = _and([str(y) for y in gap_years], lang)
        lines.append(f"{t('gap', lang, years=listed)}{_colon(lang)}{html_text(reason)}")
    footnote = {
        "text": "<br>".join(lines),
        "x": 0,
        "y": -0.1,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "left",
        "yanchor": "top",
        "align": "left",
        "showarrow": False,
        "font": {"size": 12, "color": "#444"},
    }
    return [*marks, footnote], 70 + 18 * len(lines)


def _gap_layout(gaps: list[dict[str, Any]], margin: int) -> dict[str, Any]:
    """The layout a series' gaps add (nothing when it has none)."""
    if not gaps:
        return {}
    return {"annotations": gaps, "margin": {"l": 90, "r": 40, "t": 100, "b": margin}}


def _colon(lang: Lang) -> str:
    """A colon as each language writes it (French puts a space before it)."""
    return " : " if lang == "fr" else ": "


def _and(items: Sequence[str], lang: Lang) -> str:
    """'2021', '2023' -> '2021 en 2023' / '2021 et 2023'."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + (" en " if lang == "nl" else " et ") + items[-1]


def _legend_top() -> dict[str, Any]:
    return {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}


def membership_flow(data: AnnexData, year: int, lang: Lang) -> Chart:
    """Waterfall: members on 1 January, joins, exits by reason, members on 31 December."""
    start, joins, end = _need(data, year, "p1.members_start", "p1.new_members", "p1.members_end")
    exits = []
    for reason, labels in EXIT_REASONS.items():
        value = data.value(year, f"p1.exits.{reason}")
        if value:
            exits.append((labels[lang], value))
    if not exits:
        exits = [(t("exits", lang), data.value(year, "p1.exits") or 0.0)]
    trace = {
        "type": "waterfall",
        "x": [
            _wrap(label, 12)
            for label in (
                t("start", lang),
                t("joins", lang),
                *(x for x, _ in exits),
                t("end", lang),
            )
        ],
        "y": [start, joins, *(-value for _, value in exits), end],
        "measure": ["absolute", "relative", *(["relative"] * len(exits)), "total"],
        "text": [
            format_number(start, lang),
            _signed(joins, lang),
            *(_signed(-value, lang) for _, value in exits),
            format_number(end, lang),
        ],
        "textposition": "outside",
        "constraintext": "none",
        "cliponaxis": False,
        "connector": {"line": {"color": "#999", "width": 1}},
        "increasing": {"marker": {"color": COLORS["up"]}},
        "decreasing": {"marker": {"color": COLORS["down"]}},
        "totals": {"marker": {"color": COLORS["total"]}},
        "hovertemplate": "%{x}: %{text}<extra></extra>",
    }
    # The axis starts near the smaller of the two totals, so that the flows stay visible.
    low = min(start, end) - max(joins, sum(v for _, v in exits)) * 1.3
    title = t("flow_title", lang, year=year)
    fig = _figure(
        [trace],
        {
            "yaxis": {
                "title": {"text": t("members", lang)},
                "range": [max(0.0, low), max(start + joins, end) * 1.04],
            },
            "xaxis": {"tickangle": 0},
        },
        title=title,
        lang=lang,
        source="annex.figures (p1.*)",
    )
    return Chart("membership_flow", year, lang, title, fig)


def members_by_category(data: AnnexData, year: int, lang: Lang) -> Chart:
    """Horizontal bars: members of category A, B and C on 31 December."""
    values = _need(data, year, "p1.members_end.A", "p1.members_end.B", "p1.members_end.C")
    total = sum(values) or 1.0
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": values,
        "y": [t("category", lang, c=c) for c in "ABC"],
        "text": [f"{format_number(v, lang)} ({format_percent(v / total, lang)})" for v in values],
        "textposition": "outside",
        "constraintext": "none",
        "cliponaxis": False,
        "marker": {"color": COLORS["bar"]},
        "hovertemplate": "%{y}: %{text}<extra></extra>",
    }
    title = t("category_title", lang, year=year)
    fig = _figure(
        [trace],
        {
            "yaxis": {"autorange": "reversed", "ticksuffix": "  ", "showgrid": False},
            "xaxis": {
                "title": {"text": t("members", lang)},
                "range": [0, max(values) * 1.3 or 1],
                "showgrid": True,
            },
        },
        title=title,
        lang=lang,
        source="annex.figures (p1.members_end.A/B/C)",
    )
    return Chart("members_by_category", year, lang, title, fig)


def membership_history(data: AnnexData, year: int, lang: Lang) -> Chart:
    """Members on 31 December every year up to `year`, with joins and exits (right axis)."""
    years = _series_years(data, year, "p1.members_end")
    if not years:
        raise Skip(f"p1.members_end is not published for any year up to {year}")
    end = [data.value(y, "p1.members_end") for y in years]
    gaps, gap_margin = _gaps(data, years, "p1.members_end", lang)
    joins = [data.value(y, "p1.new_members") for y in years]
    exits = [data.value(y, "p1.exits") for y in years]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": years,
            "y": end,
            "name": t("members_end", lang),
            "marker": {"color": COLORS["bar"]},
            "text": ["" if v is None else format_number(v, lang) for v in end],
            "textposition": "outside",
            "constraintext": "none",
            "cliponaxis": False,
            "hovertemplate": "%{x}: %{text}<extra></extra>",
        }
    ]
    for values, key, color in ((joins, "new_members", "line1"), (exits, "exits_line", "line2")):
        traces.append(
            {
                "type": "scatter",
                "x": years,
                "y": values,
                "yaxis": "y2",
                "name": t(key, lang),
                "mode": "lines+markers",
                "line": {"color": COLORS[color], "width": 3},
                "customdata": [
                    NOT_PUBLISHED[lang] if v is None else format_number(v, lang) for v in values
                ],
                "hovertemplate": "%{x}: %{customdata}<extra>" + t(key, lang) + "</extra>",
            }
        )
    title = t("history_title", lang, first=years[0], year=year)
    fig = _figure(
        traces,
        {
            "xaxis": _years_axis(years),
            "yaxis": {
                "title": {"text": t("members_end", lang)},
                "range": [0, max(v or 0 for v in end) * 1.15 or 1],
            },
            "yaxis2": {
                "title": {"text": t("flows_axis", lang)},
                "range": [0, max(v or 0 for v in joins + exits) * 1.15 or 1],
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "tickmode": "auto",
            },
            "showlegend": True,
            "legend": _legend_top(),
            **_gap_layout(gaps, gap_margin),
        },
        title=title,
        lang=lang,
        source="annex.figures (p1.members_end, p1.new_members, p1.exits)",
    )
    return Chart("membership_history", year, lang, title, fig)


def assembly_turnout(data: AnnexData, year: int, lang: Lang) -> Chart:
    """Turnout of the ordinary general assembly, every year up to `year`."""
    if data.value(year, "p2.ga_turnout") is None:
        raise Skip(f"p2.ga_turnout is not published for {year}")
    years = _series_years(data, year, "p2.ga_turnout")
    turnout = [data.value(y, "p2.ga_turnout") for y in years]
    voters = [data.value(y, "p2.ga_voters") for y in years]
    gaps, gap_margin = _gaps(data, years, "p2.ga_turnout", lang)
    trace = {
        "type": "bar",
        "x": years,
        "y": [None if share is None else share * 100 for share in turnout],
        "text": [
            ""
            if share is None
            else f"{format_percent(share, lang)}<br>{format_number(n, lang)} {t('voters', lang)}"
            for share, n in zip(turnout, voters, strict=True)
        ],
        "textposition": "outside",
        "constraintext": "none",
        "cliponaxis": False,
        "marker": {"color": COLORS["bar"]},
        "hovertemplate": "%{x}: %{text}<extra></extra>",
    }
    title = t("turnout_title", lang, first=years[0], year=year)
    fig = _figure(
        [trace],
        {
            "xaxis": _years_axis(years),
            "yaxis": {
                "title": {"text": t("turnout", lang)},
                "tickformat": ".1f",
                "ticksuffix": PERCENT_SUFFIX[lang],
                "range": [0, max(v for v in turnout if v is not None) * 100 * 1.25 or 1],
            },
            **_gap_layout(gaps, gap_margin),
        },
        title=title,
        lang=lang,
        source="annex.figures (p2.ga_turnout, p2.ga_voters)",
    )
    return Chart("assembly_turnout", year, lang, title, fig)


def _wrap(text: str, width: int) -> str:
    """Break a long label over lines (<br>) at spaces."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def survey_answers(data: AnnexData, year: int, lang: Lang) -> Chart:
    """Diverging stacked bars: per likert question of the year's survey, the share of each
    answer A1 ... A5 (A6, don't know, left out), dissatisfied to the left, satisfied right."""
    table = "annex.survey_distribution"
    if not data.has_columns(table, "is_survey_of_year", "question_type", f"text_{lang}",
                            "answer_code", "answers", "question_column"):  # fmt: skip
        raise Skip(f"{table} is not published (or lacks its columns)")
    rows = data.year_rows(table, year)
    rows = rows[
        rows["is_survey_of_year"].fillna(False).astype(bool) & (rows["question_type"] == "likert5")
    ]
    if rows.empty:
        raise Skip(f"no survey of {year} in {table}")
    if rows["answers"].isna().all():
        raise Skip(f"the survey of {year} publishes no counts (fewer than 10 responses)")
    rows = rows[rows["answer_code"].isin(LIKERT_LABELS)].sort_values("question_column")
    question = f"text_{lang}"
    order = list(dict.fromkeys(rows[question]))
    totals = rows.groupby(question)["answers"].sum()
    share = {
        (q, a): float(c) / float(totals[q]) if totals[q] else 0.0
        for q, a, c in rows[[question, "answer_code", "answers"]].itertuples(index=False)
    }
    # barmode "relative" stacks each sign outwards from zero in trace order: the neutral half,
    # then A2, A1 to the left; the other neutral half, then A4, A5 to the right.
    layers = [("A3", -0.5), ("A2", -1.0), ("A1", -1.0), ("A3", 0.5), ("A4", 1.0), ("A5", 1.0)]
    colors = dict(zip(LIKERT_LABELS, LIKERT_COLORS, strict=True))
    wrapped = [_wrap(html_text(q), 48) for q in order]
    traces = []
    for code, sign in layers:
        values = [share.get((q, code), 0.0) for q in order]
        label = LIKERT_LABELS[code][lang]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": wrapped,
                "x": [sign * v for v in values],
                "name": label,
                "legendgroup": code,
                "legendrank": list(LIKERT_LABELS).index(code) + 1,
                "showlegend": sign > 0 or code != "A3",
                "marker": {"color": colors[code]},
                "customdata": [format_percent(v, lang) for v in values],
                "hovertemplate": "%{y}<br>" + label + ": %{customdata}<extra></extra>",
                # the neutral share is written once, on its right half
                "text": [
                    format_percent(v, lang, 0) if v >= 0.07 and sign != -0.5 else "" for v in values
                ],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "textangle": 0,
                "textfont": {"size": 12},
            }
        )

    def side(codes: tuple[str, ...], q: str) -> float:
        return sum(share.get((q, c), 0.0) for c in codes) + share.get((q, "A3"), 0.0) / 2

    widest = max(max(side(("A1", "A2"), q), side(("A4", "A5"), q)) for q in order)
    reach = min(1.0, math.ceil(widest * 4 + 0.2) / 4)  # a quarter beyond the longest bar
    ticks = [k / 4 for k in range(-int(reach * 4), int(reach * 4) + 1)]
    title = t("survey_title", lang, year=year)
    fig = _figure(
        traces,
        {
            "barmode": "relative",
            "xaxis": {
                "title": {"text": t("share_answers", lang)},
                "range": [-reach, reach],
                "tickvals": ticks,
                "ticktext": [format_percent(abs(v), lang, 0) for v in ticks],
                "zeroline": True,
                "zerolinecolor": "#333",
                "showgrid": True,
            },
            "yaxis": {"autorange": "reversed", "showgrid": False},
            "height": max(HEIGHT, 160 + 56 * len(order)),
            "showlegend": True,
            "legend": {"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
            "margin": {"l": 90, "r": 40, "t": 100, "b": 130},
        },
        title=title,
        lang=lang,
        source=f"{table} ({t('likert_note', lang)})",
    )
    return Chart("survey_answers", year, lang, title, fig)


def staff_training(data: AnnexData, year: int, lang: Lang) -> Chart:
    """Hours of staff training by type (left) and by gender (right)."""
    by_type = [(TRAINING_TYPES[k][lang], data.figure(year, f"p5.staff_training_hours.{k}"))
               for k in TRAINING_TYPES]  # fmt: skip
    by_gender = [(GENDERS[k][lang], data.figure(year, f"p5.staff_training_hours.gender.{k}"))
                 for k in GENDERS]  # fmt: skip
    if not any(f and f.value is not None for _, f in by_type + by_gender):
        raise Skip(f"p5.staff_training_hours.* are not published for {year}")
    top = max((f.value for _, f in by_type + by_gender if f and f.value is not None), default=1)
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"annotations": []}
    panels = (("", by_type, t("by_type", lang), [0.0, 0.44]),
              ("2", by_gender, t("by_gender", lang), [0.56, 1.0]))  # fmt: skip
    for suffix, parts, heading, domain in panels:
        traces.append(
            {
                "type": "bar",
                "x": [label for label, _ in parts],
                "y": [f.value if f and f.value is not None else 0 for _, f in parts],
                "text": [
                    format_number(f.value, lang)
                    if f and f.value is not None
                    else NOT_PUBLISHED[lang]
                    for _, f in parts
                ],
                "textposition": "outside",
                "constraintext": "none",
                "cliponaxis": False,
                "marker": {"color": COLORS["bar"]},
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
            }
        )
        layout[f"xaxis{suffix}"] = {"domain": domain, "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {
            "title": {"text": t("hours", lang)},
            "range": [0, top * 1.2],
            "anchor": f"x{suffix}",
        }
        layout["annotations"].append(
            {
                "text": heading,
                "x": sum(domain) / 2,
                "y": 1.06,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": 16},
            }
        )
    source = "annex.figures (p5.staff_training_hours.*)"
    if any(f is not None and f.value is None for _, f in by_type + by_gender):
        source += f"; {NOT_PUBLISHED[lang]}{_colon(lang)}{t('suppressed', lang)}"
    title = t("training_title", lang, year=year)
    fig = _figure(traces, layout, title=title, lang=lang, source=source)
    return Chart("staff_training", year, lang, title, fig)


def member_courses(data: AnnexData, year: int, lang: Lang) -> Chart:
    """Courses for members and the public, and their participants, by target audience."""
    table = "annex.member_courses"
    if not data.has_columns(table, "audience", "sessions", "participants"):
        raise Skip(f"{table} is not published (or lacks its columns)")
    rows = data.year_rows(table, year)
    rows = rows[rows["audience"].notna() & (rows["audience"] != "all")]
    if rows.empty:
        raise Skip(f"{table} has no rows by audience for {year}")
    labels = [_wrap(AUDIENCES.get(str(a), {}).get(lang, str(a)), 24) for a in rows["audience"]]
    traces = []
    suppressed = False
    for column, color in (("sessions", "bar"), ("participants", "up")):
        raw = [None if pd.isna(v) else float(v) for v in rows[column]]
        suppressed = suppressed or any(v is None for v in raw)
        traces.append(
            {
                "type": "bar",
                "x": labels,
                "y": [v or 0.0 for v in raw],
                "name": t(column, lang),
                "marker": {"color": COLORS[color]},
                "text": [
                    format_number(v, lang) if v is not None else NOT_PUBLISHED[lang] for v in raw
                ],
                "textposition": "outside",
                "constraintext": "none",
                "cliponaxis": False,
                "hovertemplate": "%{x}: %{text}<extra>" + t(column, lang) + "</extra>",
            }
        )
    title = t("courses_title", lang, year=year)
    source = table + (
        f"; {NOT_PUBLISHED[lang]}{_colon(lang)}{t('suppressed', lang)}" if suppressed else ""
    )
    fig = _figure(
        traces,
        {
            "barmode": "group",
            "showlegend": True,
            "legend": _legend_top(),
            "xaxis": {"tickangle": 0},
        },
        title=title,
        lang=lang,
        source=source,
    )
    return Chart("member_courses", year, lang, title, fig)


CHARTS: dict[str, ChartBuilder] = {
    "membership_flow": membership_flow,
    "members_by_category": members_by_category,
    "membership_history": membership_history,
    "assembly_turnout": assembly_turnout,
    "survey_answers": survey_answers,
    "staff_training": staff_training,
    "member_courses": member_courses,
}
HEADLINE_CHART = "membership_flow"


@dataclass
class ChartSet:
    charts: list[Chart] = field(default_factory=list)
    skipped: dict[tuple[str, int], str] = field(default_factory=dict)  # (chart, year) -> why


def build_charts(data: AnnexData, years: Sequence[int] | None = None) -> ChartSet:
    """Every chart of every year in both languages; the ones that cannot be drawn are noted."""
    result = ChartSet()
    for year in years if years is not None else data.years:
        for name, builder in CHARTS.items():
            for lang in LANGS:
                try:
                    result.charts.append(builder(data, year, lang))
                except Skip as reason:
                    result.skipped[(name, year)] = str(reason)
                    break
    return result


# --- files ------------------------------------------------------------------------------------


def chart_dir(outputs_dir: Path, year: int) -> Path:
    return outputs_dir / str(year) / "charts"


def chart_path(outputs_dir: Path, chart: Chart, ext: str) -> Path:
    return chart_dir(outputs_dir, chart.year) / f"{chart.stem}.{ext}"


def plotly_js_path(outputs_dir: Path) -> Path:
    return outputs_dir / "_assets" / f"plotly-{plotly.__version__}.min.js"


def write_html(charts: Sequence[Chart], outputs_dir: Path) -> list[Path]:
    """Interactive HTML, sharing one copy of plotly.js under outputs/_assets (works offline)."""
    script = plotly_js_path(outputs_dir)
    if not script.exists():
        from plotly.offline import get_plotlyjs

        script.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(script, get_plotlyjs())
    written = []
    for chart in charts:
        path = chart_path(outputs_dir, chart, "html")
        path.parent.mkdir(parents=True, exist_ok=True)
        relative = os.path.relpath(script, path.parent)
        with atomic_path(path) as partial:
            chart.figure.write_html(
                partial,
                include_plotlyjs=relative,
                full_html=True,
                config={"displaylogo": False, "responsive": True},
            )
        written.append(path)
    return written


@dataclass
class StaticJob:
    figure: go.Figure
    path: Path
    format: str

    @property
    def opts(self) -> dict[str, object]:
        scale = PNG_SCALE if self.format == "png" else 1
        layout = self.figure.layout
        return {
            "format": self.format,
            "width": layout.width or WIDTH,
            "height": layout.height or HEIGHT,
            "scale": scale,
        }

    def key(self, figure_json: bytes | None = None) -> str:
        """What the file is made from: the figure (`figure_json`, when already serialised),
        the export options and the libraries' versions."""
        digest = hashlib.sha256()
        digest.update(figure_json or self.figure.to_json().encode())
        digest.update(json.dumps(self.opts, sort_keys=True).encode())
        digest.update(f"plotly {plotly.__version__} kaleido {_kaleido_version()}".encode())
        return digest.hexdigest()


@dataclass
class StaticReport:
    """What the static export did, for the asset's metadata and the build log."""

    requested: int = 0
    exported: int = 0
    cached: int = 0
    seconds: float = 0.0
    browser: str | None = None
    warning: str | None = None
    errors: list[str] = field(default_factory=list)
    start_seconds: float = 0.0  # starting the browser session
    render_seconds: float = 0.0  # rendering and writing every file, in that one session
    # the static files that match this build's charts (the others are stale)
    valid: set[Path] = field(default_factory=set, repr=False)


@functools.cache
def _kaleido_version() -> str:
    try:
        return importlib.metadata.version("kaleido")
    except importlib.metadata.PackageNotFoundError:
        return "none"


# Chromium's "old" headless shell: the same renderer (the images are byte for byte those of a
# full Chromium) without the browser around it, so it opens in ~2.8 s here instead of ~6.5 s.
# Debian and Ubuntu package it as chromium-headless-shell; Chrome for Testing as
# chrome-headless-shell.
HEADLESS_SHELLS = (
    "/usr/lib/chromium/chromium-headless-shell",  # Debian's binary, without its sh wrapper
    "chromium-headless-shell",
    "chrome-headless-shell",
)


def find_browser() -> str | None:
    """The Chromium-family browser kaleido will drive: $BROWSER_PATH, else a headless shell
    (`HEADLESS_SHELLS`), else a browser on PATH (chromium, google-chrome, ...), else one
    downloaded with `kaleido_get_chrome`."""
    explicit = os.environ.get(BROWSER_VAR)
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for shell in HEADLESS_SHELLS:
        found = shutil.which(shell)
        if found:
            return found
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:
        return None
    return Chromium.find_browser(skip_local=False)


def static_export_disabled() -> str | None:
    """Why the static export is off ($ANNEX_STATIC_CHARTS), or None when it is on."""
    mode = os.environ.get(STATIC_VAR, "on").strip().lower()
    return f"{STATIC_VAR}={mode}" if mode in ("off", "0", "false", "no") else None


def static_jobs(charts: Sequence[Chart], outputs_dir: Path) -> list[StaticJob]:
    return [
        StaticJob(chart.figure, chart_path(outputs_dir, chart, fmt), fmt)
        for chart in charts
        for fmt in STATIC_FORMATS
    ]


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """asyncio.run, also from code that already runs an event loop (a notebook)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("result")


# One render for a chart's SVG and PNG: kaleido's own page draws the SVG (`kaleido_scopes`),
# then plotly.js rasterises that same SVG in the same tab (`Plotly.Snapshot.svgToImg`, the step
# its toImage takes for a PNG), instead of drawing the figure a second time for the PNG.
_SVG_AND_PNG_JS = r"""
function(spec, pngScale) {
  return kaleido_scopes.plotly(spec).then(function (response) {
    if (response.code !== 0 || response.format !== 'svg') return JSON.stringify(response);
    return Plotly.Snapshot.svgToImg({
      format: 'png', width: spec.width, height: spec.height, scale: pngScale,
      canvas: document.createElement('canvas'), svg: response.result, promise: true
    }).then(function (url) {
      response.png = url.replace(/^data:image\/png;base64,/, '');
      return JSON.stringify(response);
    });
  });
}"""


def _kaleido_class() -> type:
    """kaleido.Kaleido, reloading its export page every RELOAD_EVERY renders, not after each,
    and drawing a chart's SVG and PNG in one render (`write_svg_and_png`).

    kaleido reloads the page (and with it plotly.js) after every image, which makes an image cost
    ~0.45 s instead of ~0.1 s; and it draws the figure once per format, drawing it again being
    more than half of a PNG's cost. The images are the same: the PNGs byte for byte; the SVGs
    but for their element ids (random anyway) and, in some, whether the legend's borderless
    white background rectangle states its size (plotly.js leaves it out on some renders either
    way; it draws nothing visible). Each override is used only when kaleido still has the internals
    it relies on; otherwise that part is kaleido's own.
    """
    import kaleido

    base = kaleido.Kaleido
    if not hasattr(base, "_return_kaleido_tab"):
        return base
    try:
        from kaleido._kaleido_tab import _devtools_utils as devtools
        from kaleido._utils import fig_tools

        pairs = all(
            hasattr(obj, name)
            for obj, name in (
                (base, "_get_kaleido_tab"),
                (devtools, "exec_js_fn"),
                (devtools, "check_kaleido_js_response"),
                (fig_tools, "coerce_for_js"),
            )
        )
    except ImportError:
        pairs = False

    class ReusingKaleido(base):  # type: ignore[misc, valid-type]
        _renders = 0

        async def _return_kaleido_tab(self, tab: Any) -> None:
            self._renders += 1
            if self._renders % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    if not pairs:
        return ReusingKaleido

    class PairingKaleido(ReusingKaleido):
        async def write_svg_and_png(self, svg: StaticJob, png: StaticJob) -> None:
            """Write `svg` and `png` (jobs of one figure) from one drawing of the figure; an
            error names the files (kaleido's do not say which chart)."""
            try:
                svg_text, png_bytes = await self._draw(svg, png.opts["scale"])
            except Exception as exc:
                raise RuntimeError(f"{svg.path.name} and {png.path.name}: {exc}") from exc
            atomic.write_bytes(svg.path, svg_text.encode())
            atomic.write_bytes(png.path, png_bytes)

        async def _draw(self, svg: StaticJob, png_scale: object) -> tuple[str, bytes]:
            spec = fig_tools.coerce_for_js(svg.figure, None, svg.opts)
            tab = await self._get_kaleido_tab()
            try:
                call = devtools.exec_js_fn(
                    tab.tab, tab._current_js_id, _SVG_AND_PNG_JS, spec, png_scale
                )
                result = await asyncio.wait_for(call, self._timeout)
            finally:
                await self._return_kaleido_tab(tab)
            response = devtools.check_kaleido_js_response(result)
            if "png" not in response:
                raise RuntimeError("no PNG came back")
            return response["result"], base64.b64decode(response["png"])

    return PairingKaleido


class StaticExportStalled(RuntimeError):
    """The browser stopped answering (kaleido then waits for ever)."""


# Opening the browser takes ~5 s here and an image ~0.1 s: a browser not open after
# OPEN_DEADLINE, or that wrote no image for STALL_SECONDS, has stalled. It is killed and the
# images left are tried once more in a new session.
OPEN_DEADLINE = 120.0
STALL_SECONDS = 30.0
POLL_SECONDS = 1.0


class _Progress:
    """Watches the image files of a render: stalled when none was written for STALL_SECONDS."""

    def __init__(self, jobs: Sequence[StaticJob]) -> None:
        self.jobs = jobs
        self.written = self._count()
        self.since = time.monotonic()

    def _count(self) -> int:
        return sum(_written(job) for job in self.jobs)

    def stalled(self) -> bool:
        written = self._count()
        if written != self.written:
            self.written, self.since = written, time.monotonic()
        return time.monotonic() - self.since > STALL_SECONDS

    def describe(self) -> str:
        return (
            f"the browser wrote no image for {STALL_SECONDS:.0f} s "
            f"({self.written} of {len(self.jobs)} written)"
        )


async def _export(
    jobs: Sequence[StaticJob], browser: str, fast: bool, report: StaticReport
) -> list[str]:
    """Every job in one browser session, STATIC_TABS tabs rendering side by side; raises
    `StaticExportStalled` when the browser takes longer than OPEN_DEADLINE to open or writes
    no image for STALL_SECONDS (it is then killed)."""
    import kaleido

    cls = _kaleido_class() if fast else kaleido.Kaleido
    started = time.monotonic()
    session = cls(n=STATIC_TABS, mathjax=False, path=browser)
    try:
        async with asyncio.timeout(OPEN_DEADLINE):
            await session.__aenter__()  # as `async with` does
    except TimeoutError:
        _kill(session)
        raise StaticExportStalled(f"the browser did not open in {OPEN_DEADLINE:.0f} s") from None
    opened = time.monotonic()
    report.start_seconds = opened - started
    try:
        errors = await _render_watched(session, jobs)
    except StaticExportStalled:
        _kill(session)
        raise
    finally:
        try:
            async with asyncio.timeout(60):
                await session.__aexit__(None, None, None)
        except TimeoutError:
            _kill(session)
    report.render_seconds = time.monotonic() - opened
    return errors


async def _render_watched(session: Any, jobs: Sequence[StaticJob]) -> list[str]:
    """Render `jobs` in an open kaleido session, its errors as text; raises
    `StaticExportStalled` (cancelling the render) when no image is written for STALL_SECONDS."""
    rendering = asyncio.ensure_future(_render(session, jobs))
    watch = _Progress(jobs)
    while not rendering.done():
        await asyncio.wait({rendering}, timeout=POLL_SECONDS)
        if not rendering.done() and watch.stalled():
            rendering.cancel()
            raise StaticExportStalled(watch.describe())
    return [f"{type(error).__name__}: {error}" for error in rendering.result() or ()]


async def _render(session: Any, jobs: Sequence[StaticJob]) -> list[BaseException]:
    """Write `jobs` in an open kaleido session; the errors. A figure wanted as SVG and PNG is
    drawn once when the session can (`write_svg_and_png`), the other jobs kaleido's way."""
    singles: list[StaticJob] = list(jobs)
    pairs: list[tuple[StaticJob, StaticJob]] = []
    if hasattr(session, "write_svg_and_png"):
        by_figure: dict[int, dict[str, StaticJob]] = {}
        for job in jobs:
            by_figure.setdefault(id(job.figure), {})[job.format] = job
        pairs = [(f["svg"], f["png"]) for f in by_figure.values() if {"svg", "png"} <= f.keys()]
        paired = {id(job) for pair in pairs for job in pair}
        singles = [job for job in jobs if id(job) not in paired]
    specs = [{"fig": job.figure, "path": job.path, "opts": job.opts} for job in singles]
    results = await asyncio.gather(
        *(session.write_svg_and_png(svg, png) for svg, png in pairs),
        *([session.write_fig_from_object(specs)] if specs else []),
        return_exceptions=True,
    )
    errors: list[BaseException] = []
    for result in results:
        if isinstance(result, BaseException):
            errors.append(result)
        elif result:  # the errors write_fig_from_object returns
            errors.extend(result)
    return errors


def _kill(session: object) -> None:
    """Kill the session's browser when it still runs (it no longer answers)."""
    process = getattr(session, "subprocess", None)
    if process is not None and process.poll() is None:
        process.kill()


class BrowserSession:
    """A fast kaleido session opened ahead of need, in a thread with its own event loop.

    Opening the browser and loading plotly.js in its tabs takes ~5-6 s here, mostly on the core
    the build's Python leaves idle: a build likely to export static files (see `prewarm`)
    opens the session when it starts, and the chart step finds it ready.
    """

    def __init__(self, browser: str) -> None:
        self.browser = browser
        self.start_seconds = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="kaleido-session", daemon=True
        )
        self._thread.start()
        self._session = asyncio.run_coroutine_threadsafe(self._open(), self._loop)

    async def _open(self) -> Any:
        started = time.monotonic()
        session = _kaleido_class()(n=STATIC_TABS, mathjax=False, path=self.browser)
        await session.__aenter__()  # as `async with` does
        self.start_seconds = time.monotonic() - started
        return session

    def render(self, jobs: Sequence[StaticJob]) -> list[str]:
        """Export `jobs`; raises when the session could not be opened, broke, or stalled
        (`StaticExportStalled`: its browser is then killed)."""
        session = self._session.result(timeout=OPEN_DEADLINE)
        rendering = asyncio.run_coroutine_threadsafe(_render_watched(session, jobs), self._loop)
        try:
            return rendering.result()
        except StaticExportStalled:
            _kill(session)
            raise

    def close(self) -> None:
        """Close the browser; one that does not answer is killed."""
        session = None
        try:
            session = self._session.result(timeout=OPEN_DEADLINE)
            closing = session.__aexit__(None, None, None)
            asyncio.run_coroutine_threadsafe(closing, self._loop).result(timeout=60)
        except Exception:  # noqa: BLE001 - a session that never opened has nothing to close
            _kill(session)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


_PREWARMED: BrowserSession | None = None


def prewarm(outputs_dir: Path, changed_since: Callable[[], bool] = lambda: True) -> bool:
    """Open the export's browser session now when this build is likely to export static files
    and can (static export on, a browser found): nothing was exported into `outputs_dir` yet,
    or `changed_since()` says an export changed since those files were made. The chart step
    uses the session; `close_prewarmed` closes it if the build ends first."""
    global _PREWARMED
    if _PREWARMED is not None or static_export_disabled():
        return False
    cache = outputs_dir / ".static-cache.json"
    if cache.exists() and not changed_since():
        return False  # the same exports: the charts are those already exported
    browser = find_browser()
    if browser is None:
        return False
    _PREWARMED = BrowserSession(browser)
    return True


def _take_prewarmed(browser: str) -> BrowserSession | None:
    """The session opened ahead, when it drives `browser` (another one is closed)."""
    global _PREWARMED
    session, _PREWARMED = _PREWARMED, None
    if session is not None and session.browser != browser:
        session.close()
        return None
    return session


def close_prewarmed() -> None:
    global _PREWARMED
    session, _PREWARMED = _PREWARMED, None
    if session is not None:
        session.close()


def _written(job: StaticJob) -> bool:
    return job.path.exists() and job.path.stat().st_size > 0


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def export_static(
    charts: Sequence[Chart],
    outputs_dir: Path,
    *,
    browser: str | None = None,
    use_cache: bool = True,
    log: Callable[[str], None] = lambda _message: None,
) -> StaticReport:
    """Every chart as SVG and PNG, all in one browser session; unchanged files are kept.

    A file counts as up to date when its reuse ledger (`.static-cache.json`, see
    pipelines/lib/reuse.py) says it was made from the hash of this figure;
    `report.valid` lists the static files that match this build's charts (the others are stale
    and `remove_stale` deletes them, so no image ever shows figures that are no longer
    published).
    """
    started = time.monotonic()
    jobs = static_jobs(charts, outputs_dir)
    report = StaticReport(requested=len(jobs))
    ledger = FileLedger(outputs_dir / ".static-cache.json", autosave=False)
    if not use_cache:
        ledger.entries.clear()
    serialised: dict[int, bytes] = {}  # a figure's SVG and PNG share one serialisation
    for job in jobs:
        if id(job.figure) not in serialised:
            serialised[id(job.figure)] = job.figure.to_json().encode()
    keys = {job.path: job.key(serialised[id(job.figure)]) for job in jobs}

    def up_to_date(job: StaticJob) -> bool:
        return job.path.exists() and ledger.is_current(
            _relative(job.path, outputs_dir), keys[job.path]
        )

    todo = [job for job in jobs if not up_to_date(job)]
    report.cached = len(jobs) - len(todo)
    disabled = static_export_disabled()
    if todo and disabled:
        report.warning = (
            f"static chart export is off ({disabled}): wrote the interactive HTML charts only "
            f"and skipped {len(todo)} SVG/PNG files"
        )
    elif todo:
        browser = browser or find_browser()
        report.browser = browser
        if not browser:
            report.warning = (
                "no Chromium-family browser found for the static export (install one, e.g. "
                "`apt-get install chromium-headless-shell`, or set BROWSER_PATH): wrote the "
                f"interactive HTML charts only and skipped {len(todo)} SVG/PNG files"
            )
        else:
            for job in todo:
                job.path.parent.mkdir(parents=True, exist_ok=True)
                job.path.unlink(missing_ok=True)
            log(f"drawing {len(todo)} static chart files (SVG, PNG) in the browser")
            session = _take_prewarmed(browser)
            try:
                if session is not None:
                    rendering = time.monotonic()
                    try:
                        report.errors = session.render(todo)
                    finally:
                        session.close()
                    report.start_seconds = session.start_seconds
                    report.render_seconds = time.monotonic() - rendering
                else:
                    report.errors = _run(_export(todo, browser, True, report))
            except Exception as exc:  # a failed fast session: once more, the library's own way
                left = [job for job in todo if not _written(job)]
                log(f"static export: {exc}; trying the {len(left)} images left again, with one "
                    "page load per image")  # fmt: skip
                try:
                    report.errors = _run(_export(left, browser, False, report))
                except StaticExportStalled as stalled:
                    report.errors = [f"{stalled}: the images left are made at the next build"]
            done = [job for job in todo if _written(job)]
            report.exported = len(done)
            for job in done:
                ledger.record(_relative(job.path, outputs_dir), keys[job.path])
    report.valid = {job.path for job in jobs if up_to_date(job)}
    ledger.forget_where(lambda relative: (outputs_dir / relative).exists())
    ledger.save()
    report.seconds = time.monotonic() - started
    return report


def remove_stale(
    outputs_dir: Path,
    charts: Sequence[Chart],
    years: Sequence[int],
    valid_static: set[Path],
    published: Sequence[int] | None = None,
) -> list[Path]:
    """Delete the chart files of `years` (the years whose charts this build made) that it did
    not (re)make: a chart now skipped, a static file of a figure that changed when it could not
    be exported again; and every chart of a year no longer `published` (None: only `years`
    are published)."""
    keep = {chart_path(outputs_dir, chart, "html") for chart in charts} | set(valid_static)
    on_disk = {int(p.parent.name) for p in outputs_dir.glob("[0-9]*/charts")}
    gone = on_disk - set(published if published is not None else years)
    removed = []
    for year in sorted(set(years) | gone):
        folder = chart_dir(outputs_dir, year)
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file() and path not in keep:
                    path.unlink()
                    removed.append(path)
    return removed


def main(argv: Sequence[str] | None = None) -> int:
    """Time the chart stage on the published warehouse ($ANNEX_WAREHOUSE_DIR):
    `python -m pipelines.lib.outputs.charts [--cold] [--out DIR]`."""
    import argparse

    from pipelines.lib.config import Settings
    from pipelines.lib.outputs.data import load_annex_data

    parser = argparse.ArgumentParser(prog="python -m pipelines.lib.outputs.charts")
    parser.add_argument("--cold", action="store_true", help="ignore the cache: export all")
    parser.add_argument("--out", help="outputs folder (default: $ANNEX_WAREHOUSE_DIR/outputs)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    outputs = Path(args.out) if args.out else settings.outputs_dir
    started = time.monotonic()
    data = load_annex_data(settings)
    chart_set = build_charts(data)
    write_html(chart_set.charts, outputs)
    drawn = time.monotonic() - started
    report = export_static(chart_set.charts, outputs, use_cache=not args.cold, log=print)
    total = time.monotonic() - started
    per_image = report.render_seconds / report.exported if report.exported else 0.0
    print(
        f"{len(chart_set.charts)} charts ({len(data.years)} years x 2 languages) drawn and "
        f"written as HTML in {drawn:.1f} s\n"
        f"static: {report.exported} exported, {report.cached} unchanged kept, in "
        f"{report.seconds:.1f} s (browser start {report.start_seconds:.1f} s, rendering "
        f"{report.render_seconds:.1f} s = {per_image:.2f} s per file)\n"
        f"chart stage: {total:.1f} s" + (f"\n{report.warning}" if report.warning else "")
    )
    return 1 if report.errors else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
