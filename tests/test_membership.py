"""Every edge of the membership definitions (figures.md), each on a register built for it."""

from __future__ import annotations

from datetime import date

import pytest

from tests.builders import Register
from tests.helpers import build, figures, query


def published(settings, register: Register, year: int = 2024) -> dict:
    outcome = build(settings, register)
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    return figures(settings, year)


def base_register() -> Register:
    """Two long-standing members, so that every year has a start and an end."""
    register = Register()
    for number in (1, 2):
        register.member(number)
        register.subscribe("2020-01-15", number, 2)
    return register


def test_comeback_counts_as_new_member(settings):
    register = base_register()
    register.member(3)
    register.subscribe("2021-03-01", 3, 1)
    register.sell_back("2022-05-01", 3, 1, "resignation")
    register.subscribe("2024-04-02", 3, 1)
    values = published(settings, register)
    assert values["p1.new_members"] == 1
    assert values["p1.members_start"] == 2
    assert values["p1.members_end"] == 3
    spells = query(settings, "select spell_no from core.member_spells order by all")
    assert spells == [(1,), (1,), (1,), (2,)]  # members 1 and 2, and two spells of member 3
    kind = query(settings, "select typeof(spell_no) from core.member_spells limit 1")
    assert kind == [("BIGINT",)]  # not HUGEINT, which pandas and Excel read as a float


def test_exit_dated_31_december_is_not_a_member_at_year_end(settings):
    register = base_register()
    register.sell_back("2024-12-31", 2, 2, "resignation")
    values = published(settings, register)
    assert values["p1.members_end"] == 1
    assert values["p1.exits"] == 1
    assert values["p1.resignations"] == 1
    assert figures(settings, 2023)["p1.members_end"] == 2


def test_transfer_of_all_shares_ends_spell_and_starts_receivers(settings):
    register = base_register()
    register.member(3)
    register.transfer("2024-03-03", 1, 3, 2)  # 1 gives all to newcomer 3
    register.transfer("2024-04-04", 2, 3, 1)  # 2 gives part to member 3: nobody joins or leaves
    values = published(settings, register)
    assert values["p1.exits.transfer"] == 1
    assert values["p1.exits"] == 1
    assert values["p1.new_members"] == 1
    assert values["p1.members_end"] == 2
    assert query(
        settings, "select joined_by from core.member_spells where start_date = '2024-03-03'"
    ) == [("transfer",)]


def test_conversion_moves_the_category(settings):
    register = base_register()
    register.convert("2024-06-01", 1, 2, "A", "B", 1)
    values = published(settings, register)
    assert values["p1.members_end.A"] == 1
    assert values["p1.members_end.B"] == 1
    assert values["p1.members_end"] == 2
    assert values["p1.new_members"] == 0 and values["p1.exits"] == 0
    assert figures(settings, 2023)["p1.members_end.A"] == 2


def test_withdrawal_to_zero_is_a_resignation_partial_is_not_an_exit(settings):
    register = base_register()
    register.sell_back("2024-02-01", 1, 1, "withdrawal")  # partial: still a member
    register.sell_back("2024-03-01", 2, 2, "withdrawal")  # to zero: resignation
    values = published(settings, register)
    assert values["p1.exits"] == 1
    assert values["p1.resignations"] == 1
    assert values["p1.members_end"] == 1


def test_same_day_exit_and_rejoin_is_one_exit_and_one_new_member(settings):
    register = base_register()
    register.sell_back("2024-05-05", 1, 2, "resignation")
    register.subscribe("2024-05-05", 1, 1)
    values = published(settings, register)
    assert values["p1.exits"] == 1 and values["p1.new_members"] == 1
    assert values["p1.members_end"] == 2


def test_same_day_join_and_exit_counts_on_both_sides(settings):
    register = base_register()
    register.member(3)
    register.subscribe("2024-07-07", 3, 1)
    register.sell_back("2024-07-07", 3, 1, "resignation")
    values = published(settings, register)
    assert values["p1.new_members"] == 1 and values["p1.exits"] == 1
    assert values["p1.members_end"] == 2
    assert query(
        settings,
        "select start_date, end_date, exit_reason from core.member_spells "
        "where start_date = '2024-07-07'",
    ) == [(date(2024, 7, 7), date(2024, 7, 7), "resignation")]


def test_operation_after_year_end_counts_in_next_year(settings):
    register = base_register()
    register.member(3)
    register.subscribe("2025-01-01", 3, 1)
    values = published(settings, register)
    assert values["p1.new_members"] == 0
    assert values["p1.members_end"] == 2
    assert figures(settings, 2025)["p1.new_members"] == 1


@pytest.mark.parametrize(
    ("holdings", "category"),
    [
        ({"A": 1, "B": 3}, "B"),  # most shares wins
        ({"A": 2, "C": 2}, "A"),  # a tie goes to the first letter
        ({"B": 2, "C": 2}, "B"),
        ({"C": 1}, "C"),
    ],
)
def test_category_with_several_classes(settings, holdings, category):
    register = base_register()
    register.member(3)
    for cls, shares in holdings.items():
        register.subscribe("2024-02-02", 3, shares, cls)
    values = published(settings, register)
    assert values[f"p1.members_end.{category}"] == (3 if category == "A" else 1)


def test_refusals_need_a_reason(settings):
    register = base_register()
    register.subscription_requests = [
        {"id": 1, "date": "2024-01-10", "type": "new", "state": "cancelled",
         "refusal_reason": "Geen band met de activiteit"},
        {"id": 2, "date": "2024-01-11", "type": "new", "state": "cancelled", "refusal_reason": " "},
        {"id": 3, "date": "2024-01-12", "type": "new", "state": "blocked", "refusal_reason": ""},
        {"id": 4, "date": "2024-01-13", "type": "new", "state": "done"},
        {"id": 5, "date": "2024-01-14", "type": "increase", "state": "cancelled",
         "refusal_reason": "Te veel aandelen"},
        {"id": 6, "date": "2023-12-31", "type": "new", "state": "blocked", "refusal_reason": "X"},
    ]  # fmt: skip
    register.operation_requests = [
        {"id": 1, "request_date": "2024-02-01", "operation_type": "sell_back", "state": "refused",
         "reason": "resignation", "refusal_reason": "Minimum niet bereikt"},
        {"id": 2, "request_date": "2024-02-02", "operation_type": "sell_back", "state": "done",
         "reason": "withdrawal"},
        {"id": 3, "request_date": "2024-02-03", "operation_type": "sell_back", "state": "refused",
         "reason": "exclusion"},
        {"id": 4, "request_date": "2024-02-04", "operation_type": "transfer", "state": "refused"},
    ]  # fmt: skip
    values = published(settings, register)
    assert values["p1.applications"] == 4
    assert values["p1.applications_refused"] == 1
    assert values["p1.withdrawal_requests"] == 2
    assert values["p1.withdrawal_requests_refused"] == 1
    assert figures(settings, 2023)["p1.applications_refused"] == 1


def test_votes_duplicates_and_non_members(settings):
    register = base_register()
    register.member(3)
    register.member(4)
    register.subscribe("2024-06-18", 3, 1)  # joins on the assembly day: not a member on the eve
    register.vote("2024-06-18", " 0001", "online")
    register.vote("2024-06-18", "1", "onsite")  # same member again: counted once
    register.vote("2024-06-18", "3", "onsite")  # not a member on the eve
    register.vote("2024-06-18", "4", "online")  # never a member
    register.vote("2024-06-18", "2", "proxy", proxy_holder="0001")  # member 2 represented
    register.vote("2024-06-18", "1O2", "online")  # not a number
    values = published(settings, register)
    assert values["p2.ga_voters"] == 2
    assert values["p2.ga_turnout"] == pytest.approx(1.0)
    reasons = query(
        settings,
        "select source_row, reason from quality.quarantine "
        "where source_file = 'assembly/ga_2024-06-18.csv' order by source_row",
    )
    assert reasons == [
        (2, "duplicate_vote"),
        (3, "not_a_member"),
        (4, "not_a_member"),
        (6, "bad_member_number"),
    ]


def test_several_assemblies_without_governance_give_a_note(settings):
    register = base_register()
    register.vote("2024-06-18", "1")
    register.vote("2024-11-20", "2")
    outcome = build(settings, register)
    assert outcome.published
    rows = query(
        settings,
        "select value, note from annex.figures where year = 2024 and figure_id = 'p2.ga_voters'",
    )
    assert rows[0][0] is None
    assert "several general assemblies" in rows[0][1]
