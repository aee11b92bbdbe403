"""Sample training exports: the HR department's workbooks and the course-booking tool's CSVs.

Deterministic (numpy `default_rng(seed)`), 2019..2024. At scale 1 the 2024 figures of the annex
come out exactly (figures.md, "Training"):

- `p5.staff_trainings` = 72, `p5.staff_training_hours` = 1946.5, 150 distinct staff numbers;
- `p5.member_trainings` = 84, `p5.member_training_participants` = 564.

Scale N multiplies every volume by N (the exact counts become N times the scale-1 ones). Each
quirk the pipeline must handle sits at a fixed, scale-independent key exported below, so that
tests can target it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023, 2024)

# --- staff trainings (HR workbooks) -------------------------------------------------------------

# year -> (trainings starting that year with participations, their participation hours,
# distinct staff numbers among them), at scale 1. Quirk trainings come on top (see below).
STAFF_PLAN: dict[int, tuple[int, float, int]] = {
    2019: (38, 1012.5, 96),
    2020: (24, 587.0, 71),
    2021: (41, 1108.0, 103),
    2022: (53, 1405.5, 122),
    2023: (61, 1663.0, 138),
    2024: (72, 1946.5, 150),
}

# Listed only in staff_training_2024.xlsx (HR registered it in 2024) but it started in December
# 2023: it counts in 2023 (year of Startdatum), never in 2024. It has participations.
CROSS_YEAR_TRAINING_ID = "OPL-2024-001"
CROSS_YEAR_TRAINING_START = dt.date(2023, 12, 11)
CROSS_YEAR_TRAINING_PARTICIPANTS = 8
CROSS_YEAR_TRAINING_HOURS = 14.0  # per participant
# Listed in 2024's file, starts in 2024, but nobody took part (cancelled): not counted.
EMPTY_TRAINING_ID = "OPL-2024-002"
# Ran from November 2023 into 2024, so HR put it (and its participations) identically in both
# the 2023 and the 2024 workbook: it counts once, in 2023.
REPEATED_TRAINING_ID = "OPL-2023-001"
REPEATED_TRAINING_FILES: tuple[str, str] = ("staff_training_2023.xlsx", "staff_training_2024.xlsx")
REPEATED_TRAINING_PARTICIPANTS = 6
REPEATED_TRAINING_HOURS = 10.5  # per participant

# Number of low ids per year held by the quirk trainings; regular ids follow in date order.
_RESERVED_TRAINING_NUMBERS = {2023: 1, 2024: 2}

STAFF_SHEET_TRAININGS = "Opleidingen"
STAFF_SHEET_PARTICIPATIONS = "Deelnames"
STAFF_TRAINING_HEADER: tuple[str, ...] = (
    "Opleidings-ID",
    "Titel",
    "Type",
    "Aanbieder",
    "Startdatum",
    "Einddatum",
    "Kostprijs (EUR)",
)
STAFF_PARTICIPATION_HEADER: tuple[str, ...] = (
    "Opleidings-ID",
    "Personeelsnummer",
    "Geslacht",
    "Uren",
)

_STAFF_FIRST_NUMBER = 10001
STAFF_X_2024 = 3  # people with Geslacht X among 2024's participants, at scale 1
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # day 0 of Excel's 1900 date system
# Each year's participants are a sliding window over one staff list: people stay several years.
_STAFF_WINDOW_STEP = 14

_TYPES = np.array(["formeel", "informeel", "initieel"])
_TYPE_P = np.array([0.50, 0.35, 0.15])
# Nominal hours of one participant by type, and how crowded such trainings are (team sessions
# are big, onboarding is one or two newcomers).
_TYPE_HOURS = {
    "formeel": np.array([3.5, 7.0, 7.5, 14.0, 15.0, 21.0]),
    "informeel": np.array([1.0, 1.5, 2.0, 3.0, 3.5]),
    "initieel": np.array([3.5, 7.0, 7.5, 14.0]),
}
_TYPE_CROWD = {"formeel": 1.0, "informeel": 1.8, "initieel": 0.5}
_TYPE_TITLES = {
    "formeel": [
        "Arbeidsrecht voor HR-medewerkers",
        "Boekhouding voor niet-boekhouders",
        "Excel voor gevorderden",
        "GDPR in de praktijk",
        "Eerste hulp (EHBO)",
        "Brandpreventie en evacuatie",
        "Sociale zekerheid van kunstenaars",
        "Projectmanagement",
        "Facilitatie van co-ontwikkelingsgroepen",
        "Nederlands op de werkvloer",
        "Français professionnel",
        "Loonadministratie: actualiteit",
        "Conflicthantering",
    ],
    "informeel": [
        "Intervisie adviseurs",
        "Lunch & learn: de tools van Smart",
        "Co-ontwikkeling ondersteunende teams",
        "Kennisdeling boekhouding",
        "Opleiding nieuwe functionaliteiten platform",
        "Peer coaching",
    ],
    "initieel": [
        "Onthaal nieuwe collega's",
        "Introductie in het model Smart",
        "Opstart adviseur",
    ],
}
_PROVIDERS = [
    "Febecoop",
    "Cefora",
    "Syntra Brussel",
    "Bruxelles Formation",
    "Securex",
    "Rode Kruis Vlaanderen",
    "SAW-B",
    "Liantis",
]

# --- member courses (booking tool) --------------------------------------------------------------

# year -> (sessions with at least one person present, present (session, participant) pairs).
COURSE_PLAN: dict[int, tuple[int, int]] = {
    2019: (31, 187),
    2020: (18, 104),
    2021: (36, 219),
    2022: (52, 331),
    2023: (67, 438),
    2024: (84, 564),
}

COURSE_HEADER: tuple[str, ...] = (
    "id_session",
    "titre",
    "date_session",
    "public_cible",
    "id_participant",
    "statut",
)
COURSE_ENCODING = "cp1252"

# A 2024 session with registrations but nobody present (all absent, cancelled or never
# updated): it did not take place, so it is not counted.
EMPTY_SESSION_ID = "S2024-001"
EMPTY_SESSION_STATUSES: tuple[str, ...] = ("absent", "annulé", "absent", "inscrit", "annulé")
# A present registration of a counted 2024 session, exported twice: the identical copy is the
# last row of member_courses_2024.csv. It counts once.
DUPLICATED_REGISTRATION: tuple[str, str] = ("S2024-002", "P00042")

_RESERVED_SESSION_NUMBERS = {2024: 1}
# Regular participants are drawn from P01000 up, so the fixed participant above never collides.
_MEMBER_FIRST_NUMBER = 1000
_MEMBER_POOL = 900  # per year at scale 1
_MEMBER_WINDOW_STEP = 250

_PUBLICS = np.array(["membres", "grand public", "membres et grand public"])
_PUBLIC_P = np.array([0.55, 0.15, 0.30])
_COURSE_TITLES = np.array(
    [
        "Œuvrer en coopérative",
        "Comprendre sa fiche de paie",
        "Découvrir les outils de Smart",
        "Histoire des coopératives en Belgique",
        "Préparer l’assemblée générale",
        "Co-développement : mise en œuvre",
        "Facturer ses prestations",
        "Sécurité sociale et statut d’artiste",
        "Prévenir le burn-out",
        "Cœur de métier : valoriser son savoir-faire",
        "Accueil des nouveaux membres",
        "Gérer son activité au quotidien",
    ]
)
# Share of extra, non-present registrations per present one.
_NOT_PRESENT_RATE = {"absent": 0.12, "annulé": 0.08, "inscrit": 0.03}


def _workdays(rng: np.random.Generator, year: int, n: int) -> np.ndarray:
    """n random working days of `year`, sorted (datetime64[D]).

    The first week of January, the first weeks of August and the second half of December are
    left out (holidays), so a regular training never spills into the next year.
    """
    days = pd.bdate_range(f"{year}-01-08", f"{year}-12-15")
    days = days[~((days.month == 8) & (days.day < 20))]
    return np.sort(rng.choice(days.values.astype("datetime64[D]"), size=n, replace=True))


def _fill_distinct(
    rng: np.random.Generator, group: np.ndarray, person: np.ndarray, pool: np.ndarray
) -> np.ndarray:
    """Redraw people from `pool` until nobody appears twice within one group.

    The key (group, person) must be unique: a second row with the same key would be a
    duplicate record for the pipeline. The first occurrence is kept, so everyone already
    present stays present.
    """
    person = person.copy()
    for _ in range(1000):
        dup = pd.DataFrame({"g": group, "p": person}).duplicated().to_numpy()
        if not dup.any():
            return person
        person[dup] = rng.choice(pool, size=int(dup.sum()))
    raise RuntimeError("could not make people distinct within groups")


def _staff_year(
    rng: np.random.Generator,
    year: int,
    n_trainings: int,
    hours_target: float,
    staff_pool: np.ndarray,
    first_number: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regular trainings of one year with exactly `hours_target` hours over all participations
    and every member of `staff_pool` taking part at least once."""
    n = n_trainings
    types = rng.choice(_TYPES, size=n, p=_TYPE_P)
    nominal = np.empty(n)
    titles = np.empty(n, dtype=object)
    providers = np.empty(n, dtype=object)
    crowd = np.empty(n)
    for t in _TYPES:
        m = types == t
        nominal[m] = rng.choice(_TYPE_HOURS[t], size=int(m.sum()))
        titles[m] = rng.choice(_TYPE_TITLES[t], size=int(m.sum()))
        crowd[m] = _TYPE_CROWD[t]
        providers[m] = "intern"
    formal = types == "formeel"
    # Most formal trainings are bought from an external provider; some are given in-house.
    external = formal & (rng.random(n) < 0.8)
    providers[external] = rng.choice(_PROVIDERS, size=int(external.sum()))
    cost = np.where(external, np.round(rng.uniform(180, 3200, size=n), 2), 0.0)
    start = _workdays(rng, year, n)
    # A day's training ends the same day; longer ones spread over weeks.
    span_days = np.where(nominal > 7.5, rng.integers(1, 29, size=n), 0)
    end = start + span_days.astype("timedelta64[D]")

    # Participations: 8 % more nominal hours than the target, then partial attendance takes the
    # surplus off, so the total is exact without changing how many people took part.
    n_part = max(len(staff_pool), int(np.ceil(1.08 * hours_target / nominal.mean())), n)
    weights = crowd * rng.gamma(2.0, size=n)
    k = 1 + rng.multinomial(n_part - n, weights / weights.sum())
    k = np.minimum(k, len(staff_pool))
    while (k * nominal).sum() < hours_target:
        k[rng.integers(n)] += 1
        k = np.minimum(k, len(staff_pool))
    t_idx = np.repeat(np.arange(n), k)
    hours = nominal[t_idx]
    deficit = int(round((hours.sum() - hours_target) * 2))  # in half hours
    order = rng.permutation(len(hours))
    room = ((hours[order] - 0.5) * 2).astype(int)
    cut = rng.integers(1, room + 1)
    cum = np.cumsum(cut)
    last = int(np.searchsorted(cum, deficit))
    assert deficit >= 0 and last < len(cum)
    if deficit > 0:
        cut[last] -= cum[last] - deficit
        cut[last + 1 :] = 0
        hours[order] -= cut / 2.0
    assert abs(hours.sum() - hours_target) < 1e-9

    # Everyone in the pool once (shuffled), then random repeats; fix repeats inside a training.
    reps = int(np.ceil(len(t_idx) / len(staff_pool)))
    seq = np.concatenate([rng.permutation(staff_pool) for _ in range(reps)])[: len(t_idx)]
    staff = _fill_distinct(rng, t_idx, seq, staff_pool)

    ids = np.array([f"OPL-{year}-{first_number + i:03d}" for i in range(n)])
    trainings = pd.DataFrame(
        {
            "id": ids,
            "title": titles,
            "type": types,
            "provider": providers,
            "start": start,
            "end": end,
            "cost": cost,
        }
    )
    participations = pd.DataFrame({"id": ids[t_idx], "staff": staff, "hours": hours})
    return trainings, participations


def _special_training(
    training_id: str,
    title: str,
    provider: str,
    start: dt.date,
    end: dt.date,
    cost: float,
    staff: np.ndarray,
    hours: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    trainings = pd.DataFrame(
        {
            "id": [training_id],
            "title": [title],
            "type": ["formeel"],
            "provider": [provider],
            "start": [np.datetime64(start, "D")],
            "end": [np.datetime64(end, "D")],
            "cost": [cost],
        }
    )
    participations = pd.DataFrame(
        {"id": training_id, "staff": staff, "hours": np.full(len(staff), hours)}
    )
    return trainings, participations


def _date_cell(ws: Any, value: np.datetime64) -> WriteOnlyCell:
    # A real Excel date (serial number + date format), as HR's workbook holds, not a text.
    cell = WriteOnlyCell(ws, value=pd.Timestamp(value).date())
    cell.number_format = "DD/MM/YYYY"
    return cell


def _training_row(ws: Any, r: Any) -> list[Any]:
    return [
        r.id,
        r.title,
        r.type,
        r.provider,
        _date_cell(ws, r.start),
        _date_cell(ws, r.end),
        float(r.cost),
    ]


def _xml_number(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _rows_xml(first_row: int, columns: list[tuple[str, np.ndarray | list]], date_style: str) -> str:
    """SpreadsheetML rows from `first_row` on, cell for cell as openpyxl writes them.

    openpyxl's pure-Python XML serialisation takes ~20 s for the workbooks of scale 100; the
    bulk rows are therefore serialised here and spliced into the sheets openpyxl writes (see
    _write_staff_workbook). `columns` holds (kind, values) per column A, B, ...; kind is `s`
    (text), `n` (number) or `d` (date, as an Excel serial number); None leaves the cell empty.
    """
    n = len(columns[0][1])
    rows = [str(first_row + i) for i in range(n)]
    cells = []
    for letter, (kind, values) in zip("ABCDEFGHIJ", columns, strict=False):
        if kind == "s":
            cells.append(
                [
                    ""
                    if v is None
                    else f'<c r="{letter}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                    for r, v in zip(rows, values, strict=True)
                ]
            )
        elif kind == "d":
            serial = (np.asarray(values).astype("datetime64[D]") - _EXCEL_EPOCH).astype(int)
            cells.append(
                [
                    f'<c r="{letter}{r}" s="{date_style}" t="n"><v>{v}</v></c>'
                    for r, v in zip(rows, serial.tolist(), strict=True)
                ]
            )
        else:
            cells.append(
                [
                    "" if v is None else f'<c r="{letter}{r}" t="n"><v>{_xml_number(v)}</v></c>'
                    for r, v in zip(rows, values, strict=True)
                ]
            )
    return "".join(f'<row r="{r}">{"".join(c)}</row>' for r, *c in zip(rows, *cells, strict=True))


def _write_staff_workbook(
    path: Path, year: int, trainings: pd.DataFrame, participations: pd.DataFrame
) -> None:
    # openpyxl writes the workbook (styles, sheets, title, header and the first data row);
    # the other rows are serialised by _rows_xml and spliced in when saving.
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(STAFF_SHEET_TRAININGS)
    ws.append([f"Opleidingen ondersteunende teams {year}"])
    ws.append([])
    ws.append(list(STAFF_TRAINING_HEADER))
    ws.append(_training_row(ws, next(trainings.itertuples(index=False))))
    ws2 = wb.create_sheet(STAFF_SHEET_PARTICIPATIONS)
    ws2.append(list(STAFF_PARTICIPATION_HEADER))
    first = participations.iloc[0]
    ws2.append([first["id"], int(first["staff"]), first["gender"], float(first["hours"])])

    def splice_trainings(date_style: str) -> str:
        rest = trainings.iloc[1:]
        # The totals row HR adds under the table: not data (no Opleidings-ID, Titel "Totaal").
        total = round(float(trainings["cost"].sum()), 2)
        return _rows_xml(
            5,
            [
                ("s", rest["id"].tolist()),
                ("s", rest["title"].tolist()),
                ("s", rest["type"].tolist()),
                ("s", rest["provider"].tolist()),
                ("d", rest["start"].to_numpy()),
                ("d", rest["end"].to_numpy()),
                ("n", rest["cost"].tolist()),
            ],
            date_style,
        ) + _rows_xml(
            4 + len(trainings),
            [("s", [None]), ("s", ["Totaal"])] + [("n", [None])] * 4 + [("n", [total])],
            date_style,
        )

    def splice_participations(date_style: str) -> str:
        rest = participations.iloc[1:]
        return _rows_xml(
            3,
            [
                ("s", rest["id"].tolist()),
                ("n", rest["staff"].astype(int).tolist()),
                ("s", rest["gender"].tolist()),
                ("n", rest["hours"].tolist()),
            ],
            date_style,
        )

    _save_reproducible(
        wb,
        path,
        dt.datetime(year + 1, 1, 15, 9, 0, 0),
        {
            "xl/worksheets/sheet1.xml": splice_trainings,
            "xl/worksheets/sheet2.xml": splice_participations,
        },
    )


def _save_reproducible(
    wb: Workbook,
    path: Path,
    when: dt.datetime,
    splices: dict[str, Callable[[str], str]],
) -> None:
    """Save with fixed timestamps (same seed, same bytes), adding the spliced rows.

    openpyxl stamps the document properties and the zip entries with the current time; the
    pipeline keeps each file's sha256 as lineage, which must not change between two
    generations of the same sample. `splices` maps a sheet part to a function that, given the
    style id openpyxl gave the date cells, returns rows to append to its sheetData.
    """
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buffer) as src:
        found = re.search(rb'<c r="E4" s="(\d+)"', src.read("xl/worksheets/sheet1.xml"))
        assert found, "openpyxl wrote no date style"
        date_style = found.group(1).decode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "docProps/core.xml":
                    data = re.sub(
                        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                        lambda m: m.group(1) + stamp.encode(),
                        data,
                    )
                if info.filename in splices:
                    assert data.count(b"</sheetData>") == 1
                    rows = splices[info.filename](date_style).encode("utf-8")
                    data = data.replace(b"</sheetData>", rows + b"</sheetData>")
                entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
                entry.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(entry, data)


def write_staff_training(out_dir: Path, scale: int = 1, seed: int = 2024) -> list[Path]:
    """Write `out_dir/training/staff_training_YYYY.xlsx` for 2019..2024; return the paths.

    Quirks: CROSS_YEAR_TRAINING_ID (2024's file, started December 2023, counts in 2023),
    EMPTY_TRAINING_ID (2024, no participation, not counted), REPEATED_TRAINING_ID (identical in
    the 2023 and 2024 files, counts once in 2023), a totals row under every `Opleidingen` table.
    """
    rng = np.random.default_rng([seed, 1])
    folder = Path(out_dir) / "training"
    folder.mkdir(parents=True, exist_ok=True)

    n_staff_total = (
        _STAFF_WINDOW_STEP * scale * (len(YEARS) - 1)
        + max(s for _, _, s in STAFF_PLAN.values()) * scale
    )
    staff_numbers = np.arange(_STAFF_FIRST_NUMBER, _STAFF_FIRST_NUMBER + n_staff_total)
    # Gender is a property of the person, stable over the years. X is rare: exactly
    # STAFF_X_2024 * scale people of 2024's participants (a breakdown cell below 10 people at
    # scale 1, to be suppressed) and one per scale among those who left before.
    gender = rng.choice(np.array(["V", "M"]), size=n_staff_total, p=[0.57, 0.43])
    first_2024 = (len(YEARS) - 1) * _STAFF_WINDOW_STEP * scale
    gender[first_2024 + rng.choice(n_staff_total - first_2024, STAFF_X_2024 * scale, False)] = "X"
    gender[rng.choice(_STAFF_WINDOW_STEP * scale, scale, replace=False)] = "X"
    gender_of = dict(zip(staff_numbers.tolist(), gender.tolist(), strict=True))

    per_year: dict[int, tuple[list[pd.DataFrame], list[pd.DataFrame]]] = {}
    pools: dict[int, np.ndarray] = {}
    for i, year in enumerate(YEARS):
        n_trainings, hours, n_staff = STAFF_PLAN[year]
        offset = i * _STAFF_WINDOW_STEP * scale
        pools[year] = staff_numbers[offset : offset + n_staff * scale]
        trainings, participations = _staff_year(
            rng,
            year,
            n_trainings * scale,
            hours * scale,
            pools[year],
            _RESERVED_TRAINING_NUMBERS.get(year, 0) + 1,
        )
        per_year[year] = ([trainings], [participations])

    repeated = _special_training(
        REPEATED_TRAINING_ID,
        "Leidinggeven in een coöperatie",
        "Febecoop",
        dt.date(2023, 11, 27),
        dt.date(2024, 2, 5),
        2450.0,
        rng.choice(pools[2023], size=REPEATED_TRAINING_PARTICIPANTS, replace=False),
        REPEATED_TRAINING_HOURS,
    )
    cross_year = _special_training(
        CROSS_YEAR_TRAINING_ID,
        "Bedrijfshulpverlening (BHV) basis",
        "Rode Kruis Vlaanderen",
        CROSS_YEAR_TRAINING_START,
        dt.date(2024, 1, 19),
        1380.0,
        rng.choice(pools[2023], size=CROSS_YEAR_TRAINING_PARTICIPANTS, replace=False),
        CROSS_YEAR_TRAINING_HOURS,
    )
    empty = _special_training(
        EMPTY_TRAINING_ID,
        "Presentatietechnieken",
        "Syntra Brussel",
        dt.date(2024, 10, 8),
        dt.date(2024, 10, 8),
        0.0,
        np.array([], dtype=int),
        0.0,
    )
    for year, extra in ((2023, repeated), (2024, repeated), (2024, cross_year), (2024, empty)):
        per_year[year][0].append(extra[0])
        per_year[year][1].append(extra[1])

    paths = []
    for year in YEARS:
        trainings = pd.concat(per_year[year][0], ignore_index=True)
        participations = pd.concat(per_year[year][1], ignore_index=True)
        # HR lists trainings by start date; participations follow the trainings' order.
        trainings = trainings.sort_values(["start", "id"], kind="stable", ignore_index=True)
        rank = pd.Series(np.arange(len(trainings)), index=trainings["id"])
        participations = participations.assign(
            _rank=participations["id"].map(rank).to_numpy()
        ).sort_values(["_rank", "staff"], kind="stable", ignore_index=True)
        participations["gender"] = participations["staff"].map(gender_of)
        path = folder / f"staff_training_{year}.xlsx"
        _write_staff_workbook(path, year, trainings, participations)
        paths.append(path)
    return paths


def _course_year(
    rng: np.random.Generator,
    year: int,
    n_sessions: int,
    n_present: int,
    pool: np.ndarray,
    first_number: int,
) -> pd.DataFrame:
    """Registrations of one year's regular sessions: every session has >= 1 person present and
    the present (session, participant) pairs number exactly `n_present`."""
    n = n_sessions
    ids = np.array([f"S{year}-{first_number + i:03d}" for i in range(n)])
    dates = _workdays(rng, year, n)
    titles = rng.choice(_COURSE_TITLES, size=n)
    publics = rng.choice(_PUBLICS, size=n, p=_PUBLIC_P)
    weights = rng.gamma(3.0, size=n)
    present = 1 + rng.multinomial(n_present - n, weights / weights.sum())
    counts = {"présent": present}
    for status, rate in _NOT_PRESENT_RATE.items():
        counts[status] = rng.poisson(rate * present)
    s_idx = np.concatenate([np.repeat(np.arange(n), c) for c in counts.values()])
    status = np.concatenate([np.repeat(s, c.sum()) for s, c in counts.items()])
    participant = _fill_distinct(rng, s_idx, rng.choice(pool, size=len(s_idx)), pool)
    # The booking tool lists a session's registrations in booking order, not by status.
    order = np.lexsort((rng.random(len(s_idx)), s_idx))
    s_idx, status, participant = s_idx[order], status[order], participant[order]
    return pd.DataFrame(
        {
            "id_session": ids[s_idx],
            "titre": titles[s_idx],
            "date": dates[s_idx],
            "public_cible": publics[s_idx],
            "id_participant": [f"P{p:05d}" for p in participant],
            "statut": status,
        }
    )


def write_member_courses(out_dir: Path, scale: int = 1, seed: int = 2024) -> list[Path]:
    """Write `out_dir/training/member_courses_YYYY.csv` for 2019..2024; return the paths.

    Windows-1252, `;`, CRLF, dates dd/mm/yyyy, as the booking tool exports them. Quirks:
    absent / cancelled / never-updated registrations everywhere, EMPTY_SESSION_ID (nobody
    present, not counted) and DUPLICATED_REGISTRATION (its row repeated at the end of 2024's
    file, counted once).
    """
    rng = np.random.default_rng([seed, 2])
    folder = Path(out_dir) / "training"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, year in enumerate(YEARS):
        n_sessions, n_present = COURSE_PLAN[year]
        low = _MEMBER_FIRST_NUMBER + i * _MEMBER_WINDOW_STEP * scale
        pool = np.arange(low, low + _MEMBER_POOL * scale)
        regs = _course_year(
            rng,
            year,
            n_sessions * scale,
            n_present * scale,
            pool,
            _RESERVED_SESSION_NUMBERS.get(year, 0) + 1,
        )
        if year == 2024:
            session, participant = DUPLICATED_REGISTRATION
            first = regs.index[(regs["id_session"] == session) & (regs["statut"] == "présent")][0]
            regs.loc[first, "id_participant"] = participant
            empty_pool = rng.choice(pool, size=len(EMPTY_SESSION_STATUSES), replace=False)
            empty = pd.DataFrame(
                {
                    "id_session": EMPTY_SESSION_ID,
                    "titre": "Comprendre sa fiche de paie",
                    "date": np.datetime64("2024-01-10", "D"),
                    "public_cible": "membres",
                    "id_participant": [f"P{p:05d}" for p in empty_pool],
                    "statut": list(EMPTY_SESSION_STATUSES),
                }
            )
            regs = pd.concat([empty, regs], ignore_index=True)
            # The same registration exported a second time, appended by a later export run.
            regs = pd.concat([regs, regs.loc[[first + len(empty)]]], ignore_index=True)
        out = regs.assign(date_session=pd.to_datetime(regs["date"]).dt.strftime("%d/%m/%Y"))
        path = folder / f"member_courses_{year}.csv"
        out[list(COURSE_HEADER)].to_csv(
            path, sep=";", index=False, encoding=COURSE_ENCODING, lineterminator="\r\n"
        )
        paths.append(path)
    return paths
