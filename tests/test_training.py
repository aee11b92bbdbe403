"""Staff training workbooks and member course registrations: every quirk, on files built for it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from pipelines.lib.ingest import ExportError, load_csv_export, load_workbook_export
from pipelines.lib.sources.training import (
    MEMBER_COURSES,
    STAFF_PARTICIPATIONS,
    STAFF_TRAININGS,
    check_course_duplicates,
    check_staff_duplicates,
    member_course_files,
    staff_training_files,
)
from pipelines.lib.warehouse import pseudonym_macro_sql
from tests.builders import Register
from tests.helpers import build, figures, query

TRAINING_HEADER = [
    "Opleidings-ID", "Titel", "Type", "Aanbieder", "Startdatum", "Einddatum", "Kostprijs (EUR)",
]  # fmt: skip
PARTICIPATION_HEADER = ["Opleidings-ID", "Personeelsnummer", "Geslacht", "Uren"]
COURSE_HEADER = ["id_session", "titre", "date_session", "public_cible", "id_participant", "statut"]


def training(
    training_id: str, start: dt.date | float | str, kind: str = "formeel", **extra: object
) -> list[object]:
    """A row of the Opleidingen sheet (start: a date cell, a serial number or a text)."""
    end = extra.get("end", start)
    return [training_id, extra.get("title", "Excel"), kind, "intern", start, end, 120.5]


def write_workbook(
    raw_dir: Path,
    year: int,
    trainings: list[list[object]],
    participations: list[tuple[object, ...]],
    totals: bool = True,
) -> Path:
    """An HR workbook as HR writes it: title in row 1, header in row 3, a totals row."""
    path = raw_dir / "training" / f"staff_training_{year}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Opleidingen"
    sheet.append([f"Opleidingen ondersteunende teams {year}"])
    sheet.append([])
    sheet.append(TRAINING_HEADER)
    for row in trainings:
        sheet.append(row)
    if totals:
        sheet.append([None, "Totaal", None, None, None, None, 120.5 * len(trainings)])
    people = workbook.create_sheet("Deelnames")
    people.append(PARTICIPATION_HEADER)
    for row in participations:
        people.append(list(row))
    workbook.save(path)
    return path


def write_courses(raw_dir: Path, year: int, rows: list[tuple[str, ...]]) -> Path:
    """The booking tool's export: Windows-1252, `;`, CRLF."""
    path = raw_dir / "training" / f"member_courses_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [";".join(COURSE_HEADER)] + [";".join(row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def people(n: int, gender: str, training_id: str, hours: float, first: int) -> list[tuple]:
    return [(training_id, first + i, gender, hours) for i in range(n)]


def base_register() -> Register:
    register = Register()
    for number in (1, 2):
        register.member(number)
        register.subscribe("2020-01-15", number, 2)
    return register


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute(pseudonym_macro_sql(b"k" * 32))
    yield connection
    connection.close()


def load_staff(con, raw_dir: Path):
    files = staff_training_files(raw_dir)
    specs = (STAFF_TRAININGS, STAFF_PARTICIPATIONS)
    return [load_workbook_export(con, spec, files, raw_dir) for spec in specs]


def test_title_and_totals_rows_are_neither_read_nor_quarantined(settings, con):
    write_workbook(
        settings.raw_dir,
        2024,
        [
            training("OPL-1", dt.date(2024, 3, 5)),
            training("OPL-2", dt.date(2024, 4, 9), "informeel"),
            training("OPL-3", dt.date(2024, 5, 2), "extern"),  # not a type: quarantined
        ],
        [("OPL-1", 10001, "V", 7.5)],
    )
    trainings, participations = load_staff(con, settings.raw_dir)
    assert (trainings.rows_read, trainings.rows_loaded, trainings.rows_quarantined) == (3, 2, 1)
    assert con.execute(
        "select source_row, training_id, training_type, start_date from ingest.staff_trainings "
        "order by source_row"
    ).fetchall() == [
        (4, "OPL-1", "formeel", dt.date(2024, 3, 5)),
        (5, "OPL-2", "informeel", dt.date(2024, 4, 9)),
    ]
    # the quarantine names the row Excel shows; the title (1), empty (2), header (3) and
    # totals (7) rows are not there, and not counted as read
    assert con.execute(
        "select export, source_file, source_row, column_name, reason from quality.quarantine"
    ).fetchall() == [
        ("staff_trainings", "training/staff_training_2024.xlsx", 6, "Type", "not_allowed")
    ]
    assert con.execute(
        "select source_row, staff_number, gender, hours from ingest.staff_participations"
    ).fetchall() == [(2, "10001", "V", 7.5)]
    assert participations.rows_read == 1


def test_excel_dates_as_date_cells_datetimes_serial_numbers_or_text(settings, con):
    write_workbook(
        settings.raw_dir,
        2024,
        [
            training("OPL-1", dt.date(2024, 1, 11)),
            training("OPL-2", dt.datetime(2024, 1, 11, 9, 30)),
            training("OPL-3", 45302),  # a date without a date format: Excel's serial number
            training("OPL-4", "11/01/2024"),  # typed by hand as text
        ],
        [],
    )
    load_staff(con, settings.raw_dir)
    assert con.execute("select distinct start_date from ingest.staff_trainings").fetchall() == [
        (dt.date(2024, 1, 11),)
    ]
    assert con.execute("select count(*) from ingest.staff_trainings").fetchone() == (4,)


def test_missing_sheet_is_an_error_naming_file_and_sheet(settings, con):
    path = settings.raw_dir / "training" / "staff_training_2024.xlsx"
    path.parent.mkdir(parents=True)
    workbook = Workbook()
    workbook.active.title = "Opleidingen"
    workbook.save(path)
    with pytest.raises(ExportError, match="required sheet 'Deelnames' is missing") as raised:
        load_workbook_export(con, STAFF_PARTICIPATIONS, [path], settings.raw_dir)
    assert "training/staff_training_2024.xlsx" in str(raised.value)


def test_identical_copies_count_once_and_differing_copies_are_an_error(settings, con):
    shared = training("OPL-2023-001", dt.date(2023, 11, 27), end=dt.date(2024, 2, 5))
    write_workbook(settings.raw_dir, 2023, [shared], [("OPL-2023-001", 10001, "M", 10.5)])
    write_workbook(settings.raw_dir, 2024, [shared], [("OPL-2023-001", 10001, "M", 10.5)])
    load_staff(con, settings.raw_dir)
    check_staff_duplicates(con)  # identical: no error

    changed = training("OPL-2023-001", dt.date(2023, 11, 28), end=dt.date(2024, 2, 5))
    write_workbook(settings.raw_dir, 2024, [changed], [("OPL-2023-001", 10001, "M", 10.5)])
    load_staff(con, settings.raw_dir)
    with pytest.raises(ExportError) as raised:
        check_staff_duplicates(con)
    message = str(raised.value)
    assert "'OPL-2023-001'" in message
    assert "training/staff_training_2023.xlsx row 4" in message
    assert "training/staff_training_2024.xlsx row 4" in message


def test_training_counts_in_its_start_year_and_once(settings):
    register = base_register()
    repeated = training("OPL-2023-001", dt.date(2023, 11, 27), end=dt.date(2024, 2, 5))
    repeated_people = people(3, "V", "OPL-2023-001", 10.5, 20001)
    write_workbook(
        settings.raw_dir,
        2023,
        [repeated, training("OPL-2023-002", dt.date(2023, 3, 1))],
        repeated_people + people(2, "M", "OPL-2023-002", 7.0, 20011),
    )
    write_workbook(
        settings.raw_dir,
        2024,
        [
            repeated,
            # listed in 2024's workbook, started in December 2023: counts in 2023
            training("OPL-2024-001", dt.date(2023, 12, 11), end=dt.date(2024, 1, 19)),
            training("OPL-2024-002", dt.date(2024, 10, 8)),  # nobody took part: not counted
            training("OPL-2024-003", dt.date(2024, 2, 6), "informeel"),
        ],
        repeated_people
        + people(4, "M", "OPL-2024-001", 14.0, 20001)
        + people(5, "V", "OPL-2024-003", 1.5, 20101),
    )
    outcome = build(settings, register)
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    values_2023 = figures(settings, 2023)
    assert values_2023["p5.staff_trainings"] == 3
    assert values_2023["p5.staff_training_hours"] == 3 * 10.5 + 2 * 7.0 + 4 * 14.0
    # 20001..20003 (repeated), 20011 and 20012, and 20001..20004 (cross-year)
    assert values_2023["p5.staff_training_participants"] == 6
    values_2024 = figures(settings, 2024)
    assert values_2024["p5.staff_trainings"] == 1
    assert values_2024["p5.staff_training_hours"] == 7.5
    assert values_2024["p5.staff_training_participants"] == 5
    assert query(
        settings,
        "select training_id, year, counted, len(listed_in) from core.staff_trainings "
        "where training_id in ('OPL-2023-001', 'OPL-2024-001', 'OPL-2024-002') order by 1",
    ) == [("OPL-2023-001", 2023, True, 2), ("OPL-2024-001", 2023, True, 1),
          ("OPL-2024-002", 2024, False, 1)]  # fmt: skip
    # no staff number is published
    columns = query(
        settings,
        "select column_name from duckdb_columns() where column_name ilike '%staff_number%'",
    )
    assert columns == []
    # a year without a workbook says so
    note = query(
        settings,
        "select note from annex.figures where year = 2022 and figure_id = 'p5.staff_trainings'",
    )
    assert note == [("no staff training workbook covers this year",)]


def test_small_gender_cells_are_suppressed_with_their_complement(settings):
    participations = (
        people(12, "V", "OPL-1", 2.0, 30001)
        + people(11, "M", "OPL-1", 2.0, 30101)
        + people(3, "X", "OPL-1", 2.0, 30201)
    )
    write_workbook(settings.raw_dir, 2024, [training("OPL-1", dt.date(2024, 5, 6))], participations)
    outcome = build(settings, base_register())
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    values = figures(settings, 2024)
    assert values["p5.staff_training_hours"] == 52.0
    assert values["p5.staff_training_hours.gender.V"] == 24.0
    assert values["p5.staff_training_hours.gender.X"] is None  # 3 people
    assert values["p5.staff_training_hours.gender.M"] is None  # else X = total - V - M
    assert values["p5.staff_training_hours.formeel"] == 52.0
    assert values["p5.staff_training_hours.informeel"] is None  # nobody
    notes = dict(
        query(
            settings,
            "select figure_id, note from annex.figures where year = 2024 "
            "and figure_id like 'p5.staff_training_hours.gender.%'",
        )
    )
    assert notes["p5.staff_training_hours.gender.X"] == "suppressed: fewer than 10 people"
    assert notes["p5.staff_training_hours.gender.M"].startswith("suppressed: with the total")
    assert notes["p5.staff_training_hours.gender.V"] is None
    assert query(
        settings,
        "select category, participants, hours, suppressed from annex.staff_training "
        "where year = 2024 and breakdown = 'gender' order by category",
    ) == [("M", None, None, True), ("V", 12, 24.0, False), ("X", None, None, True)]


def test_participation_of_an_unknown_training_is_quarantined_and_the_build_goes_on(settings):
    write_workbook(
        settings.raw_dir,
        2024,
        [training("OPL-1", dt.date(2024, 5, 6))],
        [("OPL-1", 1, "V", 2.0), ("OPL-9", 2, "M", 3.0)],
    )
    outcome = build(settings, base_register())
    assert outcome.published and not outcome.failed_checks, outcome.errors
    assert query(
        settings,
        "select source_file, source_row, column_name, reason from quality.quarantine "
        "where export = 'staff_participations'",
    ) == [("training/staff_training_2024.xlsx", 3, "Opleidings-ID", "unknown_training")]
    assert query(  # rows conserved: 2 read = 1 loaded + 1 quarantined
        settings,
        "select rows_read, rows_loaded, rows_quarantined from quality.ingest_files "
        "where export = 'staff_participations'",
    ) == [(2, 1, 1)]
    assert figures(settings, 2024)["p5.staff_training_hours"] == 2.0


def test_non_positive_hours_are_quarantined_and_the_build_goes_on(settings):
    write_workbook(
        settings.raw_dir,
        2024,
        [training("OPL-1", dt.date(2024, 5, 6))],
        [("OPL-1", 1, "V", 2.0), ("OPL-1", 2, "M", 0), ("OPL-1", 3, "M", "zeven"),
         ("OPL-1", 4, "X", -1.5)],
    )  # fmt: skip
    outcome = build(settings, base_register())
    assert outcome.published and not outcome.failed_checks, outcome.errors
    assert query(
        settings,
        "select source_row, column_name, reason from quality.quarantine "
        "where export = 'staff_participations' order by source_row",
    ) == [(3, "Uren", "not_positive"), (4, "Uren", "bad_type"), (5, "Uren", "not_positive")]
    assert figures(settings, 2024)["p5.staff_training_hours"] == 2.0


def test_courses_in_windows_1252_with_oe_ligature(settings, con):
    write_courses(
        settings.raw_dir,
        2024,
        [
            ("S1", "Œuvrer en coopérative", "05/03/2024", "membres", "P1", "présent"),
            ("S2", "Cœur de métier", "06/03/2024", "grand public", "P2", "annulé"),
        ],
    )
    result = load_csv_export(
        con, MEMBER_COURSES, member_course_files(settings.raw_dir), settings.raw_dir
    )
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    assert con.execute(
        "select title, session_date, audience, status from ingest.member_course_registrations "
        "order by source_row"
    ).fetchall() == [
        ("Œuvrer en coopérative", dt.date(2024, 3, 5), "membres", "présent"),
        ("Cœur de métier", dt.date(2024, 3, 6), "grand public", "annulé"),
    ]


def test_a_byte_that_is_not_windows_1252_is_an_error(settings, con):
    path = write_courses(
        settings.raw_dir, 2024, [("S1", "x", "05/03/2024", "membres", "P1", "inscrit")]
    )
    path.write_bytes(path.read_bytes().replace(b"x", b"\x81"))  # undefined in cp1252
    with pytest.raises(ExportError, match="not valid cp1252") as raised:
        load_csv_export(con, MEMBER_COURSES, [path], settings.raw_dir)
    assert "training/member_courses_2024.csv" in str(raised.value)


def test_duplicate_registration_counts_once_and_conflicts_are_errors(settings, con):
    rows = [
        ("S1", "Facturer", "05/03/2024", "membres", "P1", "présent"),
        ("S1", "Facturer", "05/03/2024", "membres", "P2", "absent"),
        ("S1", "Facturer", "05/03/2024", "membres", "P2", "présent"),  # P2 present after all
        ("S1", "Facturer", "05/03/2024", "membres", "P1", "présent"),  # exported twice
        ("S2", "Facturer", "06/03/2024", "membres", "P3", "absent"),  # nobody present
    ]
    write_courses(settings.raw_dir, 2024, rows)
    outcome = build(settings, base_register())
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    values = figures(settings, 2024)
    assert values["p5.member_trainings"] == 1
    assert values["p5.member_training_participants"] == 2
    assert query(
        settings,
        "select session_id, registrations, participants, took_place "
        "from core.member_course_sessions order by 1",
    ) == [("S1", 2, 2, True), ("S2", 1, 0, False)]

    # the same session on another date in another file: an error naming both places
    write_courses(
        settings.raw_dir, 2023, [("S1", "Facturer", "05/03/2023", "membres", "P9", "présent")]
    )
    outcome = build(settings)
    assert not outcome.published
    message = " ".join(outcome.errors)
    assert "'S1'" in message and "two different dates" in message
    assert "training/member_courses_2023.csv row 1" in message
    assert "training/member_courses_2024.csv row 1" in message


def test_conflicting_copies_of_a_registration_are_an_error(settings, con):
    write_courses(
        settings.raw_dir,
        2024,
        [
            ("S1", "Facturer", "05/03/2024", "membres", "P1", "présent"),
            ("S1", "Facturer ses prestations", "05/03/2024", "membres", "P1", "présent"),
        ],
    )
    load_csv_export(con, MEMBER_COURSES, member_course_files(settings.raw_dir), settings.raw_dir)
    with pytest.raises(ExportError, match="'S1, P1' in training/member_courses_2024.csv row 1"):
        check_course_duplicates(con)
