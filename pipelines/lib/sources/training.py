"""Training exports: HR's staff training workbooks and the course-booking tool's registrations.

- `training/staff_training_YYYY.xlsx` (fastexcel): sheet `Opleidingen` (title in row 1,
  header in row 3, a totals row `Totaal` at the bottom that is not data) and sheet `Deelnames`
  (header in row 1). A training counts in the year of its start date, whatever file lists it.
- `training/member_courses_YYYY.csv` (DuckDB's CSV reader): Windows-1252, `;`, dates
  `dd/mm/yyyy`, one row per registration.

A record exported twice counts once when both copies are identical; copies that differ are an
error naming the key and both places (`check_*_duplicates`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.lib.ingest import (
    EXCEL_DATE_SQL,
    Column,
    ExportSpec,
    RowRule,
    WorkbookSheet,
    duplicate_conflicts,
    iter_files,
    text_column,
)

TRAINING_TYPES = ("formeel", "informeel", "initieel")
GENDERS = ("M", "V", "X")
AUDIENCES = ("membres", "grand public", "membres et grand public")
STATUSES = ("inscrit", "présent", "absent", "annulé")
PRESENT = "présent"


def staff_training_files(raw_dir: Path) -> list[Path]:
    return list(iter_files(raw_dir / "training", "staff_training_[0-9][0-9][0-9][0-9].xlsx"))


def member_course_files(raw_dir: Path) -> list[Path]:
    return list(iter_files(raw_dir / "training", "member_courses_[0-9][0-9][0-9][0-9].csv"))


def _file_year(prefix: str) -> str:
    return f"try_cast(regexp_extract({{file}}, '{prefix}_([0-9]{{{{4}}}})', 1) as integer)"


# A staff number as HR types it: a number cell (10001.0 once read) or a text id.
STAFF_NUMBER_SQL = "regexp_replace({v}, '^([0-9]+)\\.0+$', '\\1')"
# Hours as a number cell, or typed as text with a decimal comma (7,5).
HOURS_SQL = "try_cast(replace({v}, ',', '.') as double)"

STAFF_TRAININGS = ExportSpec(
    name="staff_trainings",
    description="Trainings of the support staff as listed in HR's workbooks (sheet Opleidingen), "
    "one row per training and file: a training that runs over two years may be listed in both "
    "files (identical copies count once).",
    columns=(
        Column("Opleidings-ID", required=True, target="training_id", description="Training id."),
        Column("Titel", target="title", description="Title."),
        Column(
            "Type",
            required=True,
            allowed=TRAINING_TYPES,
            target="training_type",
            description="formeel, informeel or initieel (the social balance sheet's formal, "
            "less formal and initial training).",
        ),
        Column("Aanbieder", target="provider", description="intern or the external provider."),
        Column(
            "Startdatum",
            "DATE",
            required=True,
            parse=EXCEL_DATE_SQL,
            target="start_date",
            description="First day; the training counts in this year.",
        ),
        Column(
            "Einddatum", "DATE", parse=EXCEL_DATE_SQL, target="end_date", description="Last day."
        ),
        Column(
            "Kostprijs (EUR)",
            "DECIMAL(12, 2)",
            parse="try_cast(replace({v}, ',', '.') as decimal(12, 2))",
            target="cost_eur",
            description="Cost in euro.",
        ),
    ),
    rules=(RowRule("Einddatum", "end_date < start_date", "end_before_start"),),
    extra_columns_sql={"file_year": _file_year("staff_training")},
    extra_descriptions={"file_year": "Year in the file name (HR's registration year)."},
    workbook=WorkbookSheet(
        "Opleidingen",
        header_row=3,
        skip_when=f"{text_column('Opleidings-ID')} is null "
        f"and lower({text_column('Titel')}) in ('totaal', 'total')",
    ),
)

STAFF_PARTICIPATIONS = ExportSpec(
    name="staff_participations",
    description="Who followed which staff training and for how many hours (sheet Deelnames), one "
    "row per participation and file (ingestion layer: holds staff numbers, never published).",
    columns=(
        Column("Opleidings-ID", required=True, target="training_id", description="The training."),
        Column(
            "Personeelsnummer",
            required=True,
            parse=STAFF_NUMBER_SQL,
            target="staff_number",
            description="Staff number (an identifier: stays in the ingestion layer).",
        ),
        Column("Geslacht", required=True, allowed=GENDERS, target="gender", description="M, V, X."),
        Column(
            "Uren",
            "DOUBLE",
            required=True,
            parse=HOURS_SQL,
            target="hours",
            description="Hours followed.",
        ),
    ),
    rules=(
        # rules of the file's own (raw-exports.md): such a row is quarantined, the build goes on
        RowRule("Uren", "hours <= 0", "not_positive"),
        # the trainings of every workbook are loaded first (staff_training_workbooks)
        RowRule(
            "Opleidings-ID",
            "training_id not in (select training_id from ingest.staff_trainings)",
            "unknown_training",
        ),
    ),
    extra_columns_sql={"file_year": _file_year("staff_training")},
    extra_descriptions={"file_year": "Year in the file name."},
    workbook=WorkbookSheet("Deelnames", header_row=1),
)

MEMBER_COURSES = ExportSpec(
    name="member_course_registrations",
    description="Registrations to the courses for members and the public, as exported by the "
    "booking tool, one row per registration and file (ingestion layer: holds participant ids).",
    columns=(
        Column("id_session", required=True, target="session_id", description="Session id."),
        Column("titre", target="title", description="Course title (French)."),
        Column(
            "date_session",
            "DATE",
            required=True,
            parse="try_cast(try_strptime({v}, '%d/%m/%Y') as date)",
            target="session_date",
            description="Date of the session; it counts in this year.",
        ),
        Column(
            "public_cible",
            required=True,
            allowed=AUDIENCES,
            target="audience",
            description="membres, grand public or membres et grand public.",
        ),
        Column(
            "id_participant",
            required=True,
            target="participant_id",
            description="Participant id of the booking tool (an identifier: ingestion only).",
        ),
        Column(
            "statut",
            required=True,
            allowed=STATUSES,
            target="status",
            description="inscrit, présent, absent or annulé.",
        ),
    ),
    delimiter=";",
    encoding="cp1252",
    extra_columns_sql={"file_year": _file_year("member_courses")},
    extra_descriptions={"file_year": "Year in the file name."},
)


def check_staff_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    """A training or participation listed twice must be listed identically (else ExportError)."""
    duplicate_conflicts(
        con,
        STAFF_TRAININGS.table,
        ["training_id"],
        ["title", "training_type", "provider", "start_date", "end_date", "cost_eur"],
        "staff training(s) (Opleidings-ID) listed twice with different contents",
    )
    duplicate_conflicts(
        con,
        STAFF_PARTICIPATIONS.table,
        ["training_id", "staff_number"],
        ["gender", "hours"],
        "staff participation(s) (Opleidings-ID, Personeelsnummer) listed twice with different "
        "contents",
    )


def check_course_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    """A session has one date and one audience; a registration's copies agree except on statut
    (a registration counts as present when any of its rows says présent)."""
    duplicate_conflicts(
        con,
        MEMBER_COURSES.table,
        ["session_id"],
        ["session_date", "audience"],
        "session id(s) (id_session) with two different dates or audiences",
    )
    duplicate_conflicts(
        con,
        MEMBER_COURSES.table,
        ["session_id", "participant_id"],
        ["title", "session_date", "audience"],
        "registration(s) (id_session, id_participant) exported twice with different contents",
    )
