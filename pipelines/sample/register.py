"""Deterministic sample share register: the four files of an Odoo `cooperator` snapshot export.

The register tells the story of a cooperative founded on 4 January 2016 by two persons and the
foundation SMartBe, that grows to about 37,700 members by the end of 2023 and 41,702 by the end of
2024. It is built in two layers:

- a *script*: a few dozen hand-written operations on members with fixed numbers
  (`EDGE_CASES`), each one an edge case the pipeline and its tests must meet (a comeback, a
  same-day exit and re-subscription, a transfer of all shares, a join on the assembly day...);
- the *bulk*: vectorised random members and operations, sized per year so that the script plus
  the bulk hit `YEAR_PLAN` exactly (times `scale`). At scale 1 the 2024 figures are the annex's.

`build_timeline` returns both layers as one journal plus the membership spells it implies; the
assembly generator uses the same timeline, so vote files always agree with the register.
"""

from __future__ import annotations

import shutil
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from pipelines.sample import _names

SNAPSHOT_SUFFIX = "20250115"
FOUNDING_DAY = date(2016, 1, 4)
LAST_DAY = date(2024, 12, 31)
YEARS: tuple[int, ...] = tuple(range(2016, 2025))

SHARE_CLASSES: tuple[str, ...] = ("A", "B", "C")
# Nominal values differ so that a conversion has quantity_to != quantity (6 A -> 3 B).
SHARE_PRICES: tuple[str, ...] = ("30.00", "60.00", "150.00")
OPERATION_TYPES: tuple[str, ...] = ("subscription", "transfer", "sell_back", "convert")
SELL_BACK_REASONS: tuple[str, ...] = (
    "resignation",
    "exclusion",
    "death",
    "bankruptcy",
    "winding_up",
    "withdrawal",
)
_SUB, _TRANSFER, _SELL_BACK, _CONVERT = range(4)
_RESIGNATION, _EXCLUSION, _DEATH, _BANKRUPTCY, _WINDING_UP, _WITHDRAWAL = range(6)
_EXIT_BY_TRANSFER = 6  # bulk exit code beyond the sell_back reasons
NO_DAY = np.iinfo(np.int32).min  # "no date" in epoch-day columns (births before 1970 are < 0)


class YearPlan(NamedTuple):
    """Scale-1 totals of one year (script included); exits are spells ending, by reason."""

    new: int
    resignation: int  # sell_back `resignation` or `withdrawal` ending a spell
    exclusion: int
    death: int
    bankruptcy: int
    winding_up: int
    transfer: int
    comebacks: int  # of `new`: spells of members who had one before
    transfer_joins: int  # of `new`: spells started by receiving a transfer
    refused_applications: int
    refused_withdrawals: int


YEAR_PLAN: dict[int, YearPlan] = {
    2016: YearPlan(2113, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    2017: YearPlan(4270, 14, 0, 1, 0, 0, 1, 0, 1, 2, 0),
    2018: YearPlan(5210, 41, 1, 2, 1, 0, 1, 1, 1, 0, 0),
    2019: YearPlan(5640, 68, 2, 3, 0, 1, 2, 2, 2, 3, 3),
    2020: YearPlan(5390, 92, 3, 4, 2, 1, 2, 3, 1, 0, 0),
    2021: YearPlan(5420, 118, 2, 5, 1, 1, 3, 4, 2, 1, 0),
    2022: YearPlan(5270, 139, 4, 4, 1, 2, 2, 5, 2, 2, 1),
    2023: YearPlan(5072, 158, 5, 6, 1, 1, 3, 6, 3, 0, 0),
    2024: YearPlan(4207, 175, 6, 5, 1, 1, 2, 8, 3, 0, 0),
}
EXIT_REASONS: tuple[str, ...] = (
    "resignation",
    "exclusion",
    "death",
    "bankruptcy",
    "winding_up",
    "transfer",
)
# Members by category on 31/12/2024 at scale 1 (the annex's figures); A is the remainder.
MEMBERS_END_2024 = 41702
CATEGORY_END_2024: dict[str, int] = {"B": 94, "C": 28}

# Fixed member numbers of the scripted edge cases (dates in the script below). Each number is
# where its join date puts it in the scale-1 numbering (the bulk is numbered by join date
# around them); at a larger scale they are still reserved, just no longer in date order.
EDGE_CASES: dict[str, int] = {
    "founder_person_a": 1,  # 2016-01-04 20 A; votes 2024 onsite and holds the proxy of 3
    "founder_person_b": 2,  # 2016-01-04 20 A; lives in France; votes 2024 online AND onsite
    "founder_smartbe": 3,  # foundation SMartBe, 2016-01-04 100 C (category C); 2024 by proxy
    "proxy_holder": 1,  # 2024 vote file: holds the proxy of member 3
    "proxy_represented": 3,  # 2024 vote file: a proxy row, counted as member 3's vote
    "duplicate_voter": 2,  # 2024 vote file: online 10:12:45 and onsite 14:20:02, counted once
    "partial_withdrawal": 1498,  # 2016-09-13 10 A; 2024-03-05 sell_back withdrawal 4 (keeps 6)
    "street_with_line_break": 1498,  # street holds a comma and a quoted line break
    "transfer_to_new_giver": 951,  # 2016-06-07 10 A; 2024-04-16 gives 4 A to a new member
    "transfer_to_new_receiver": 39529,  # spell starts 2024-04-16 by receiving 4 A
    "transfer_all_to_new_giver": 1700,  # 2016-10-18 1 A; 2024-10-08 gives it all: exit transfer
    "transfer_all_to_new_receiver": 41579,  # spell starts 2024-10-08 by receiving 1 A
    "death": 3009,  # 2017-03-14 2 A; 2024-01-30 sell_back death
    "exit_on_dec31": 3678,  # 2017-05-16 2 A; 2024-12-31 resignation: not a member at year end
    "transfer_to_existing_giver": 4099,  # 2017-06-20 5 A; 2024-02-20 gives 2 A to 16761
    "winding_up": 4958,  # company, 2017-09-05 2 C; 2024-11-19 sell_back winding_up
    "exit_on_ga_day": 5720,  # 2017-11-07; resigns 2024-06-18, votes that day: counted
    "transfer_all_giver": 8888,  # 2018-06-26 3 A; 2024-08-27 all 3 A to 19335: exit transfer
    "convert_c_to_a": 9974,  # company, 2018-09-11 1 C; 2024-02-06 converts 1 C -> 5 A (C -> A)
    "same_day_resubscribe": 10456,  # 2018-10-15 3 A; 2024-09-10 resigns 3 A, re-subscribes 1 A
    "padded_voter": 12345,  # 2019-02-20 1 A; votes typed " 0012345" (2024), "012345" (2023)
    "no_national_number": 12345,  # no birth date, no national number
    "comeback": 13116,  # 2019-04-09 2 A; resigns 2021-03-02; rejoins 2024-05-06 1 A; votes 2024
    "convert_a_to_b": 13752,  # 2019-05-21 6 A; 2024-09-03 converts 6 A -> 3 B (A -> B)
    "bankruptcy": 13999,  # company, 2019-06-04 10 A; 2024-07-09 sell_back bankruptcy
    "exit_on_ga_eve": 15835,  # 2019-10-01; resigns 2024-06-17, votes 2024-06-18: not a member
    "transfer_to_existing_receiver": 16761,  # 2019-12-03 1 B; receives 2 A 2024-02-20 (B -> A)
    "former_member_voter": 17827,  # 2020-02-11; resigns 2022-09-20; votes 2024: not a member
    "withdrawal_to_zero": 18261,  # 2020-03-10 2 A; 2024-05-14 withdrawal of both: resignation
    "multi_class_b_majority": 18907,  # 2020-04-21 1 A; 2023-05-09 3 B: category B
    "transfer_all_receiver": 19335,  # 2020-05-19 1 A; receives 3 A from 8888 on 2024-08-27
    "exclusion": 22858,  # 2021-01-19 1 A; 2024-10-22 sell_back exclusion
    "tie_a_b": 23708,  # 2021-03-16 2 A; 2024-04-09 2 B: tie, category A
    "tie_a_c": 28166,  # company, 2022-01-11 1 A; 2023-03-07 1 C: tie, category A
    "increase": 28570,  # 2022-02-08 1 A; 2024-01-23 subscribes 4 more A
    "tie_b_c": 33946,  # company, 2023-02-14 2 B; 2024-02-27 2 C: tie, category B
    "same_day_join_exit": 39128,  # 2024-03-12 subscribes 1 A and resigns the same day
    "join_on_ga_eve": 40224,  # born 2003 (national number with the 2000s rule); joins 2024-06-17
    "born_2000s": 40224,  # born 2003-08-14
    "join_on_ga_day": 40242,  # joins 2024-06-18, votes that day: not a member on the eve
    "join_on_dec31": 42547,  # joins 2024-12-31: a member at year end
}
UNKNOWN_VOTER_NUMBER = 99999999  # votes in 2024 under a number no member has


class _Op(NamedTuple):
    day: str
    type: int
    member: int
    cls: str
    qty: int
    partner: int = 0
    reason: int = -1
    to_cls: str = ""
    qty_to: int = 0


_E = EDGE_CASES
# Within a day, the script's order is the journal order (so the same-day resignation comes
# before the new subscription, and the same-day join before its exit).
_SCRIPT: tuple[_Op, ...] = (
    _Op("2016-01-04", _SUB, _E["founder_person_a"], "A", 20),
    _Op("2016-01-04", _SUB, _E["founder_person_b"], "A", 20),
    _Op("2016-01-04", _SUB, _E["founder_smartbe"], "C", 100),
    _Op("2016-06-07", _SUB, _E["transfer_to_new_giver"], "A", 10),
    _Op("2016-09-13", _SUB, _E["partial_withdrawal"], "A", 10),
    _Op("2016-10-18", _SUB, _E["transfer_all_to_new_giver"], "A", 1),
    _Op("2017-03-14", _SUB, _E["death"], "A", 2),
    _Op("2017-05-16", _SUB, _E["exit_on_dec31"], "A", 2),
    _Op("2017-06-20", _SUB, _E["transfer_to_existing_giver"], "A", 5),
    _Op("2017-09-05", _SUB, _E["winding_up"], "C", 2),
    _Op("2017-11-07", _SUB, _E["exit_on_ga_day"], "A", 1),
    _Op("2018-06-26", _SUB, _E["transfer_all_giver"], "A", 3),
    _Op("2018-09-11", _SUB, _E["convert_c_to_a"], "C", 1),
    _Op("2018-10-15", _SUB, _E["same_day_resubscribe"], "A", 3),
    _Op("2019-02-20", _SUB, _E["padded_voter"], "A", 1),
    _Op("2019-04-09", _SUB, _E["comeback"], "A", 2),
    _Op("2019-05-21", _SUB, _E["convert_a_to_b"], "A", 6),
    _Op("2019-06-04", _SUB, _E["bankruptcy"], "A", 10),
    _Op("2019-10-01", _SUB, _E["exit_on_ga_eve"], "A", 1),
    _Op("2019-12-03", _SUB, _E["transfer_to_existing_receiver"], "B", 1),
    _Op("2020-02-11", _SUB, _E["former_member_voter"], "A", 1),
    _Op("2020-03-10", _SUB, _E["withdrawal_to_zero"], "A", 2),
    _Op("2020-04-21", _SUB, _E["multi_class_b_majority"], "A", 1),
    _Op("2020-05-19", _SUB, _E["transfer_all_receiver"], "A", 1),
    _Op("2021-01-19", _SUB, _E["exclusion"], "A", 1),
    _Op("2021-03-02", _SELL_BACK, _E["comeback"], "A", 2, reason=_RESIGNATION),
    _Op("2021-03-16", _SUB, _E["tie_a_b"], "A", 2),
    _Op("2022-01-11", _SUB, _E["tie_a_c"], "A", 1),
    _Op("2022-02-08", _SUB, _E["increase"], "A", 1),
    _Op("2022-09-20", _SELL_BACK, _E["former_member_voter"], "A", 1, reason=_RESIGNATION),
    _Op("2023-02-14", _SUB, _E["tie_b_c"], "B", 2),
    _Op("2023-03-07", _SUB, _E["tie_a_c"], "C", 1),
    _Op("2023-05-09", _SUB, _E["multi_class_b_majority"], "B", 3),
    _Op("2024-01-23", _SUB, _E["increase"], "A", 4),
    _Op("2024-01-30", _SELL_BACK, _E["death"], "A", 2, reason=_DEATH),
    _Op("2024-02-06", _CONVERT, _E["convert_c_to_a"], "C", 1, to_cls="A", qty_to=5),
    _Op(
        "2024-02-20",
        _TRANSFER,
        _E["transfer_to_existing_giver"],
        "A",
        2,
        partner=_E["transfer_to_existing_receiver"],
    ),
    _Op("2024-02-27", _SUB, _E["tie_b_c"], "C", 2),
    _Op("2024-03-05", _SELL_BACK, _E["partial_withdrawal"], "A", 4, reason=_WITHDRAWAL),
    _Op("2024-03-12", _SUB, _E["same_day_join_exit"], "A", 1),
    _Op("2024-03-12", _SELL_BACK, _E["same_day_join_exit"], "A", 1, reason=_RESIGNATION),
    _Op("2024-04-09", _SUB, _E["tie_a_b"], "B", 2),
    _Op(
        "2024-04-16",
        _TRANSFER,
        _E["transfer_to_new_giver"],
        "A",
        4,
        partner=_E["transfer_to_new_receiver"],
    ),
    _Op("2024-05-06", _SUB, _E["comeback"], "A", 1),
    _Op("2024-05-14", _SELL_BACK, _E["withdrawal_to_zero"], "A", 2, reason=_WITHDRAWAL),
    _Op("2024-06-17", _SUB, _E["join_on_ga_eve"], "A", 1),
    _Op("2024-06-17", _SELL_BACK, _E["exit_on_ga_eve"], "A", 1, reason=_RESIGNATION),
    _Op("2024-06-18", _SUB, _E["join_on_ga_day"], "A", 1),
    _Op("2024-06-18", _SELL_BACK, _E["exit_on_ga_day"], "A", 1, reason=_RESIGNATION),
    _Op("2024-07-09", _SELL_BACK, _E["bankruptcy"], "A", 10, reason=_BANKRUPTCY),
    _Op(
        "2024-08-27",
        _TRANSFER,
        _E["transfer_all_giver"],
        "A",
        3,
        partner=_E["transfer_all_receiver"],
    ),
    _Op("2024-09-03", _CONVERT, _E["convert_a_to_b"], "A", 6, to_cls="B", qty_to=3),
    _Op("2024-09-10", _SELL_BACK, _E["same_day_resubscribe"], "A", 3, reason=_RESIGNATION),
    _Op("2024-09-10", _SUB, _E["same_day_resubscribe"], "A", 1),
    _Op(
        "2024-10-08",
        _TRANSFER,
        _E["transfer_all_to_new_giver"],
        "A",
        1,
        partner=_E["transfer_all_to_new_receiver"],
    ),
    _Op("2024-10-22", _SELL_BACK, _E["exclusion"], "A", 1, reason=_EXCLUSION),
    _Op("2024-11-19", _SELL_BACK, _E["winding_up"], "C", 2, reason=_WINDING_UP),
    _Op("2024-12-31", _SELL_BACK, _E["exit_on_dec31"], "A", 2, reason=_RESIGNATION),
    _Op("2024-12-31", _SUB, _E["join_on_dec31"], "A", 1),
)
_SCRIPTED_COMPANIES = frozenset(
    _E[k]
    for k in ("founder_smartbe", "winding_up", "convert_c_to_a", "bankruptcy", "tie_a_c", "tie_b_c")
)

# Contact data of scripted members where a test needs a known value ("" = empty field).
_SCRIPTED_ATTRIBUTES: dict[int, dict[str, str]] = {
    _E["founder_person_a"]: {
        "lastname": "Delvaux",
        "firstname": "Marco",
        "gender": "male",
        "street": "Avenue Brugmann 214",
        "zip": "1190",
        "city": "Forest",
        "country_id": "BE",
        "lang": "fr_BE",
    },
    _E["founder_person_b"]: {
        "lastname": "Marchal",
        "firstname": "Julien",
        "gender": "male",
        "street": "Rue des Acacias 12",
        "zip": "59120",
        "city": "Loos",
        "country_id": "FR",
        "lang": "fr_BE",
    },
    _E["founder_smartbe"]: {
        "company_name": "SMartBe",
        "company_register_number": "0806.201.741",
        "street": "Rue Coenraets 72",
        "zip": "1060",
        "city": "Saint-Gilles",
        "country_id": "BE",
        "lang": "fr_BE",
        "email": "info@smartbe.example",
    },
    _E["partial_withdrawal"]: {
        "lastname": "Lefèvre",
        "firstname": "Hélène",
        "gender": "female",
        "street": "Résidence Les Érables, app. 3\nAvenue de la Couronne 112",
        "zip": "1050",
        "city": "Ixelles",
        "country_id": "BE",
        "lang": "fr_BE",
    },
    _E["padded_voter"]: {"birthdate": "", "national_number": ""},
    _E["join_on_ga_eve"]: {
        "lastname": "Van den Bossche",
        "firstname": "Zoë",
        "gender": "female",
        "birthdate": "2003-08-14",  # national number drawn: the 2000s rule prefixes a 2
        "lang": "nl_BE",
    },
}


# --------------------------------------------------------------------------------------------
# Calendar: operations happen on working days, so a generated date is a business-day index.


def _business_days() -> np.ndarray:
    """Epoch day numbers of the weekdays from the founding day to 31/12/2024, minus holidays."""
    days = np.arange(np.datetime64(FOUNDING_DAY), np.datetime64(LAST_DAY) + 1)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    holiday = np.isin(month * 100 + day_of_month, [101, 501, 721, 815, 1101, 1111, 1225])
    return days[(weekday < 5) & ~holiday].astype(np.int64)


def _epoch_day(day: str) -> int:
    return int(np.datetime64(day, "D").astype(np.int64))


def _year_bounds(bdays: np.ndarray) -> dict[int, tuple[int, int]]:
    """First and last business-day index (inclusive) of every year."""
    years = bdays.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return {
        y: (int(np.searchsorted(years, y, "left")), int(np.searchsorted(years, y, "right")) - 1)
        for y in YEARS
    }


# --------------------------------------------------------------------------------------------
# The script, replayed in plain Python (a few dozen operations): its spells and its share of
# each year's figures, so that the bulk can be sized to make up the rest.


@dataclass(frozen=True)
class _ScriptOutcome:
    operations: pd.DataFrame
    spells: pd.DataFrame
    new_by_year: Counter  # (year, kind) -> spells started; kind first / comeback / transfer
    exits_by_year: Counter  # (year, reason) -> spells ended
    category_end: Counter  # category -> members at 31/12/2024


def _replay_script() -> _ScriptOutcome:
    members = set(EDGE_CASES.values())
    holdings: dict[int, list[int]] = {m: [0, 0, 0] for m in members}
    open_spell: dict[int, dict] = {}
    spells: list[dict] = []
    starts: list[bool] = []
    new_by_year: Counter = Counter()
    exits_by_year: Counter = Counter()
    ordered = sorted(enumerate(_SCRIPT), key=lambda io: (io[1].day, io[0]))
    for _, op in ordered:
        year = int(op.day[:4])
        changes: list[tuple[int, int, int]] = []  # (member, class, delta)
        cls = SHARE_CLASSES.index(op.cls)
        if op.type == _SUB:
            changes.append((op.member, cls, op.qty))
        elif op.type == _SELL_BACK:
            changes.append((op.member, cls, -op.qty))
        elif op.type == _TRANSFER:
            changes += [(op.member, cls, -op.qty), (op.partner, cls, op.qty)]
        else:
            changes += [
                (op.member, cls, -op.qty),
                (op.member, SHARE_CLASSES.index(op.to_cls), op.qty_to),
            ]
        before = {m: sum(holdings[m]) for m, _, _ in changes}
        for m, c, delta in changes:
            holdings[m][c] += delta
            if holdings[m][c] < 0:
                raise AssertionError(f"script takes member {m} below zero on {op.day}")
        started = False
        for m in before:
            after = sum(holdings[m])
            if before[m] == 0 and after > 0:
                kind = "transfer" if op.type == _TRANSFER else "first"
                if any(s["member"] == m for s in spells) or m in open_spell:
                    kind = "comeback"
                open_spell[m] = {"member": m, "start": op.day, "end": None, "exit_reason": None}
                new_by_year[(year, kind)] += 1
                started = True
            elif before[m] > 0 and after == 0:
                spell = open_spell.pop(m)
                reason = "transfer" if op.type == _TRANSFER else SELL_BACK_REASONS[op.reason]
                reason = "resignation" if reason == "withdrawal" else reason
                spell.update(end=op.day, exit_reason=reason)
                spells.append(spell)
                exits_by_year[(year, reason)] += 1
        starts.append(started)
    spells += list(open_spell.values())
    category_end: Counter = Counter()
    for m in open_spell:
        h = holdings[m]
        category_end[SHARE_CLASSES[h.index(max(h))]] += 1  # index(): ties go to the first letter
    ops = pd.DataFrame([op for _, op in ordered], columns=_Op._fields)
    ops["rank"] = ops.groupby("day").cumcount()
    ops["starts_spell"] = starts
    return _ScriptOutcome(ops, pd.DataFrame(spells), new_by_year, exits_by_year, category_end)


# --------------------------------------------------------------------------------------------
# The timeline: script + bulk as one journal, with member numbers and spells.


@dataclass(frozen=True)
class Timeline:
    """The register's story at one scale and seed, before any personal data is drawn.

    operations: the journal in application order: op_number, day (epoch days), type, member,
      partner (0 = none), cls, to_cls (-1 = none), qty, qty_to, reason (-1 = none),
      starts_spell (the subscribing member or the transfer's receiver starts a spell);
      codes index OPERATION_TYPES, SHARE_CLASSES and SELL_BACK_REASONS.
    members: member_number, is_company, first_day (epoch days of the first operation).
    spells: member_number, start, end (datetime64; end NaT while open), exit_reason (one of
      EXIT_REASONS, withdrawals of every share counted as resignation), sorted by member.
    """

    scale: int
    seed: int
    operations: pd.DataFrame
    members: pd.DataFrame
    spells: pd.DataFrame


def _scaled_plan(scale: int, script: _ScriptOutcome) -> dict[int, dict[str, int]]:
    """What the bulk must add each year so that script + bulk = YEAR_PLAN x scale."""
    bulk: dict[int, dict[str, int]] = {}
    for y, p in YEAR_PLAN.items():
        row = {r: getattr(p, r) * scale - script.exits_by_year[(y, r)] for r in EXIT_REASONS}
        row["comebacks"] = p.comebacks * scale - script.new_by_year[(y, "comeback")]
        row["transfer_joins"] = p.transfer_joins * scale - script.new_by_year[(y, "transfer")]
        row["first_joins"] = (
            p.new * scale
            - sum(script.new_by_year[(y, k)] for k in ("first", "comeback", "transfer"))
            - row["comebacks"]
            - row["transfer_joins"]
        )
        if min(row.values()) < 0:
            raise ValueError(f"YEAR_PLAN {y} is smaller than the script's own share: {row}")
        bulk[y] = row
    return bulk


def _check_plan() -> None:
    members = 0
    for p in YEAR_PLAN.values():
        members += p.new - sum(getattr(p, r) for r in EXIT_REASONS)
    if members != MEMBERS_END_2024:
        raise AssertionError(f"YEAR_PLAN ends 2024 with {members} members, not {MEMBERS_END_2024}")


# Group of a bulk member that stays to the end: how it comes to its end-2024 category.
_PLAIN, _B_DIRECT, _C_DIRECT, _CONV_AB, _CONV_AC = range(5)
_MULTI_AB_B, _MULTI_AC_C, _MULTI_AB_TIE, _MULTI_AB_A, _MULTI_AC_A = range(5, 10)


def _pick(rng: np.random.Generator, mask: np.ndarray, n: int, what: str) -> np.ndarray:
    pool = np.flatnonzero(mask)
    if len(pool) < n:
        raise ValueError(f"not enough candidates for {what}: {len(pool)} < {n}")
    return np.sort(rng.choice(pool, n, replace=False))


def _draw_joined_before(
    rng: np.random.Generator, cand: np.ndarray, sorted_join: np.ndarray, days: np.ndarray
) -> np.ndarray:
    """For each day, a random candidate who joined strictly before it (-1 when none had).

    `cand` must be sorted by `sorted_join`, the candidates' join days.
    """
    joined_before = np.searchsorted(sorted_join, days, "left")
    pick = np.floor(rng.random(len(days)) * joined_before).astype(np.int64)
    return np.where(joined_before > 0, cand[np.minimum(pick, len(cand) - 1)], -1)


def build_timeline(scale: int = 1, seed: int = 2024) -> Timeline:
    """Build the register's journal and membership spells (script + bulk), deterministically.

    Same (scale, seed), same timeline, on every machine: every random draw comes from
    numpy generators seeded with (seed, stream). Costs O(scale) time and memory, no Python
    loop over members.
    """
    if scale < 1:
        raise ValueError("scale must be an integer >= 1")
    _check_plan()
    script = _replay_script()
    plan = _scaled_plan(scale, script)
    bdays = _business_days()
    bounds = _year_bounds(bdays)
    last = len(bdays) - 1
    rng = np.random.default_rng([seed, 1])

    # First joins: a business day of the year (after the founders' day in 2016).
    join = np.concatenate(
        [
            rng.integers(max(bounds[y][0], 1), bounds[y][1] + 1, plan[y]["first_joins"])
            for y in YEARS
        ]
    )
    n = len(join)
    is_company = rng.random(n) < 0.03
    cls0 = np.zeros(n, np.int8)
    q0 = rng.choice(
        [1, 2, 3, 4, 5, 10, 20, 50], n, p=[0.62, 0.12, 0.08, 0.03, 0.06, 0.06, 0.02, 0.01]
    )

    # Exits, year by year and rarest reason first so that the narrow pools are not exhausted.
    exit_day = np.full(n, -1, np.int64)
    exit_code = np.full(n, -1, np.int8)
    for y in YEARS:
        lo, hi = bounds[y]
        n_res = plan[y]["resignation"]
        n_wd = int(round(0.15 * n_res))  # withdrawals of every share end the spell too
        todo = [
            (_BANKRUPTCY, plan[y]["bankruptcy"], is_company),
            (_WINDING_UP, plan[y]["winding_up"], is_company),
            (_DEATH, plan[y]["death"], ~is_company),
            (_EXIT_BY_TRANSFER, plan[y]["transfer"], ~is_company),
            (_EXCLUSION, plan[y]["exclusion"], None),
            (_WITHDRAWAL, n_wd, None),
            (_RESIGNATION, n_res - n_wd, None),
        ]
        for code, count, who in todo:
            mask = (exit_day < 0) & (join < hi)
            if who is not None:
                mask &= who
            idx = _pick(rng, mask, count, f"exits {code} in {y}")
            exit_day[idx] = rng.integers(np.maximum(join[idx] + 1, lo), hi + 1)
            exit_code[idx] = code
    leaving = exit_day >= 0
    cls0[leaving & ~is_company & (rng.random(n) < 0.01)] = 1  # a few support staff (B) leave
    cls0[leaving & is_company & (rng.random(n) < 0.2)] = 2  # and partner companies (C)

    # Comebacks: members who resigned in an earlier year subscribe again.
    comeback_day = np.full(n, -1, np.int64)
    for y in YEARS:
        lo, hi = bounds[y]
        mask = np.isin(exit_code, [_RESIGNATION, _WITHDRAWAL]) & (exit_day < lo)
        idx = _pick(rng, mask & (comeback_day < 0), plan[y]["comebacks"], f"comebacks {y}")
        comeback_day[idx] = rng.integers(lo, hi + 1, len(idx))
    comeback_q = rng.choice([1, 2, 3], n, p=[0.7, 0.2, 0.1])

    # Members who stay to the end and hold other classes: exactly the end-2024 B and C counts.
    n_b = CATEGORY_END_2024["B"] * scale - script.category_end["B"]
    n_c = CATEGORY_END_2024["C"] * scale - script.category_end["C"]
    sizes = {
        _CONV_AB: round(0.30 * n_b),
        _MULTI_AB_B: round(0.25 * n_b),
        _CONV_AC: round(0.25 * n_c),
        _MULTI_AC_C: round(0.25 * n_c),
        _MULTI_AB_TIE: 6 * scale,
        _MULTI_AB_A: 12 * scale,
        _MULTI_AC_A: 5 * scale,
    }
    sizes[_B_DIRECT] = n_b - sizes[_CONV_AB] - sizes[_MULTI_AB_B]
    group = np.zeros(n, np.int8)
    stays = (~leaving) & (join < last)
    n_c_direct = n_c - sizes[_CONV_AC] - sizes[_MULTI_AC_C]
    group[_pick(rng, stays & is_company, n_c_direct, "C companies")] = _C_DIRECT
    persons = rng.permutation(np.flatnonzero(stays & ~is_company))
    start = 0
    for g, size in sizes.items():
        group[persons[start : start + size]] = g
        start += size
    cls0[group == _B_DIRECT] = 1
    cls0[group == _C_DIRECT] = 2
    special = group >= _CONV_AB
    event_day = np.where(special, rng.integers(np.minimum(join + 1, last), last + 1), -1)
    k_ab = rng.integers(1, 4, n)
    k_ac = rng.integers(1, 3, n)
    q0 = np.select(
        [
            group == _CONV_AB,
            group == _CONV_AC,
            group == _MULTI_AB_B,
            group == _MULTI_AC_C,
            group == _MULTI_AB_TIE,
            group == _MULTI_AB_A,
            group == _MULTI_AC_A,
            (group == _B_DIRECT) | (group == _C_DIRECT),
        ],
        [2 * k_ab, 5 * k_ac, k_ab.clip(max=2), 1, k_ab, 2 + k_ab, 1 + k_ab, k_ab],
        q0,
    )
    extra_q = np.select(  # shares of the other class (bought or converted to)
        [
            group == _CONV_AB,
            group == _CONV_AC,
            group == _MULTI_AB_B,
            group == _MULTI_AC_C,
            group == _MULTI_AB_TIE,
            group == _MULTI_AB_A,
            group == _MULTI_AC_A,
        ],
        [
            k_ab,
            k_ac,
            q0 + rng.integers(1, 4, n),
            rng.integers(2, 5, n),
            q0,
            rng.integers(1, q0.clip(min=2)),
            rng.integers(1, q0.clip(min=2)),
        ],
        0,
    )
    extra_cls = np.where(np.isin(group, [_CONV_AC, _MULTI_AC_C, _MULTI_AC_A]), 2, 1)

    # Events between joining and leaving (or the end): increases, then at most one partial
    # withdrawal and one partial transfer, each leaving at least one share.
    horizon = np.where(leaving, exit_day, last + 1)
    window = horizon - join - 1  # business days strictly between
    can_grow = (window > 0) & (group <= _C_DIRECT)
    k_inc = np.where(can_grow, rng.poisson(0.3 * window.clip(min=0) / 250), 0).clip(max=12)
    inc_owner = np.repeat(np.arange(n), k_inc)
    plain_a = (window > 0) & (group == _PLAIN) & (cls0 == 0)
    has_wd = plain_a & (rng.random(n) < 0.04)
    has_pt = plain_a & (rng.random(n) < 0.006)
    n_mid = k_inc + has_wd + has_pt
    owner = np.repeat(np.arange(n), n_mid)
    mid_day = join[owner] + 1 + np.floor(rng.random(len(owner)) * window[owner]).astype(np.int64)
    order = np.lexsort((mid_day, owner))
    owner, mid_day = owner[order], mid_day[order]
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(n_mid) - n_mid, n_mid)
    is_inc = rank < k_inc[owner]
    is_wd = (rank == k_inc[owner]) & has_wd[owner]
    is_pt = ~is_inc & ~is_wd
    inc_q = rng.choice([1, 2, 3, 5, 10], is_inc.sum(), p=[0.5, 0.2, 0.12, 0.1, 0.08])
    assert np.array_equal(owner[is_inc], inc_owner)
    held = q0 + np.bincount(inc_owner, weights=inc_q, minlength=n).astype(np.int64)
    wd_q = np.where(has_wd & (held >= 2), 1 + np.floor(rng.random(n) * (held - 1)), 0).astype(
        np.int64
    )
    keep = ~(is_wd & (wd_q[owner] == 0))  # nothing to withdraw from a single share
    has_wd &= wd_q > 0

    # Receivers of transfers to existing members: plain class-A members who stay and never
    # give shares themselves, so that nobody's own arithmetic is disturbed.
    receivers_ok = (~leaving) & (group == _PLAIN) & (cls0 == 0) & ~has_pt
    recv = np.flatnonzero(receivers_ok)
    recv = recv[np.argsort(join[recv], kind="stable")]
    pt_q = np.where(
        has_pt & (held - wd_q >= 2), 1 + np.floor(rng.random(n) * (held - wd_q - 1)), 0
    ).astype(np.int64)
    pt_partner = np.full(len(owner), -1, np.int64)
    pt_partner[is_pt] = _draw_joined_before(rng, recv, join[recv], mid_day[is_pt])
    drop_pt = is_pt & ((pt_q[owner] == 0) | (pt_partner < 0))
    keep &= ~drop_pt
    has_pt &= np.bincount(owner[is_pt & keep], minlength=n) > 0
    pt_q = np.where(has_pt, pt_q, 0)
    exit_q = held - wd_q - pt_q
    exit_partner = np.full(n, -1, np.int64)
    by_transfer = np.flatnonzero(exit_code == _EXIT_BY_TRANSFER)
    exit_partner[by_transfer] = _draw_joined_before(rng, recv, join[recv], exit_day[by_transfer])
    assert (exit_partner[by_transfer] >= 0).all()

    # Transfers to new members: a simple class-A member who joined in an earlier year gives
    # part of their shares; the receiver's spell starts with the transfer.
    simple_giver = (~leaving) & (group == _PLAIN) & (cls0 == 0) & ~has_wd & ~has_pt & (q0 >= 2)
    tj_giver, tj_day = [], []
    for y in YEARS:
        lo, hi = bounds[y]
        count = plan[y]["transfer_joins"]
        idx = _pick(rng, simple_giver & (join < lo), count, f"transfer joins {y}")
        simple_giver[idx] = False
        tj_giver.append(idx)
        tj_day.append(rng.integers(lo, hi + 1, count))
    tj_giver_a, tj_day_a = np.concatenate(tj_giver), np.concatenate(tj_day)
    tj_q = 1 + np.floor(rng.random(len(tj_giver_a)) * (q0[tj_giver_a] - 1)).astype(np.int64)
    tj_receiver = n + np.arange(len(tj_giver_a))

    # Journal rows: (day index, rank within the member's story, type, member, partner, class,
    # to class, quantity, quantity_to, reason, starts_spell), internal member ids.
    owner, mid_day, rank = owner[keep], mid_day[keep], rank[keep]
    is_inc, is_wd, is_pt, pt_partner = is_inc[keep], is_wd[keep], is_pt[keep], pt_partner[keep]
    mid_qty = np.zeros(len(owner), np.int64)
    mid_qty[is_inc] = inc_q
    mid_qty[is_wd] = wd_q[owner[is_wd]]
    mid_qty[is_pt] = pt_q[owner[is_pt]]
    sp = np.flatnonzero(special)
    lv = np.flatnonzero(leaving)
    cb = np.flatnonzero(comeback_day >= 0)
    conv = np.isin(group[sp], [_CONV_AB, _CONV_AC])
    parts = [
        # day, rank, type, member, partner, cls, to_cls, qty, qty_to, reason, starts
        (join, 0, _SUB, np.arange(n), -1, cls0, -1, q0, 0, -1, True),
        (
            mid_day,
            1 + rank,
            np.select([is_inc, is_wd], [_SUB, _SELL_BACK], _TRANSFER),
            owner,
            pt_partner,
            cls0[owner],
            -1,
            mid_qty,
            0,
            np.where(is_wd, _WITHDRAWAL, -1),
            False,
        ),
        (
            event_day[sp],
            1,
            np.where(conv, _CONVERT, _SUB),
            sp,
            -1,
            np.where(conv, 0, extra_cls[sp]),
            np.where(conv, extra_cls[sp], -1),
            np.where(conv, q0[sp], extra_q[sp]),
            np.where(conv, extra_q[sp], 0),
            -1,
            False,
        ),
        (
            exit_day[lv],
            50,
            np.where(exit_code[lv] == _EXIT_BY_TRANSFER, _TRANSFER, _SELL_BACK),
            lv,
            exit_partner[lv],
            cls0[lv],
            -1,
            exit_q[lv],
            0,
            np.where(exit_code[lv] == _EXIT_BY_TRANSFER, -1, exit_code[lv]),
            False,
        ),
        (comeback_day[cb], 60, _SUB, cb, -1, 0, -1, comeback_q[cb], 0, -1, True),
        (tj_day_a, 40, _TRANSFER, tj_giver_a, tj_receiver, 0, -1, tj_q, 0, -1, True),
    ]
    cols = ["day", "rank", "type", "member", "partner", "cls", "to_cls", "qty", "qty_to"]
    cols += ["reason", "starts_spell"]
    length = [len(np.atleast_1d(p[3])) for p in parts]
    bulk = {
        c: np.concatenate([np.broadcast_to(p[i], (k,)) for p, k in zip(parts, length, strict=True)])
        for i, c in enumerate(cols)
    }
    bulk["day"] = bdays[bulk["day"]]

    # Member numbers: the bulk is numbered in order of first operation, around the script's
    # fixed numbers; joins of the same day in random order. Sort keys here are unique by
    # construction, so any sort algorithm (numpy's may be SIMD and unstable) gives one order.
    n_all = n + len(tj_receiver)
    first_day = np.concatenate([bdays[join], bdays[tj_day_a]])
    reserved = np.array(sorted(set(EDGE_CASES.values())))
    candidates = np.arange(1, n_all + len(reserved) + 1)
    taken = np.zeros(len(candidates) + 1, bool)  # a bitmap: set operations on ids are slow
    taken[reserved[reserved <= len(candidates)]] = True
    free = candidates[~taken[candidates]][:n_all]
    numbers = np.empty(n_all, np.int64)
    numbers[np.argsort(first_day * n_all + rng.permutation(n_all))] = free
    bulk["member"] = numbers[bulk["member"]]
    bulk["partner"] = np.where(bulk["partner"] >= 0, numbers[bulk["partner"].clip(min=0)], 0)

    s = script.operations
    scripted = {
        "day": s["day"].map(_epoch_day).to_numpy(np.int64),
        "rank": s["rank"].to_numpy(),
        "type": s["type"].to_numpy(),
        "member": s["member"].to_numpy(),
        "partner": s["partner"].to_numpy(),
        "cls": s["cls"].map(SHARE_CLASSES.index).to_numpy(),
        "to_cls": s["to_cls"].map(lambda c: SHARE_CLASSES.index(c) if c else -1).to_numpy(),
        "qty": s["qty"].to_numpy(),
        "qty_to": s["qty_to"].to_numpy(),
        "reason": s["reason"].to_numpy(),
        "starts_spell": s["starts_spell"].to_numpy(),
    }
    journal = {c: np.concatenate([bulk[c], scripted[c]]) for c in cols}
    del bulk
    # Journal numbers follow the application order: by day, then member number (as a clerk
    # would enter them), then the member's own story. No member depends on another's operation
    # of the same day (a transfer's receiver joined earlier, or joins by that very transfer).
    member_span = int(journal["member"].max()) + 1
    day = journal["day"].astype(np.int64) - int(bdays[0])
    key = (day * member_span + journal["member"]) * 64 + journal["rank"]
    order = np.argsort(key)
    assert journal["rank"].max() < 64 and (np.diff(key[order]) > 0).all()
    del key, day
    dtypes = {"day": np.int32, "type": np.int8, "member": np.int64, "partner": np.int64}
    dtypes |= {"cls": np.int8, "to_cls": np.int8, "qty": np.int32, "qty_to": np.int32}
    dtypes |= {"reason": np.int8, "starts_spell": bool}
    ops = pd.DataFrame(
        {
            "op_number": np.arange(1, len(order) + 1, dtype=np.int64),
            **{c: journal.pop(c)[order].astype(dt) for c, dt in dtypes.items()},
        }
    )
    del journal, order

    scripted_first = [
        _epoch_day(s.loc[(s["member"] == m) | (s["partner"] == m), "day"].min()) for m in reserved
    ]
    member_number = np.concatenate([numbers, reserved])
    by_number = np.argsort(member_number)
    members = pd.DataFrame(
        {
            "member_number": member_number[by_number],
            "is_company": np.concatenate(
                [
                    is_company,
                    np.zeros(len(tj_receiver), bool),
                    np.isin(reserved, list(_SCRIPTED_COMPANIES)),
                ]
            )[by_number],
            "first_day": np.concatenate([first_day, scripted_first])[by_number],
        }
    )

    # Spells: first spells of the bulk, comebacks, joins by transfer, then the script's.
    ss = script.spells
    exit_reason = np.array([0, 1, 2, 3, 4, 0, 5])  # bulk exit code -> EXIT_REASONS index
    n_open = len(cb) + len(tj_receiver)
    spell_member = np.concatenate([numbers[:n], numbers[cb], numbers[tj_receiver], ss["member"]])
    spell_start = np.concatenate(
        [bdays[join], bdays[comeback_day[cb]], bdays[tj_day_a], ss["start"].map(_epoch_day)]
    )
    spell_end = np.concatenate(
        [
            np.where(leaving, bdays[exit_day], NO_DAY),
            np.full(n_open, NO_DAY),
            [_epoch_day(d) if isinstance(d, str) else NO_DAY for d in ss["end"]],
        ]
    )
    spell_reason = np.concatenate(
        [
            np.where(leaving, exit_reason[exit_code], -1),
            np.full(n_open, -1),
            [EXIT_REASONS.index(r) if isinstance(r, str) else -1 for r in ss["exit_reason"]],
        ]
    )
    by_member = np.argsort(spell_member * 2**16 + (spell_start - bdays[0]))
    nat = np.iinfo(np.int64).min
    spells = pd.DataFrame(
        {
            "member_number": spell_member[by_member],
            "start": spell_start[by_member].astype("datetime64[D]").astype("datetime64[s]"),
            "end": np.where(spell_end == NO_DAY, nat, spell_end)[by_member]
            .astype("datetime64[D]")
            .astype("datetime64[s]"),
            "exit_reason": pd.Categorical.from_codes(spell_reason[by_member], EXIT_REASONS),
        }
    )
    return Timeline(scale, seed, ops, members, spells)


# --------------------------------------------------------------------------------------------
# Personal data of every member: drawn as codes and numbers in numpy, formatted in DuckDB.


def _pools(lists: list[tuple[str, ...]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Concatenate word lists; return the words and each list's offset and size."""
    sizes = np.array([len(x) for x in lists])
    offsets = np.cumsum(sizes) - sizes
    return [w for x in lists for w in x], offsets, sizes


def _ascii(word: str) -> str:
    """A word as it appears in an e-mail address: no accent, no space, hyphen or apostrophe."""
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _categorical(words: list[str], codes: np.ndarray) -> pd.Categorical:
    """Codes into `words` (which may repeat a word) as a categorical of the distinct words.

    A categorical reaches DuckDB as an ENUM: no Python string is built per row.
    """
    distinct = pd.Index(words).drop_duplicates()
    return pd.Categorical.from_codes(
        distinct.get_indexer(words)[codes], dtype=pd.CategoricalDtype(distinct)
    )


def _case(expr: str, labels: tuple[str, ...] | list[str]) -> str:
    """SQL turning an integer code into its label (NULL for any other code, e.g. -1)."""
    quoted = [label.replace("'", "''") for label in labels]
    whens = " ".join(f"when {i} then '{label}'" for i, label in enumerate(quoted))
    return f"case {expr} {whens} end"


def _date(expr: str) -> str:
    """SQL turning epoch days into a DATE (NULL for NO_DAY)."""
    return f"case when {expr} <> {NO_DAY} then date '1970-01-01' + {expr}::integer end"


def _draw_places(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = np.array([p[4] for p in _names.PLACES], dtype=float)
    return rng.choice(len(_names.PLACES), n, p=weights / weights.sum()).astype(np.int16)


_PLACE_REGION = np.array([_names.REGIONS.index(p[3]) for p in _names.PLACES])
# Fields a scripted member sets as text in the export, after formatting; the others
# (names, gender, birth date, place, language) are set on the drawn codes they derive from.
_TEXT_OVERRIDES = ("company_name", "company_register_number", "email", "street")


def _member_draws(members: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Random personal data per member as codes and numbers (formatted by _COOPERATORS_SQL).

    Scripted names, gender, birth date, place and language are set on the codes, so that
    the national number, the e-mail and the request files derive from them.
    """
    n = len(members)
    company = members["is_company"].to_numpy()
    first_day = members["first_day"].to_numpy(np.int64)
    numbers = members["member_number"].to_numpy()
    place = _draw_places(rng, n)
    lang_cum = np.cumsum(np.array(_names.LANG_BY_REGION), axis=1)
    lang = (rng.random(n)[:, None] > lang_cum[_PLACE_REGION[place]]).sum(axis=1)
    lang = lang.clip(max=3).astype(np.int8)

    # gender: 0 female, 1 male, 2 other, 3 empty; first names follow 0/1, else either list.
    gender = np.where(company, 3, rng.choice(4, n, p=[0.47, 0.45, 0.02, 0.06])).astype(np.int8)
    sex = np.where(gender < 2, gender, rng.integers(0, 2, n))
    first_words, first_off, first_size = _pools(
        [(_names.FIRST_FEMALE, _names.FIRST_MALE)[s][lg] for lg in _names.LANGS for s in (0, 1)]
    )
    slot = lang * 2 + sex
    first = first_off[slot] + np.floor(rng.random(n) * first_size[slot]).astype(np.int64)
    last_words, last_off, last_size = _pools([_names.LAST_NAMES[lg] for lg in _names.LANGS])
    last = last_off[lang] + np.floor(rng.random(n) * last_size[lang]).astype(np.int64)

    # Born 18 to 85 years before joining.
    age_days = np.round((18 + rng.gamma(2.0, 8.0, n)).clip(max=85) * 365.25).astype(np.int64)
    birth = first_day - age_days
    has_birth = ~company & (rng.random(n) > 0.04)
    has_nn = has_birth & (rng.random(n) > 0.06)
    for member, attrs in _SCRIPTED_ATTRIBUTES.items():  # a dozen members, not a bulk loop
        i = int(np.searchsorted(numbers, member))
        if "firstname" in attrs:
            first[i] = first_words.index(attrs["firstname"])
        if "lastname" in attrs:
            last[i] = last_words.index(attrs["lastname"])
        if "gender" in attrs:
            gender[i] = ("female", "male", "other", "").index(attrs["gender"])
        if "birthdate" in attrs:
            has_birth[i] = has_nn[i] = attrs["birthdate"] != ""
            if attrs["birthdate"]:
                birth[i] = _epoch_day(attrs["birthdate"])
        if "zip" in attrs:
            place[i] = [p[:2] for p in _names.PLACES].index((attrs["zip"], attrs["city"]))
        if "lang" in attrs:
            lang[i] = _names.LANGS.index(attrs["lang"])

    # The national number encodes the birth date, then a serial number that is odd for men,
    # even for women and unique per birth date and parity, then 97 - (the 9 digits mod 97),
    # the 9 digits prefixed with a 2 for births from 2000 on.
    parity = np.where(gender == 1, 1, np.where(gender == 0, 0, rng.integers(0, 2, n)))
    key = (birth - birth.min()) * 2 + parity
    order = np.argsort(key * n + rng.permutation(n))  # unique keys: one order on any machine
    sorted_key = key[order]
    group_start = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    position = np.arange(n)
    rank = np.empty(n, np.int64)
    rank[order] = position - np.maximum.accumulate(np.where(group_start, position, 0))
    serial = 2 * (rank % 498) + np.where(parity == 1, 1, 2)
    birth_date = birth.astype("datetime64[D]")
    year = birth_date.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth_date.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth_date - birth_date.astype("datetime64[M]")).astype(np.int64) + 1
    base = ((year % 100 * 100 + month) * 100 + day) * 1000 + serial
    check = 97 - (base + np.where(year >= 2000, 2_000_000_000, 0)) % 97

    # Companies: a KBO number (10 digits, the last two 97 - first eight mod 97), unique.
    kbo8 = np.zeros(n, np.int64)
    kbo8[company] = 2_000_000 + rng.choice(8_000_000, int(company.sum()), replace=False)
    kbo = kbo8 * 100 + (97 - kbo8 % 97)

    street_type = np.array(
        [list(_names.STREETS).index(_names.STREETS_BY_REGION[r]) for r in _names.REGIONS]
    )[_PLACE_REGION[place]]
    street_words, street_off, street_size = _pools(list(_names.STREETS.values()))
    street = street_off[street_type] + np.floor(rng.random(n) * street_size[street_type]).astype(
        np.int64
    )
    company_first = rng.integers(0, len(_names.COMPANY_FIRST), n)
    company_second = rng.integers(0, len(_names.COMPANY_SECOND), n)
    u_address = rng.random(n)
    u_contact = rng.random((n, 3))
    return pd.DataFrame(
        {
            "member_number": numbers,
            "company": company,
            "firstname": _categorical(first_words, first),
            "lastname": _categorical(last_words, last),
            "first_ascii": _categorical([_ascii(w) for w in first_words], first),
            "last_ascii": _categorical([_ascii(w) for w in last_words], last),
            "company_first": _categorical(list(_names.COMPANY_FIRST), company_first),
            "company_second": _categorical(list(_names.COMPANY_SECOND), company_second),
            "company_slug": _categorical(
                [_ascii(w) for w in _names.COMPANY_SECOND], company_second
            ),
            "legal_form": _categorical(
                list(_names.LEGAL_FORMS), rng.integers(0, len(_names.LEGAL_FORMS), n)
            ),
            "kbo": kbo,
            "birth": np.where(has_birth, birth, NO_DAY).astype(np.int32),
            "gender": gender,
            "has_nn": has_nn,
            "nn_serial": serial.astype(np.int16),
            "nn_check": check.astype(np.int8),
            "email_style": np.where(u_contact[:, 0] < 0.08, -1, rng.integers(0, 3, n)).astype(
                np.int8
            ),
            "email_number": rng.integers(1, 100, n, dtype=np.int8),
            "email_domain": rng.integers(0, 4, n, dtype=np.int8),
            "phone_kind": np.where(u_contact[:, 1] < 0.15, -1, u_contact[:, 2] < 0.8).astype(
                np.int8
            ),
            "phone_digits": rng.integers(0, 1_000_000, n, dtype=np.int32),
            "street": _categorical(street_words, street),
            "street_type": street_type.astype(np.int8),
            "house_number": (1 + rng.geometric(0.03, n).clip(max=400)).astype(np.int16),
            "box": np.where(u_address < 0.12, rng.integers(1, 40, n), 0).astype(np.int8),
            "building": _categorical(
                list(_names.BUILDINGS), rng.integers(0, len(_names.BUILDINGS), n)
            ),
            "line_break": (u_address > 0.12) & (u_address < 0.125),
            "no_street": u_address > 0.99,
            "place": place,
            "lang": lang,
        }
    )


# The governance sample names the partners that became members in 2024: two of the companies
# that joined that year carry those names, so that the cross-check finds them.
PARTNER_COMPANIES_2024: tuple[str, ...] = ("Coopcity", "Prométhéa")


def _with_partner_names(query: str, members: pd.DataFrame) -> str:
    first_2024 = members["first_day"].between(_epoch_day("2024-01-01"), _epoch_day("2024-12-31"))
    joined = members.loc[members["is_company"] & first_2024, "member_number"].to_numpy()
    if len(joined) < len(PARTNER_COMPANIES_2024):  # pragma: no cover - the plan has dozens
        raise AssertionError("the 2024 plan has too few companies joining")
    whens = " ".join(
        f"when {int(number)} then '{name}'"
        for number, name in zip(joined, PARTNER_COMPANIES_2024, strict=False)
    )
    return (
        f"select * replace (case cooperator_register_number {whens} else company_name end "
        "as company_name) "
        f"from ({query})"
    )


def _text_override(column: str, default: str) -> str:
    """SQL giving the scripted members' literal value of a column, else `default`."""
    pairs = [
        (m, a[column].replace("'", "''")) for m, a in _SCRIPTED_ATTRIBUTES.items() if column in a
    ]
    if not pairs:
        return default
    whens = " ".join(f"when {m} then '{v}'" for m, v in pairs)
    return f"case member_number {whens} else {default} end"


def _place_column(field: int) -> str:
    return _case("place", [p[field] for p in _names.PLACES])


# How the drawn codes become the export's text (street_type: 0 fr, 1 nl, 2 de, as in STREETS).
# The frame is in member-number order and this is a plain projection (no join, no sort), so
# DuckDB writes the rows in that order.
_COOPERATORS_SQL = f"""
select
    member_number as cooperator_register_number,
    case when company then 'True' else 'False' end as is_company,
    case when not company then lastname::varchar end as lastname,
    case when not company then firstname::varchar end as firstname,
    {
    _text_override(
        "company_name",
        "case when company then company_first::varchar || ' ' || company_second::varchar "
        "|| ' ' || legal_form::varchar end",
    )
} as company_name,
    {
    _text_override(
        "company_register_number",
        "case when company then printf('%04d.%03d.%03d', kbo // 1000000, kbo // 1000 % 1000, "
        "kbo % 1000) end",
    )
} as company_register_number,
    {_date("birth")} as birthdate,
    {_case("gender", ("female", "male", "other"))} as gender,
    case when has_nn then printf('%02d.%02d.%02d-%03d.%02d', year({_date("birth")}) % 100,
        month({_date("birth")}), day({_date("birth")}), nn_serial, nn_check)
    end as national_number,
    {
    _text_override(
        "email",
        "case when email_style < 0 then null "
        "when company then 'info@' || company_slug::varchar || '.example' "
        "else case email_style when 2 then left(first_ascii::varchar, 1) || last_ascii::varchar "
        "else first_ascii::varchar || '.' || last_ascii::varchar end "
        "|| case when email_style = 1 then email_number::varchar else '' end "
        f"|| '@' || {_case('email_domain', _names.EMAIL_DOMAINS)} end",
    )
} as email,
    case
        when phone_kind < 0 then null
        when {_place_column(2)} = 'FR' then printf('+33 6 %02d %02d %02d %02d',
            phone_digits % 100, phone_digits // 100 % 100, phone_digits // 10000 % 100,
            phone_digits % 97)
        when phone_kind = 1 then printf('+32 4%02d %02d %02d %02d', 60 + phone_digits % 40,
            phone_digits // 100 % 100, phone_digits // 10000 % 100, phone_digits % 89)
        else printf('+32 2 %03d %02d %02d', phone_digits % 1000, phone_digits // 1000 % 100,
            phone_digits // 100000 % 100)
    end as phone,
    {
    _text_override(
        "street",
        "case when no_street then null else "
        "case when line_break then building::varchar || chr(10) else '' end "
        "|| street::varchar || ' ' || house_number::varchar "
        "|| case when box = 0 then '' "
        "when street_type = 1 then ', bus ' || box::varchar "
        "when street_type = 2 then ', App. ' || box::varchar "
        "else ', boîte ' || box::varchar end end",
    )
} as street,
    {_place_column(0)} as zip,
    {_place_column(1)} as city,
    {_place_column(2)} as country_id,
    {_case("lang", _names.LANGS)} as lang
from draws
"""


# --------------------------------------------------------------------------------------------
# Requests: one per operation the register shows, plus those that never became one.

_APPLICATION_STATES = ("draft", "blocked", "waiting", "done", "paid", "cancelled", "transfer")
_DRAFT, _BLOCKED, _WAITING, _DONE, _PAID, _CANCELLED, _VIA_TRANSFER = range(7)
_OPERATION_STATES = ("draft", "waiting", "approved", "done", "cancelled", "refused")
_OP_DRAFT, _OP_WAITING, _OP_APPROVED, _OP_DONE, _OP_CANCELLED, _OP_REFUSED = range(6)
_BLANK_REASON = "  "  # a refusal reason of blanks is no reason


def _lagged(bdays: np.ndarray, days: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """The business day `lag` business days before each day (never before the founding day)."""
    idx = np.searchsorted(bdays, days)
    return bdays[np.maximum(idx - lag, 0)]


def _days_in(rng: np.random.Generator, bdays: np.ndarray, lo: int, hi: int, n: int) -> np.ndarray:
    return bdays[rng.integers(lo, hi + 1, n)]


def _subscription_requests(
    tl: Timeline, rng: np.random.Generator, facts: pd.DataFrame
) -> pd.DataFrame:
    """subscription_requests as codes, in id order; `facts` (member_number, company, lang,
    place) gives a member's own data, applicants who are not members get drawn data."""
    bdays = _business_days()
    bounds = _year_bounds(bdays)
    ops = tl.operations
    op_type = ops["type"].to_numpy()
    starts = ops["starts_spell"].to_numpy()
    # Done subscriptions; a spell started by a transfer has a request in state `transfer`.
    sub = np.flatnonzero(op_type == _SUB)
    via_transfer = np.flatnonzero((op_type == _TRANSFER) & starts)
    done = np.concatenate([sub, via_transfer])
    parts: list[dict[str, np.ndarray]] = [
        {
            "day": _lagged(bdays, ops["day"].to_numpy()[done], rng.integers(0, 15, len(done))),
            "kind": np.where(starts[done], 0, 1),  # 0 new, 1 increase
            "cls": ops["cls"].to_numpy()[done],
            "parts": ops["qty"].to_numpy()[done],
            "state": np.r_[np.full(len(sub), _DONE), np.full(len(via_transfer), _VIA_TRANSFER)],
            "refusal": np.full(len(done), -1),
            "member": np.r_[ops["member"].to_numpy()[sub], ops["partner"].to_numpy()[via_transfer]],
        }
    ]

    def add(days: np.ndarray, state: int, refusal: np.ndarray | int = -1, kind: int = 0) -> None:
        k = len(days)
        parts.append(
            {
                "day": days,
                "kind": np.full(k, kind),
                "cls": np.zeros(k, np.int64),
                "parts": rng.choice([1, 1, 1, 2, 5], k),
                "state": np.full(k, state),
                "refusal": np.broadcast_to(refusal, (k,)),
                "member": np.zeros(k, np.int64),
            }
        )

    reasons = (*_names.REFUSAL_REASONS_APPLICATION, _BLANK_REASON)
    for y, p in YEAR_PLAN.items():
        lo, hi = bounds[y]
        withdrawn = round(0.008 * p.new * tl.scale)  # the applicant gave up: no reason
        add(_days_in(rng, bdays, lo, hi, withdrawn), _CANCELLED)
        add(_days_in(rng, bdays, lo, hi, withdrawn // 4), _CANCELLED, kind=1)
        refused = p.refused_applications * tl.scale
        state = int(rng.choice([_BLOCKED, _CANCELLED]))
        add(
            _days_in(rng, bdays, lo, hi, refused), state, rng.integers(0, len(reasons) - 1, refused)
        )
    lo, hi = bounds[2024]
    # Open at the snapshot: blocked for a missing document (no refusal), draft, waiting, paid.
    add(_days_in(rng, bdays, hi - 30, hi, 2 * tl.scale), _BLOCKED)
    add(_days_in(rng, bdays, hi - 15, hi, 12 * tl.scale), _DRAFT)
    add(_days_in(rng, bdays, hi - 15, hi, 20 * tl.scale), _WAITING)
    add(_days_in(rng, bdays, hi - 10, hi, 4 * tl.scale), _PAID)
    add(_days_in(rng, bdays, hi - 15, hi, 3 * tl.scale), _WAITING, kind=1)
    add(np.array([_epoch_day("2024-11-05")]), _CANCELLED, len(reasons) - 1)  # blanks: withdrawn
    columns = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    total = len(columns["day"])
    order = np.argsort((columns["day"] - bdays[0]) * total + rng.permutation(total))
    columns = {c: v[order] for c, v in columns.items()}

    # A member's own data (a dense index by member number: set operations on ids are slow);
    # applicants who are not (yet) members bring theirs.
    member = columns["member"]
    row_of = np.full(int(facts["member_number"].max()) + 1, -1, np.int64)
    row_of[facts["member_number"].to_numpy()] = np.arange(len(facts))
    row = row_of[member]
    outsider = member == 0
    k = int(outsider.sum())
    company = facts["company"].to_numpy()[row]
    company[outsider] = rng.random(k) < 0.03
    lang = facts["lang"].to_numpy()[row]
    lang[outsider] = rng.choice(4, k, p=[0.38, 0.52, 0.08, 0.02])
    place = facts["place"].to_numpy()[row]
    place[outsider] = _draw_places(rng, k)
    return pd.DataFrame(
        {
            "id": np.arange(1, total + 1, dtype=np.int64),
            **columns,
            "company": company,
            "lang": lang,
            "place": place,
        }
    )


_SUBSCRIPTION_REQUESTS_SQL = f"""
select
    id,
    {_date("day")} as date,
    {_case("kind", ("new", "increase"))} as type,
    {_case("cls", SHARE_CLASSES)} as share_short_name,
    parts as ordered_parts,
    {_case("state", _APPLICATION_STATES)} as state,
    {_case("refusal", (*_names.REFUSAL_REASONS_APPLICATION, _BLANK_REASON))} as refusal_reason,
    nullif(member, 0) as cooperator_register_number,
    case when company then 'True' else 'False' end as is_company,
    {_case("lang", _names.LANGS)} as lang,
    {_place_column(0)} as zip
from requests
"""


def _operation_requests(tl: Timeline, rng: np.random.Generator) -> pd.DataFrame:
    """operation_requests as codes, in id order: one done request per sell_back, transfer and
    convert, plus requests cancelled, refused or still open at the snapshot."""
    bdays = _business_days()
    bounds = _year_bounds(bdays)
    ops = tl.operations
    done = np.flatnonzero(ops["type"].to_numpy() != _SUB)
    effective = ops["day"].to_numpy()[done]
    parts: list[dict[str, np.ndarray]] = [
        {
            "request_day": _lagged(bdays, effective, rng.integers(0, 20, len(done))),
            "effective_day": effective,
            "type": ops["type"].to_numpy()[done],
            "member": ops["member"].to_numpy()[done],
            "cls": ops["cls"].to_numpy()[done],
            "qty": ops["qty"].to_numpy()[done],
            "state": np.full(len(done), _OP_DONE),
            "reason": ops["reason"].to_numpy()[done],
            "refusal": np.full(len(done), -1),
        }
    ]
    # Requests that led nowhere come from bulk members who stay to the end, so they were
    # members on the request date.
    spells = tl.spells
    stay = spells["end"].isna() & ~spells["member_number"].isin(list(EDGE_CASES.values()))
    stay_start = spells.loc[stay, "start"].to_numpy().astype("datetime64[D]").astype(np.int64)
    order = np.argsort(stay_start, kind="stable")
    stay_number = spells.loc[stay, "member_number"].to_numpy()[order]
    stay_start = stay_start[order]

    def add(
        days: np.ndarray, op_type: int, state: int, reason: int, refusal: np.ndarray | int = -1
    ) -> None:
        k = len(days)
        parts.append(
            {
                "request_day": days,
                "effective_day": np.full(k, NO_DAY),
                "type": np.full(k, op_type),
                "member": _draw_joined_before(rng, stay_number, stay_start, days),
                "cls": np.zeros(k, np.int64),
                "qty": np.ones(k, np.int64),
                "state": np.full(k, state),
                "reason": np.full(k, reason),
                "refusal": np.broadcast_to(refusal, (k,)),
            }
        )

    for y, p in YEAR_PLAN.items():
        lo, hi = bounds[y]
        lo = max(lo, 20)  # a few weeks after the founding
        changed_mind = round(0.05 * p.resignation * tl.scale)
        add(_days_in(rng, bdays, lo, hi, changed_mind), _SELL_BACK, _OP_CANCELLED, _RESIGNATION)
        refused = p.refused_withdrawals * tl.scale
        add(
            _days_in(rng, bdays, lo, hi, refused),
            _SELL_BACK,
            _OP_REFUSED,
            _WITHDRAWAL,
            np.arange(refused) % len(_names.REFUSAL_REASONS_WITHDRAWAL),
        )
    lo, hi = bounds[2024]
    # 2024 refuses no withdrawal; the board did refuse one exclusion and one transfer, which
    # are not withdrawal requests.
    refused_exclusion = len(_names.REFUSAL_REASONS_WITHDRAWAL)
    add(
        _days_in(rng, bdays, lo, hi - 40, 1), _SELL_BACK, _OP_REFUSED, _EXCLUSION, refused_exclusion
    )
    add(_days_in(rng, bdays, lo, hi - 40, 1), _TRANSFER, _OP_REFUSED, -1, refused_exclusion + 1)
    add(_days_in(rng, bdays, *bounds[2022], tl.scale), _CONVERT, _OP_CANCELLED, -1)
    add(_days_in(rng, bdays, hi - 15, hi, 5 * tl.scale), _SELL_BACK, _OP_DRAFT, _RESIGNATION)
    add(_days_in(rng, bdays, hi - 25, hi, 6 * tl.scale), _SELL_BACK, _OP_WAITING, _RESIGNATION)
    add(_days_in(rng, bdays, hi - 20, hi, 3 * tl.scale), _SELL_BACK, _OP_APPROVED, _WITHDRAWAL)
    add(_days_in(rng, bdays, hi - 20, hi, tl.scale), _TRANSFER, _OP_WAITING, -1)
    columns = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    total = len(columns["request_day"])
    order = np.argsort((columns["request_day"] - bdays[0]) * total + rng.permutation(total))
    return pd.DataFrame(
        {"id": np.arange(1, total + 1, dtype=np.int64), **{c: v[order] for c, v in columns.items()}}
    )


_OPERATION_REFUSALS = (
    *_names.REFUSAL_REASONS_WITHDRAWAL,
    _names.REFUSAL_REASON_EXCLUSION,
    _names.REFUSAL_REASON_TRANSFER,
)
_OPERATION_REQUESTS_SQL = f"""
select
    id,
    {_date("request_day")} as request_date,
    {_date("effective_day")} as effective_date,
    {_case("type", OPERATION_TYPES)} as operation_type,
    member as cooperator_register_number,
    {_case("cls", SHARE_CLASSES)} as share_short_name,
    qty as quantity,
    {_case("state", _OPERATION_STATES)} as state,
    {_case("reason", SELL_BACK_REASONS)} as reason,
    {_case("refusal", _OPERATION_REFUSALS)} as refusal_reason
from operation_requests
"""

_SHARE_OPERATIONS_SQL = f"""
select
    op_number as register_number_operation,
    {_date("day")} as date,
    {_case("type", OPERATION_TYPES)} as type,
    member as cooperator_register_number,
    nullif(partner, 0) as partner_to_register_number,
    {_case("cls", SHARE_CLASSES)} as share_short_name,
    {_case("to_cls", SHARE_CLASSES)} as share_to_short_name,
    qty as quantity,
    nullif(qty_to, 0) as quantity_to,
    {_case("cls", SHARE_PRICES)} as share_unit_price,
    {_case("reason", SELL_BACK_REASONS)} as reason
from journal
"""


# --------------------------------------------------------------------------------------------
# Writing


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, path: Path, bom: bool = False) -> Path:
    """COPY a query to CSV (header, `,`, `"` quoting only where needed, NULL as empty field).

    Every query is a projection of a frame already in output order; with DuckDB's default
    preserve_insertion_order the file keeps that order without a costly ORDER BY.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        part = Path(tmp) / path.name
        target = str(part).replace("'", "''")
        con.execute(f"copy ({query}) to '{target}' (format csv, header true, delimiter ',')")
        if bom:  # DuckDB writes no byte-order mark; the Odoo export does
            with path.open("wb") as out, part.open("rb") as src:
                out.write(b"\xef\xbb\xbf")
                shutil.copyfileobj(src, out, 16 * 1024 * 1024)
        else:
            part.replace(path)
    return path


def write_register(
    out_dir: Path, scale: int = 1, seed: int = 2024, *, timeline: Timeline | None = None
) -> list[Path]:
    """Write the share register snapshot exported on 15/01/2025 under `out_dir/register/`.

    Four files, `{cooperators,share_operations,subscription_requests,operation_requests}_
    20250115.csv`, covering the operations of 2016-01-04 .. 2024-12-31. `scale` multiplies
    members and operations; at scale 1 the pipeline's 2024 membership figures are the annex's.
    Pass the `timeline` of `build_timeline(scale, seed)` to avoid building it twice.
    Returns the paths written.
    """
    tl = timeline if timeline is not None else build_timeline(scale, seed)
    if (tl.scale, tl.seed) != (scale, seed):
        raise ValueError("timeline was built for another scale or seed")
    register = Path(out_dir) / "register"
    name = "{}_" + SNAPSHOT_SUFFIX + ".csv"
    draws = _member_draws(tl.members, np.random.default_rng([seed, 2]))
    facts = draws[["member_number", "company", "lang", "place"]].copy()
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = true")
        con.register("draws", draws)
        paths = [
            _copy_csv(
                con,
                _with_partner_names(_COOPERATORS_SQL, tl.members),
                register / name.format("cooperators"),
                True,
            )
        ]
        con.unregister("draws")
        del draws
        con.register("journal", tl.operations)
        paths.append(
            _copy_csv(con, _SHARE_OPERATIONS_SQL, register / name.format("share_operations"))
        )
        con.unregister("journal")
        requests = _subscription_requests(tl, np.random.default_rng([seed, 3]), facts)
        del facts
        con.register("requests", requests)
        paths.append(
            _copy_csv(
                con, _SUBSCRIPTION_REQUESTS_SQL, register / name.format("subscription_requests")
            )
        )
        con.unregister("requests")
        del requests
        con.register(
            "operation_requests", _operation_requests(tl, np.random.default_rng([seed, 4]))
        )
        paths.append(
            _copy_csv(con, _OPERATION_REQUESTS_SQL, register / name.format("operation_requests"))
        )
    finally:
        con.close()
    return paths
