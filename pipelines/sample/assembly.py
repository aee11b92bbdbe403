"""Deterministic sample vote files of the general assemblies (`assembly/ga_YYYY-MM-DD.csv`).

One ordinary assembly every June from 2016 to 2024 and one extraordinary assembly on
25/11/2021 (so 2021 has two files and, without a governance file, no ordinary-assembly figure).
Voters are drawn from the members of the register's timeline on the eve of each assembly, so the
files always agree with `register.write_register` for the same scale and seed. At scale 1 the
2024 file yields the annex's 841 voters; the rows a pipeline must set aside (bad numbers,
non-members) and count once (duplicates) are scripted with known members (`EDGE_CASES`).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from pipelines.sample.register import (
    EDGE_CASES,
    UNKNOWN_VOTER_NUMBER,
    Timeline,
    build_timeline,
)

CHANNELS: tuple[str, ...] = ("onsite", "online", "proxy")


class GeneralAssembly(NamedTuple):
    """An assembly, its scale-1 voter count and its channel mix (onsite, online, proxy)."""

    day: date
    kind: str
    voters: int  # distinct members, members on the eve, who voted (script included)
    channel_mix: tuple[float, float, float]


GENERAL_ASSEMBLIES: tuple[GeneralAssembly, ...] = (
    GeneralAssembly(date(2016, 6, 14), "ordinary", 124, (0.75, 0.15, 0.10)),
    GeneralAssembly(date(2017, 6, 13), "ordinary", 214, (0.70, 0.20, 0.10)),
    GeneralAssembly(date(2018, 6, 19), "ordinary", 347, (0.65, 0.25, 0.10)),
    GeneralAssembly(date(2019, 6, 18), "ordinary", 455, (0.60, 0.30, 0.10)),
    # 2020: held online only (lockdown); proxies were given to online voters.
    GeneralAssembly(date(2020, 6, 16), "ordinary", 512, (0.00, 0.88, 0.12)),
    GeneralAssembly(date(2021, 6, 15), "ordinary", 598, (0.25, 0.65, 0.10)),
    GeneralAssembly(date(2021, 11, 25), "extraordinary", 233, (0.40, 0.50, 0.10)),
    GeneralAssembly(date(2022, 6, 14), "ordinary", 687, (0.35, 0.55, 0.10)),
    GeneralAssembly(date(2023, 6, 13), "ordinary", 764, (0.35, 0.57, 0.08)),
    GeneralAssembly(date(2024, 6, 18), "ordinary", 841, (0.36, 0.56, 0.08)),
)


class _Vote(NamedTuple):
    assembly: str
    member_number: str  # as typed
    channel: str
    time: str
    proxy_holder: str = ""


_E = EDGE_CASES
# Rows with a known outcome (see figures.md, "General assembly").
_SCRIPTED_VOTES: tuple[_Vote, ...] = (
    _Vote("2021-06-15", str(_E["former_member_voter"]), "online", "09:41:27"),  # a member then
    _Vote("2023-06-13", f"0{_E['padded_voter']}", "onsite", "14:12:40"),
    _Vote("2023-06-13", "", "online", "16:02:13"),  # bad_member_number
    _Vote("2024-06-18", str(_E["founder_person_a"]), "onsite", "14:03:11"),
    _Vote("2024-06-18", str(_E["founder_person_b"]), "online", "10:12:45"),
    _Vote("2024-06-18", str(_E["founder_person_b"]), "onsite", "14:20:02"),  # duplicate_vote
    _Vote(
        "2024-06-18",
        str(_E["founder_smartbe"]),
        "proxy",
        "14:05:37",
        str(_E["founder_person_a"]),
    ),
    _Vote("2024-06-18", f" 00{_E['padded_voter']}", "online", "11:47:09"),  # " 0012345"
    _Vote("2024-06-18", str(_E["comeback"]), "online", "12:30:51"),  # rejoined 2024-05-06
    _Vote("2024-06-18", str(_E["join_on_ga_eve"]), "online", "09:05:18"),  # counted
    _Vote("2024-06-18", str(_E["exit_on_ga_day"]), "onsite", "15:10:44"),  # counted
    _Vote("2024-06-18", str(_E["join_on_ga_day"]), "online", "18:22:07"),  # not_a_member
    _Vote("2024-06-18", str(_E["exit_on_ga_eve"]), "online", "08:58:30"),  # not_a_member
    _Vote("2024-06-18", str(_E["former_member_voter"]), "online", "13:14:15"),  # not_a_member
    _Vote("2024-06-18", str(UNKNOWN_VOTER_NUMBER), "online", "20:01:59"),  # not_a_member
    _Vote("2024-06-18", "12a45", "onsite", "15:45:00"),  # bad_member_number
)

# Voting windows in seconds after midnight: on site during the afternoon session, online all day.
_ONSITE_WINDOW = (14 * 3600, 17 * 3600 + 1800)
_ONLINE_WINDOW = (8 * 3600, 22 * 3600)


def _utc_offset(day: date) -> str:
    """Brussels' offset on a day: +02:00 from the last Sunday of March to that of October."""

    def last_sunday(month: int) -> date:
        end = date(day.year, month, 31)
        return end - timedelta(days=(end.weekday() + 1) % 7)

    return "+02:00" if last_sunday(3) <= day < last_sunday(10) else "+01:00"


def _members_on_eve(spells: pd.DataFrame, day: date) -> np.ndarray:
    """Members after every operation dated before `day` (a spell open on the day before).

    A member's spells never overlap, so no member comes twice.
    """
    d = np.datetime64(day)
    on = (spells["start"] < d) & (spells["end"].isna() | (spells["end"] >= d))
    return spells.loc[on, "member_number"].to_numpy()


def _flags(numbers: np.ndarray, size: int) -> np.ndarray:
    # Membership tests on millions of ids: a bitmap is much faster than set operations.
    flags = np.zeros(size, bool)
    flags[numbers] = True
    return flags


def _parse(typed: str) -> int | None:
    text = typed.strip()
    return int(text) if text.isdigit() else None


def _typed(rng: np.random.Generator, numbers: np.ndarray) -> np.ndarray:
    """Member numbers as people type them: mostly plain, some zero-padded or with spaces."""
    plain = numbers.astype(str).astype(object)
    padded = pd.Series(plain).str.zfill(7).to_numpy(object)
    u = rng.random(len(numbers))
    return np.select(
        [u < 0.03, u < 0.04, u < 0.045], [padded, " " + padded, plain + " "], plain
    ).astype(object)


def _bulk_votes(
    ga: GeneralAssembly, spells: pd.DataFrame, scale: int, rng: np.random.Generator
) -> pd.DataFrame:
    scripted = [v for v in _SCRIPTED_VOTES if v.assembly == ga.day.isoformat()]
    eve = _members_on_eve(spells, ga.day)
    scripted_voters = {_parse(v.member_number) for v in scripted} & set(eve.tolist())
    size = int(spells["member_number"].max()) + 1
    scripted_member = _flags(np.array(sorted(set(EDGE_CASES.values()))), size)
    on_eve = _flags(eve, size)
    pool = eve[~scripted_member[eve]]
    n = ga.voters * scale - len(scripted_voters)
    voters = rng.choice(pool, n, replace=False)
    channel = rng.choice(3, n, p=ga.channel_mix)
    holders_pool = voters[channel == (0 if ga.channel_mix[0] > 0 else 1)]
    holder = np.where(channel == 2, rng.choice(holders_pool, n), 0)
    # Some voted online and then again on site (or twice online when the assembly was online).
    again = (channel < 2) & (rng.random(n) < 0.02)
    again_channel = np.where(ga.channel_mix[0] > 0, 1 - channel[again], 1)
    # People who were no longer members, and numbers nobody has.
    ended = spells.loc[spells["end"] < np.datetime64(ga.day), "member_number"].to_numpy()
    former_pool = np.flatnonzero(_flags(ended, size) & ~on_eve & ~scripted_member)
    former = rng.choice(former_pool, min(2 * scale, len(former_pool)), replace=False)
    unknown = 90_000_000 + rng.integers(0, 9_999_999, scale)
    numbers = np.concatenate([voters, voters[again], former, unknown])
    channels = np.concatenate(
        [channel, again_channel, np.ones(len(former) + len(unknown), np.int64)]
    )
    holders = np.concatenate([holder, np.zeros(len(numbers) - n, np.int64)])
    online = channels == 1
    seconds = np.where(
        online,
        rng.integers(*_ONLINE_WINDOW, len(numbers)),
        rng.integers(*_ONSITE_WINDOW, len(numbers)),
    )
    if ga.channel_mix[0] == 0:  # an online-only assembly: proxies were cast online too
        seconds = rng.integers(*_ONLINE_WINDOW, len(numbers))
    bulk = pd.DataFrame(
        {
            "member_number": _typed(rng, numbers),
            "channel": np.array(CHANNELS, dtype=object)[channels],
            "seconds": seconds,
            "proxy_holder": np.where(holders > 0, holders.astype(str), "").astype(object),
        }
    )
    own = pd.DataFrame(
        {
            "member_number": [v.member_number for v in scripted],
            "channel": [v.channel for v in scripted],
            "seconds": [
                int(h) * 3600 + int(m) * 60 + int(s)
                for h, m, s in (v.time.split(":") for v in scripted)
            ],
            "proxy_holder": [v.proxy_holder for v in scripted],
        }
    )
    votes = pd.concat([bulk, own], ignore_index=True).sort_values(
        ["seconds", "member_number"], kind="stable", ignore_index=True
    )
    stamp = pd.Timestamp(ga.day) + pd.to_timedelta(votes["seconds"], unit="s")
    votes["voted_at"] = stamp.dt.strftime("%Y-%m-%dT%H:%M:%S") + _utc_offset(ga.day)
    return votes[["member_number", "channel", "voted_at", "proxy_holder"]]


def _write_votes(votes: pd.DataFrame, path: Path) -> Path:
    # Written by hand so that a number typed with spaces keeps them inside quotes, as the
    # platform exports it; no other field can hold a delimiter or a quote.
    number = votes["member_number"]
    quoted = np.where(number.str.strip() != number, '"' + number + '"', number)
    lines = quoted + "," + votes["channel"] + "," + votes["voted_at"] + "," + votes["proxy_holder"]
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "member_number,channel,voted_at,proxy_holder\n"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_assemblies(
    out_dir: Path, scale: int = 1, seed: int = 2024, *, timeline: Timeline | None = None
) -> list[Path]:
    """Write one vote file per general assembly under `out_dir/assembly/`.

    The voters come from `build_timeline(scale, seed)`, the same timeline `write_register`
    writes, so pass it as `timeline` when writing both to build it once. At scale 1 the
    2024-06-18 file has exactly 841 distinct members who were members on the eve.
    Returns the paths written.
    """
    tl = timeline if timeline is not None else build_timeline(scale, seed)
    if (tl.scale, tl.seed) != (scale, seed):
        raise ValueError("timeline was built for another scale or seed")
    paths = []
    for i, ga in enumerate(GENERAL_ASSEMBLIES):
        rng = np.random.default_rng([seed, 10, i])
        votes = _bulk_votes(ga, tl.spells, scale, rng)
        paths.append(_write_votes(votes, Path(out_dir) / "assembly" / f"ga_{ga.day}.csv"))
    return paths
