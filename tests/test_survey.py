"""The member survey: complete responses only, pooled means, suppression, and no free text."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.ingest import ExportError
from pipelines.lib.sources.survey import load_surveys
from pipelines.sample.survey import COMMENT_NAMES, NAMED_COMMENTS
from tests.builders import Register
from tests.helpers import build, figures, query

META = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
QUESTIONS = [
    ("WC[SQ001]", "working_conditions", "likert5"),
    ("WC[SQ002]", "working_conditions", "likert5"),
    ("SP[SQ001]", "social_protection", "likert5"),
    ("STATUS", "profile", "single"),
    ("COMMENT", "comment", "text"),
]
SECRET = "Merci à Madeleine Verhaegen-Quintelier, toujours disponible"


def response(rid: int, answers: dict[str, str], complete: bool = True, lang: str = "nl") -> dict:
    day = 4 + rid % 20
    row = {
        "id": rid,
        "submitdate": f"2024-03-{day:02d} 10:00:00" if complete else "",
        "lastpage": 3 if complete else 1,
        "startlanguage": lang,
        "seed": 123456789,
        "startdate": f"2024-03-{day:02d} 09:50:00",
        "datestamp": f"2024-03-{day:02d} 10:00:00",
    }
    row.update(answers)
    return row


def write_survey(
    raw_dir: Path,
    rows: list[dict],
    survey_id: str = "2024-03_tevredenheid",
    questions: list[tuple[str, str, str]] = QUESTIONS,
) -> tuple[Path, Path]:
    folder = raw_dir / "survey"
    folder.mkdir(parents=True, exist_ok=True)
    responses = folder / f"{survey_id}_responses.csv"
    columns = META + [q[0] for q in questions]
    with open(responses, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in columns} for row in rows)
    codebook = folder / f"{survey_id}_codebook.csv"
    with open(codebook, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["column", "theme", "type", "text_nl", "text_fr"])
        for column, theme, kind in questions:
            writer.writerow([column, theme, kind, f"Vraag {column}?", f"Question {column} ?"])
    return responses, codebook


def register_with_members(n: int) -> Register:
    register = Register()
    for number in range(1, n + 1):
        register.member(number)
        register.subscribe("2020-01-15", number, 1)
    return register


def uniform(n: int, first: int, wc: str, sp: str, **extra: str) -> list[dict]:
    return [
        response(first + i, {"WC[SQ001]": wc, "WC[SQ002]": wc, "SP[SQ001]": sp, **extra})
        for i in range(n)
    ]


def test_complete_responses_only_a6_left_out_and_answers_pooled(settings):
    rows = (
        uniform(10, 1, "A2", "A5", STATUS="A1")
        + uniform(4, 101, "A4", "A6", STATUS="A1")  # A6: don't know, left out
        + [response(201, {"WC[SQ001]": "A5", "WC[SQ002]": "", "SP[SQ001]": "A1"})]  # one skipped
        + [
            response(301 + i, {"WC[SQ001]": "A1", "WC[SQ002]": "A1", "SP[SQ001]": "A1"}, False)
            for i in range(30)  # incomplete: never counted
        ]
    )
    write_survey(settings.raw_dir, rows)
    outcome = build(settings, register_with_members(40))
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    values = figures(settings, 2024)
    assert values["p2.survey.responses"] == 15
    assert values["p2.survey.response_rate"] == pytest.approx(15 / 40, rel=1e-12)
    # working conditions: 10x(2,2), 4x(4,4), one 5: pooled over answers, not question means
    wc = (10 * 2 * 2 + 4 * 2 * 4 + 5) / (10 * 2 + 4 * 2 + 1)
    assert values["p2.survey.satisfaction_mean.working_conditions"] == pytest.approx(wc, rel=1e-12)
    sp = (10 * 5 + 1) / 11
    assert values["p2.survey.satisfaction_mean.social_protection"] == pytest.approx(sp, rel=1e-12)
    overall = (10 * 2 * 2 + 4 * 2 * 4 + 5 + 10 * 5 + 1) / (29 + 11)
    assert values["p2.survey.satisfaction_mean.overall"] == pytest.approx(overall, rel=1e-12)
    assert values["p2.survey.top2box.working_conditions"] == pytest.approx(9 / 29, rel=1e-12)
    assert values["p2.survey.top2box.social_protection"] == pytest.approx(10 / 11, rel=1e-12)
    assert values["p2.survey.top2box.overall"] == pytest.approx(19 / 40, rel=1e-12)
    assert values["p2.survey.band.working_conditions"] == "moderate"  # 2.66
    assert values["p2.survey.band.social_protection"] == "high"  # 4.64
    assert values["p2.survey.band"] == "moderate"  # 3.2
    assert query(
        settings,
        "select answer_code, answers from annex.survey_distribution "
        "where question_column = 'SP[SQ001]' order by answer_code",
    ) == [("A1", 1), ("A2", 0), ("A3", 0), ("A4", 0), ("A5", 10), ("A6", 4)]
    assert query(
        settings,
        "select first_complete_date, members_on_first_complete_date, incomplete_responses "
        "from annex.survey_responses",
    ) == [(dt.date(2024, 3, 5), 40, 30)]


def test_small_language_group_is_suppressed_with_its_complement(settings):
    rows = uniform(12, 1, "A3", "A3", STATUS="A1") + [
        response(100 + i, {"WC[SQ001]": "A5", "SP[SQ001]": "A5", "STATUS": "A2"}, lang="fr")
        for i in range(4)
    ]
    write_survey(settings.raw_dir, rows)
    outcome = build(settings, register_with_members(5))
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    rows = query(
        settings,
        "select breakdown, group_value, respondents, satisfaction_mean, band, note "
        "from annex.survey_satisfaction where theme = 'overall' order by breakdown, group_value",
    )
    by_group = {(b, g): (n, mean, band, note) for b, g, n, mean, band, note in rows}
    assert by_group[("all", "all")][:3] == (
        16,
        pytest.approx((12 * 3 * 3 + 4 * 2 * 5) / 44),
        "moderate",
    )
    assert by_group[("language", "fr")] == (None, None, None, "suppressed: fewer than 10 responses")
    # with the total, nl would give fr away: suppressed as well
    assert by_group[("language", "nl")][:3] == (None, None, None)
    assert by_group[("language", "nl")][3].startswith("suppressed: with the total")
    assert by_group[("STATUS", "A2")][0] is None


def test_survey_with_fewer_than_10_responses_publishes_no_statistic(settings):
    write_survey(settings.raw_dir, uniform(6, 1, "A4", "A4"))
    outcome = build(settings, register_with_members(5))
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    values = figures(settings, 2024)
    assert values["p2.survey.responses"] == 6
    assert values["p2.survey.satisfaction_mean.overall"] is None
    assert values["p2.survey.band"] is None
    assert query(
        settings,
        "select distinct answers, note from annex.survey_distribution",
    ) == [(None, "suppressed: fewer than 10 responses")]


def test_free_text_is_never_stored_anywhere_in_the_warehouse(settings):
    rows = uniform(11, 1, "A3", "A4", COMMENT="Geen opmerking")
    rows.append(response(50, {"WC[SQ001]": "A2", "COMMENT": SECRET}))
    # free text typed into a likert column: not an answer code, so not kept either
    rows.append(response(51, {"WC[SQ001]": "Madeleine Verhaegen-Quintelier"}))
    write_survey(settings.raw_dir, rows)
    outcome = build(settings, register_with_members(5))
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    assert query(
        settings,
        "select source_row, column_name, reason from quality.quarantine "
        "where export = 'survey_responses'",
    ) == [(13, "WC[SQ001]", "bad_answer_code")]
    for needle in ("Verhaegen-Quintelier", "Geen opmerking", "Madeleine"):
        for path in settings.warehouse_dir.rglob("*"):
            if path.is_file():
                assert needle.encode() not in path.read_bytes(), (needle, path)
    # nor, in any form, in a column of the working database or the publication
    for database in (settings.work_db_path, settings.publication_path):
        with duckdb.connect(str(database), read_only=True) as con:
            columns = con.execute(
                "select schema_name, table_name, column_name from duckdb_columns() "
                "where data_type = 'VARCHAR' and not internal"
            ).fetchall()
            for schema, table, column in columns:
                found = con.execute(
                    f'select count(*) from "{schema}"."{table}" '
                    f"where \"{column}\" ilike '%Verhaegen%' or \"{column}\" ilike '%opmerking%'"
                ).fetchone()[0]
                assert found == 0, (database, schema, table, column)
            assert con.execute(
                "select count(*) from duckdb_columns() "
                "where column_name ilike '%comment%' and not internal"
            ).fetchone() == (0,)


def test_sample_comments_and_their_names_never_reach_the_warehouse(sample_build):
    needles = list(COMMENT_NAMES) + [text for _, text in NAMED_COMMENTS.values()]
    files = [p for p in sample_build.warehouse_dir.rglob("*") if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        for needle in needles:
            assert needle.encode("utf-8") not in content, (needle, path)


def test_answer_outside_the_likert_scale_is_quarantined_and_the_build_goes_on(settings):
    rows = uniform(11, 1, "A3", "A4")
    rows.append(response(60, {"WC[SQ001]": "A7"}))
    write_survey(settings.raw_dir, rows)
    outcome = build(settings, register_with_members(5))
    assert outcome.published and not outcome.failed_checks, outcome.errors
    assert query(
        settings,
        "select source_row, column_name, reason from quality.quarantine "
        "where export = 'survey_responses'",
    ) == [(12, "WC[SQ001]", "outside_scale")]
    assert query(  # rows conserved: 12 read = 11 loaded + 1 quarantined
        settings,
        "select rows_read, rows_loaded, rows_quarantined from quality.ingest_files "
        "where export = 'survey_responses'",
    ) == [(12, 11, 1)]


def test_responses_without_codebook_are_an_error(settings):
    responses, codebook = write_survey(settings.raw_dir, uniform(3, 1, "A3", "A3"))
    codebook.unlink()
    con = duckdb.connect()
    with pytest.raises(ExportError, match="codebook 2024-03_tevredenheid_codebook.csv is missing"):
        load_surveys(con, settings.raw_dir)


def test_question_of_the_codebook_missing_from_the_responses_is_an_error(settings):
    write_survey(settings.raw_dir, uniform(3, 1, "A3", "A3"))
    folder = settings.raw_dir / "survey"
    with open(folder / "2024-03_tevredenheid_codebook.csv", "a", encoding="utf-8") as handle:
        handle.write("WC[SQ009],working_conditions,likert5,Vraag?,Question ?\n")
    with pytest.raises(ExportError, match=r"column 'WC\[SQ009\]' of the codebook is missing"):
        load_surveys(duckdb.connect(), settings.raw_dir)


def test_response_exported_twice_counts_once_and_differing_copies_are_errors(settings):
    rows = uniform(11, 1, "A3", "A4")
    write_survey(settings.raw_dir, [*rows, rows[0]])
    con = duckdb.connect()
    load_surveys(con, settings.raw_dir)
    assert con.execute("select count(*) from ingest.survey_responses").fetchone() == (12,)
    changed = dict(rows[0], **{"WC[SQ001]": "A5"})
    write_survey(settings.raw_dir, [*rows, changed])
    with pytest.raises(ExportError) as raised:
        load_surveys(con, settings.raw_dir)
    message = str(raised.value)
    assert "'2024-03_tevredenheid, 1'" in message
    assert "survey/2024-03_tevredenheid_responses.csv row 1" in message
    assert "survey/2024-03_tevredenheid_responses.csv row 12" in message


def test_several_surveys_in_a_year_need_the_governance_file(settings):
    write_survey(settings.raw_dir, uniform(11, 1, "A2", "A2"), survey_id="2024-03_a")
    write_survey(settings.raw_dir, uniform(12, 1, "A5", "A5"), survey_id="2024-10_b")
    outcome = build(settings, register_with_members(5))
    assert not outcome.published
    assert [check.name for check in outcome.failed_checks] == ["survey_of_each_year_known"]

    governance = settings.raw_dir / "governance" / "2024.yaml"
    governance.parent.mkdir()
    governance.write_text("year: 2024\nparticipation:\n  survey_id: 2024-10_b\n")
    outcome = build(settings)
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    values = figures(settings, 2024)
    assert values["p2.survey.responses"] == 12
    assert values["p2.survey.band"] == "high"
