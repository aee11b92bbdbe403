"""Governance facts: strict validation naming the key path, qualifiers, years without a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lib.ingest import ExportError
from pipelines.lib.sources.governance import parse_governance
from pipelines.sample.governance import GOVERNANCE_2024_YAML
from tests.builders import Register
from tests.helpers import build, figures, query

GOVERNANCE_FIGURES = [
    "p2.board_elected", "p2.board_coopted", "p2.ethics.new_cases", "p2.ethics.handled_cases",
    "p2.ethics.meetings", "p2.ethics.new_members", "p2.smartlabs.groups",
    "p2.smartlabs.interested", "p2.smartlabs.regular", "p2.smartlabs.meeting_hours",
    "p2.workers_assembly.action_points", "p2.workers_assembly.debated", "p5.conferences",
    "p5.cine_club_screenings", "p6.new_partner_members",
]  # fmt: skip


def write_governance(raw_dir: Path, text: str, year: int = 2024) -> Path:
    path = raw_dir / "governance" / f"{year}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def sample_text(**replacements: str) -> str:
    text = GOVERNANCE_2024_YAML.replace(
        "  survey_id: 2024-03_arbeidsomstandigheden\n", ""
    )  # no survey in these raw folders
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def base_register() -> Register:
    register = Register()
    for number in (1, 2):
        register.member(number)
        register.subscribe("2020-01-15", number, 2)
    return register


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  new_cases: 7", "  new_cases: -7", "ethics_committee.new_cases: must be >= 0"),
        ("  new_cases: 7", "  new_casez: 7", "ethics_committee.new_casez: unknown key"),
        (
            "interested: {value: 300, qualifier: more_than}",
            "interested: {value: -300, qualifier: more_than}",
            "participation.smartlabs.interested.value: must be >= 0",
        ),
        (
            "groups: {value: 10, qualifier: about}",
            "groups: {value: 10, qualifier: roughly}",
            "participation.smartlabs.groups.qualifier: must be one of 'about' or 'more_than'",
        ),
        ("regular: 200", "regular: two hundred", "participation.smartlabs.regular: must be a"),
        ("  meetings: 8", "  meetings: 8.5", "ethics_committee.meetings: must be a whole number"),
        ("kind: ordinary", "kind: usual", "general_assemblies[0].kind: must be one of"),
        ("date: 2024-06-18", "date: 2023-06-18", "general_assemblies[0].date: 2023-06-18 is"),
        ("year: 2024", "year: 2023", "year: is 2023 but the file is named 2024.yaml"),
        ("board: {", "bord: {", "bord: unknown key"),
    ],
)
def test_invalid_governance_file_is_an_error_naming_file_and_key(settings, old, new, message):
    path = write_governance(settings.raw_dir, sample_text(**{old: new}))
    with pytest.raises(ExportError) as raised:
        parse_governance(path, settings.raw_dir)
    assert f"governance/2024.yaml: {message}" in str(raised.value)


def test_invalid_governance_file_stops_the_build(settings):
    write_governance(settings.raw_dir, sample_text(**{"  new_cases: 7": "  new_cases: -7"}))
    outcome = build(settings, base_register())
    assert not outcome.published
    assert any(
        "governance/2024.yaml: ethics_committee.new_cases: must be >= 0" in error
        for error in outcome.errors
    ), outcome.errors
    assert not settings.publication_path.exists()


def test_facts_keep_their_qualifier_and_source_key(settings):
    write_governance(settings.raw_dir, sample_text())
    outcome = build(settings, base_register())
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    rows = {
        figure_id: (value, qualifier, source)
        for figure_id, value, qualifier, source in query(
            settings,
            "select figure_id, value, qualifier, source from annex.figures where year = 2024",
        )
    }
    assert rows["p2.smartlabs.interested"] == (
        300.0,
        "more_than",
        "governance/2024.yaml: participation.smartlabs.interested",
    )
    assert rows["p2.smartlabs.groups"][:2] == (10.0, "about")
    assert rows["p2.smartlabs.regular"][:2] == (200.0, None)
    assert rows["p2.ethics.new_cases"] == (
        7.0,
        None,
        "governance/2024.yaml: ethics_committee.new_cases",
    )
    assert rows["p6.new_partner_members"][:2] == (2.0, None)
    assert rows["p5.cine_club_screenings"][:2] == (10.0, None)
    assert query(
        settings,
        "select value_text from annex.governance_facts "
        "where key_path like 'cooperation.new_partner_members[%' order by key_path",
    ) == [("Coopcity",), ("Prométhéa",)]


def test_year_without_governance_file_says_not_provided(settings):
    write_governance(settings.raw_dir, sample_text())
    outcome = build(settings, base_register())  # years 2020..2024, governance for 2024 only
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    rows = query(
        settings,
        "select figure_id, value, note from annex.figures where year = 2023 "
        "and figure_id in (select unnest(?))",
        [GOVERNANCE_FIGURES],
    )
    assert len(rows) == len(GOVERNANCE_FIGURES)
    assert {(value, note) for _, value, note in rows} == {(None, "governance facts not provided")}


def test_no_governance_file_at_all_is_not_a_crash(settings):
    outcome = build(settings, base_register())
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    assert figures(settings, 2020)["p2.board_elected"] is None
    assert query(
        settings,
        "select distinct note from annex.figures where figure_id in (select unnest(?))",
        [GOVERNANCE_FIGURES],
    ) == [("governance facts not provided",)]
    assert query(settings, "select count(*) from annex.governance_facts") == [(0,)]


def test_fact_left_out_of_the_file_says_so(settings):
    write_governance(settings.raw_dir, sample_text(**{"  meetings: 8\n": ""}))
    outcome = build(settings, base_register())
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    assert query(
        settings,
        "select value, note from annex.figures where year = 2024 "
        "and figure_id = 'p2.ethics.meetings'",
    ) == [(None, "not given in governance/2024.yaml")]


def test_governance_names_the_ordinary_assembly(settings):
    register = base_register()
    register.vote("2024-03-05", "1")  # extraordinary
    register.vote("2024-06-18", "1")
    register.vote("2024-06-18", "2")
    write_governance(
        settings.raw_dir,
        sample_text(
            **{
                "  - {date: 2024-06-18, kind: ordinary,": "  - {date: 2024-03-05, kind: "
                "extraordinary}\n  - {date: 2024-06-18, kind: ordinary,"
            }
        ),
    )
    outcome = build(settings, register)
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    values = figures(settings, 2024)
    assert values["p2.ga_voters"] == 2
    assert values["p2.ga_turnout"] == 1.0
    assert query(
        settings,
        "select assembly_date::varchar, is_ordinary, kind from core.general_assemblies "
        "order by assembly_date",
    ) == [("2024-03-05", False, "extraordinary"), ("2024-06-18", True, "ordinary")]


def test_ordinary_assembly_without_vote_file_gives_a_note(settings):
    register = base_register()
    register.vote("2024-03-05", "1")
    write_governance(settings.raw_dir, sample_text())  # ordinary: 2024-06-18, no vote file
    outcome = build(settings, register)
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    assert query(
        settings,
        "select value, note from annex.figures where year = 2024 and figure_id = 'p2.ga_voters'",
    ) == [
        (
            None,
            "no vote file for the ordinary general assembly of 2024-06-18 "
            "(named in governance/2024.yaml)",
        )
    ]


def test_partner_members_are_checked_against_the_register_as_a_warning(settings):
    register = base_register()
    register.member(3, is_company="True", company_name="CoopCity", lastname="", firstname="")
    register.subscribe("2024-02-01", 3, 1)
    register.member(4, is_company="True", company_name="Prométhéa", lastname="", firstname="")
    register.subscribe("2021-02-01", 4, 1)  # joined in another year
    write_governance(
        settings.raw_dir,
        sample_text(**{'new_partner_members: [Coopcity, "Prométhéa"]': (
            'new_partner_members: [Coopcity, "Prométhéa", "Jansen Architecten BV"]'
        )}),
    )  # fmt: skip
    outcome = build(settings, register)
    assert outcome.published, (outcome.errors, outcome.failed_checks)  # a warning only
    [check] = outcome.failed_checks
    assert check.name == "governance_partners_are_new_company_members"
    offenders = check.metadata["offenders"]
    assert "cooperation.new_partner_members[1]" in offenders
    assert "did not join in that year" in offenders
    assert "cooperation.new_partner_members[2]" in offenders
    assert "cooperation.new_partner_members[0]" not in offenders  # CoopCity matched
    for name in ("Coopcity", "CoopCity", "Prom", "Jansen"):
        assert name not in offenders
    assert figures(settings, 2024)["p6.new_partner_members"] == 3
    assert query(
        settings,
        "select passed, blocking from quality.check_results "
        "where check_name = 'governance_partners_are_new_company_members'",
    ) == [(False, False)]
