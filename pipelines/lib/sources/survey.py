"""The member survey: LimeSurvey exports "CSV, question codes, answer codes" and their codebooks.

One survey per pair of files named after the survey id, which starts with its reference month:
`survey/<id>_responses.csv` and `survey/<id>_codebook.csv`. The codebook says which response
columns hold questions and of which type (`likert5`, `single`, `text`).

Free-text answers (`text` questions) may name people: they are personal data and are never
read past the header. A response's answers to the other questions are loaded as one map
(response column -> answer code), so that every survey, whatever its questions, lands in the
same table; a cell that is not shaped like an answer code (at most five letters and digits) is
not kept, and its response is quarantined (`bad_answer_code`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.ingest import (
    Column,
    ExportError,
    ExportInputs,
    ExportSpec,
    LoadResult,
    RowRule,
    StagedFile,
    check_header,
    csv_reader_sql,
    display_name,
    duplicate_conflicts,
    load_csv_export,
    load_export,
    read_header,
    readable_csv,
    records_check,
    text_column,
    trimmed,
)
from pipelines.lib.warehouse import quote_identifier, quote_literal, scratch_folder

SURVEY_FILE = re.compile(
    r"^(?P<id>(?P<year>\d{4})-(?P<month>\d{2})\S*?)_(?P<kind>responses|codebook)\.csv$"
)
QUESTION_TYPES = ("likert5", "single", "text")
LIKERT_SCALE = ("A1", "A2", "A3", "A4", "A5", "A6")  # A6: don't know / not applicable
ANSWER_CODE = "[A-Za-z0-9]{1,5}"
LANGUAGES = ("nl", "fr")
TIMESTAMP_SQL = "try_strptime({v}, '%Y-%m-%d %H:%M:%S')"


@dataclass(frozen=True)
class Survey:
    survey_id: str
    year: int
    responses: Path
    codebook: Path


def find_surveys(survey_dir: Path, raw_dir: Path) -> tuple[list[Survey], list[str]]:
    """The surveys of the folder, and warnings for files that are not part of one."""
    found: dict[str, dict[str, Path]] = {}
    warnings: list[str] = []
    paths = sorted(p for p in survey_dir.iterdir() if p.is_file()) if survey_dir.is_dir() else []
    for path in paths:
        match = SURVEY_FILE.match(path.name)
        if match is None:
            warnings.append(
                f"{display_name(path, raw_dir)}: not a survey export "
                "(<YYYY-MM...>_responses.csv or _codebook.csv), ignored"
            )
            continue
        found.setdefault(match["id"], {})[match["kind"]] = path
    surveys = []
    for survey_id, files in sorted(found.items()):
        if "responses" not in files:
            warnings.append(
                f"{display_name(files['codebook'], raw_dir)}: no responses file "
                f"{survey_id}_responses.csv beside it, ignored"
            )
            continue
        if "codebook" not in files:
            raise ExportError(
                f"{display_name(files['responses'], raw_dir)}: the codebook "
                f"{survey_id}_codebook.csv is missing; the answers cannot be read without it"
            )
        surveys.append(Survey(survey_id, int(survey_id[:4]), files["responses"], files["codebook"]))
    return surveys, warnings


CODEBOOK = ExportSpec(
    name="survey_codebook",
    description="What each response column of each survey holds: the question's theme, type "
    "and text (from the survey's codebook file).",
    columns=(
        Column(
            "column",
            required=True,
            target="column_name",
            description="Response column, e.g. WC[SQ001].",
        ),
        Column(
            "theme",
            required=True,
            description="Theme (working_conditions, social_protection, ...).",
        ),
        Column(
            "type",
            required=True,
            allowed=QUESTION_TYPES,
            target="question_type",
            description="likert5 (A1 very dissatisfied ... A5 very satisfied, A6 don't "
            "know), single (one answer code) or text (free text: never read).",
        ),
        Column("text_nl", description="Question in Dutch."),
        Column("text_fr", description="Question in French."),
    ),
    # the codebook types every answer of its survey: a bad row would make them all wrong
    on_invalid_row="error",
    extra_columns_sql={"survey_id": "regexp_extract({file}, '([^/]+)_codebook\\.csv$', 1)"},
    extra_descriptions={"survey_id": "Survey id (starts with its reference month YYYY-MM)."},
)

_META = (
    Column(
        "id",
        "BIGINT",
        required=True,
        target="response_id",
        description="LimeSurvey response id.",
    ),
    Column(
        "submitdate",
        "TIMESTAMP",
        parse=TIMESTAMP_SQL,
        target="submitted_at",
        description="When the response was submitted; NULL for an incomplete response.",
    ),
    Column("lastpage", "INTEGER", description="Last page saved."),
    Column(
        "startlanguage",
        required=True,
        allowed=LANGUAGES,
        target="language",
        description="Language the respondent answered in (nl, fr).",
    ),
    Column("seed", load=False),
    Column(
        "startdate",
        "TIMESTAMP",
        parse=TIMESTAMP_SQL,
        target="started_at",
        description="When the respondent started.",
    ),
    Column("datestamp", load=False),
)
_ANSWERS = Column(
    "answers",
    "MAP(VARCHAR, VARCHAR)",
    parse="map_from_entries(list_filter(map_entries({v}), lambda e: e.value is not null))",
    in_header=False,
    stage_type="MAP(VARCHAR, VARCHAR)",
    description="Answer codes by response column, for the likert5 and single questions of the "
    "codebook (unanswered questions are left out; free-text questions are never read).",
)


def responses_spec(
    question_columns: Sequence[str], likert: dict[str, Sequence[str]] | None = None
) -> ExportSpec:
    """The responses export, with a rule per loaded question column (any survey's): an answer
    not shaped like a code is `bad_answer_code`; an answer to a likert5 question (`likert`:
    column -> the surveys whose codebook says so) outside A1-A6 is `outside_scale`."""
    answers = text_column(_ANSWERS.name)
    rules = tuple(
        RowRule(
            column,
            f"{answers}[{quote_literal(column)}] is not null and not "
            f"regexp_full_match({answers}[{quote_literal(column)}], '{ANSWER_CODE}')",
            "bad_answer_code",
        )
        for column in sorted(set(question_columns))
    )
    scale = ", ".join(quote_literal(code) for code in LIKERT_SCALE)
    rules += tuple(
        RowRule(
            column,
            f"survey_id in ({', '.join(quote_literal(s) for s in sorted(surveys))}) "
            f"and {answers}[{quote_literal(column)}] not in ({scale}) "
            f"and regexp_full_match({answers}[{quote_literal(column)}], '{ANSWER_CODE}')",
            "outside_scale",
        )
        for column, surveys in sorted((likert or {}).items())
    )
    return ExportSpec(
        name="survey_responses",
        description="Survey responses, one row per response and file, with the answer codes of "
        "the likert5 and single questions (free-text answers are never read).",
        columns=(*_META, _ANSWERS),
        rules=rules,
        extra_columns_sql={"survey_id": "regexp_extract({file}, '([^/]+)_responses\\.csv$', 1)"},
        extra_descriptions={"survey_id": "Survey id (starts with its reference month YYYY-MM)."},
    )


def _responses_file(
    path: Path,
    sha256: Future[str],
    questions: dict[str, str],
    spec: ExportSpec,
    raw_dir: Path,
    scratch: Path,
    warnings: list[str],
) -> StagedFile:
    """The meta columns and one map of the loaded questions' answers; text answers unread."""
    display = display_name(path, raw_dir)
    header = read_header(path, spec, display)
    check_header(header, spec, display)  # a missing meta column is an error
    for column in questions:
        if column not in header:
            raise ExportError(
                f"{display}: column {column!r} of the codebook is missing from the header"
            )
    known = {c.name for c in spec.columns} | set(questions)
    warnings.extend(
        f"{display}: unknown column {name!r} ignored" for name in header if name not in known
    )
    texts = [
        f"{trimmed(quote_identifier(c.name))} as {text_column(c.name)}"
        for c in spec.loaded
        if c.in_header
    ]
    loaded = [column for column, kind in questions.items() if kind != "text"]
    if loaded:
        keys = ", ".join(quote_literal(column) for column in loaded)
        values = ", ".join(trimmed(quote_identifier(column)) for column in loaded)
        texts.append(f"map([{keys}], [{values}]) as {text_column(_ANSWERS.name)}")
    else:
        texts.append(f"map([]::varchar[], []::varchar[]) as {text_column(_ANSWERS.name)}")
    readable = readable_csv(path, spec, display, scratch)
    reader = csv_reader_sql(readable, header, spec)
    return StagedFile(
        display,
        sha256,
        f"select {', '.join(texts)} from {reader}",
        verify_records=records_check(path, readable, spec.delimiter),
    )


def load_surveys(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, *, reuse: bool = True
) -> tuple[LoadResult, LoadResult, list[str]]:
    """Codebooks into ingest.survey_codebook, then responses into ingest.survey_responses.

    `reuse`: keep each table when its files, the codebook and the code are unchanged."""
    surveys, warnings = find_surveys(raw_dir / "survey", raw_dir)
    codebooks = load_csv_export(con, CODEBOOK, [s.codebook for s in surveys], raw_dir, reuse=reuse)
    duplicate_conflicts(
        con,
        CODEBOOK.table,
        ["survey_id", "column_name"],
        ["theme", "question_type", "text_nl", "text_fr"],
        "codebook column(s) described twice, differently",
    )
    rows = con.execute(
        f"select distinct survey_id, column_name, question_type from {CODEBOOK.table} order by all"
    ).fetchall()
    questions: dict[str, dict[str, str]] = {}
    for survey_id, column, kind in rows:
        questions.setdefault(survey_id, {})[column] = kind
    likert: dict[str, list[str]] = {}
    for survey_id, column, kind in rows:
        if kind == "likert5":
            likert.setdefault(column, []).append(survey_id)
    spec = responses_spec([c for _, c, kind in rows if kind != "text"], likert)

    paths = [survey.responses for survey in surveys]
    # which questions are read from which survey's file comes from the codebook
    inputs = ExportInputs.of(paths, raw_dir, repr(sorted(questions.items())))

    def staged(scratch: Path) -> Iterator[StagedFile]:
        for survey, digest in zip(surveys, inputs.digests, strict=True):
            yield _responses_file(
                survey.responses,
                digest,
                questions.get(survey.survey_id, {}),
                spec,
                raw_dir,
                scratch,
                warnings,
            )

    with scratch_folder(con) as scratch:
        responses = load_export(
            con, spec, staged(Path(scratch)), warnings, inputs=inputs, reuse=reuse
        )
    duplicate_conflicts(
        con,
        spec.table,
        ["survey_id", "response_id"],
        ["submitted_at", "lastpage", "language", "started_at", "answers"],
        "survey response(s) (survey, id) exported twice with different contents",
    )
    return codebooks, responses, warnings + codebooks.warnings
