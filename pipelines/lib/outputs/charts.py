"""The annex's charts, in Dutch and French, as interactive HTML.

Every chart is built from the publication snapshot (`AnnexData`), mostly from annex.figures by
figure id, so that a closed year's charts show its frozen figures. A chart whose figures or
section table are not published is skipped with a note, never drawn empty. Their words come from
the labels seed (`chart.*`); their print-ready SVG and PNG from `static_export`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly
import plotly.graph_objects as go

from pipelines.lib import atomic
from pipelines.lib.atomic import atomic_path
from pipelines.lib.labels import label
from pipelines.lib.outputs.data import AnnexData
from pipelines.lib.outputs.formatting import (
    LANGS,
    NOT_PUBLISHED,
    PERCENT_SUFFIX,
    Lang,
    format_number,
    format_percent,
    listing,
    plotly_separators,
)
from pipelines.lib.outputs.inert import html_text
from pipelines.lib.outputs.labels import (
    AUDIENCES,
    EXIT_REASONS,
    GENDERS,
    LIKERT_LABELS,
    TRAINING_TYPES,
)

WIDTH, HEIGHT = 1000, 560
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


def t(key: str, lang: Lang, **values: object) -> str:
    """A chart's text (`chart.<key>` of the labels), its {fields} filled in."""
    return label(f"chart.{key}", lang, **values)


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
    Belgian separators, print size, light grid. (Built from dicts, much faster than successive
    update_* calls; plotly's validation, a cost on every chart, is skipped: the tests check that
    every chart is what validation would have made of it.)"""
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
        # plotly.js defaults, as the named template "none" resolves to (resolving a named
        # template is a cost on every chart)
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
        listed = listing(gap_years, lang)
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
