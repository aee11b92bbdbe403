"""Governance facts: `governance/YYYY.yaml`, kept by hand by the secretariat.

The file is validated strictly with a pydantic model (an unknown key, a wrong type or a negative
count is an error naming the file and the key path, e.g.
`governance/2024.yaml: ethics_committee.new_cases: must be >= 0`) and flattened into one row per
fact, keyed by its path in the file (`participation.smartlabs.interested`). A count given roughly
keeps its qualifier: `{value: 300, qualifier: more_than}` is the fact 300 with qualifier
`more_than`. A list's own path holds how many items it has (`cooperation.new_partner_members`
= 2), its items are `path[0]`, `path[1]`, ...

Every key is optional except `year` (a fact left out gives a NULL figure with a note); a year
without a file is not an error either: its figures say that the facts were not provided.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pipelines.lib.hashing import file_sha256
from pipelines.lib.ingest import (
    INGEST_LOG_TABLE,
    ExportError,
    display_name,
    ensure_quality_tables,
)
from pipelines.lib.plainyaml import read_plain_yaml
from pipelines.lib.rawfiles import require_export
from pipelines.lib.warehouse import set_comments

GOVERNANCE_FILE = re.compile(r"^(?P<year>\d{4})\.ya?ml$")
FACTS_TABLE = "ingest.governance_facts"
ASSEMBLIES_TABLE = "ingest.governance_assemblies"
PARTNERS_KEY = "cooperation.new_partner_members"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Count(_Strict):
    """A count, exact or known roughly (`about`, `more_than`)."""

    value: Annotated[int, Field(ge=0)]
    qualifier: Literal["about", "more_than"] | None = None


def _count(value: Any) -> Any:
    """A bare number is an exact count; a mapping is validated as {value, qualifier}."""
    if isinstance(value, bool) or not isinstance(value, int | dict):
        raise PydanticCustomError(
            "count_type",
            "must be a whole number >= 0, or a mapping of value (the number) and qualifier "
            "(about or more_than)",
        )
    if isinstance(value, int):
        if value < 0:
            raise PydanticCustomError("count_negative", "must be >= 0")
        return {"value": value}
    return value


CountField = Annotated[Count, BeforeValidator(_count)]
NonNegative = Annotated[int, Field(ge=0)]


class GeneralAssembly(_Strict):
    date: dt.date
    kind: Literal["ordinary", "extraordinary"]
    workshops: CountField | None = None


class Cooperative(_Strict):
    name: str | None = None
    founded: NonNegative | None = None
    founders: CountField | None = None


class Board(_Strict):
    elected: CountField | None = None
    coopted: CountField | None = None
    mandate_years: NonNegative | None = None
    unpaid: bool | None = None


class EthicsComposition(_Strict):
    support_staff: CountField | None = None
    external_experts: CountField | None = None
    user_members: CountField | None = None


class EthicsCommittee(_Strict):
    new_cases: CountField | None = None
    handled_cases: CountField | None = None
    meetings: CountField | None = None
    new_members: CountField | None = None
    composition: EthicsComposition | None = None


class SmartLabs(_Strict):
    groups: CountField | None = None
    interested: CountField | None = None
    regular: CountField | None = None
    meeting_hours: CountField | None = None


class WorkersAssembly(_Strict):
    date: dt.date | None = None
    action_points: CountField | None = None
    debated: CountField | None = None


class Participation(_Strict):
    smartlabs: SmartLabs | None = None
    workers_assembly: WorkersAssembly | None = None
    survey_id: str | None = None


class Event(_Strict):
    name: str
    participants: CountField | None = None
    workshops: CountField | None = None


class Education(_Strict):
    conferences: CountField | None = None
    cine_club_screenings: CountField | None = None
    events: list[Event] | None = None


class Cooperation(_Strict):
    new_partner_members: list[str] | None = None
    networks: list[str] | None = None


class Statutes(_Strict):
    """The statutes' articles the annex cites (principles 2, 3 and 4)."""

    one_member_one_vote_article: Annotated[int, Field(ge=1)] | None = None
    board_mandate_article: Annotated[int, Field(ge=1)] | None = None
    unpaid_mandate_article: Annotated[int, Field(ge=1)] | None = None
    statutory_director: bool | None = None
    founders_special_status: bool | None = None
    result_allocation_article: Annotated[int, Field(ge=1)] | None = None
    share_repayment_article: Annotated[int, Field(ge=1)] | None = None
    liquidation_surplus_article: Annotated[int, Field(ge=1)] | None = None


class Autonomy(_Strict):
    agreements_limiting_autonomy: bool | None = None


class RegisterSettings(_Strict):
    """How to read a register that keeps no exit reason (Odoo): `unlisted_exits: resignation`
    counts every exit by sell-back the side file does not list as a resignation."""

    unlisted_exits: Literal["resignation"] | None = None


# `register` is the file's key; it shadows only ABCMeta.register, a class-level method that
# no instance uses, so pydantic's warning about it is silenced here
warnings.filterwarnings("ignore", 'Field name "register" in "GovernanceFacts" shadows')


class GovernanceFacts(_Strict):
    """The whole file. Every section is optional; `year` is required."""

    year: int
    cooperative: Cooperative | None = None
    general_assemblies: list[GeneralAssembly] | None = None
    board: Board | None = None
    ethics_committee: EthicsCommittee | None = None
    participation: Participation | None = None
    education: Education | None = None
    cooperation: Cooperation | None = None
    statutes: Statutes | None = None
    autonomy: Autonomy | None = None
    register: RegisterSettings | None = None

    @model_validator(mode="after")
    def _one_ordinary_assembly(self) -> GovernanceFacts:
        ordinary = [a for a in self.general_assemblies or [] if a.kind == "ordinary"]
        if len(ordinary) > 1:
            raise PydanticCustomError(
                "several_ordinary",
                "general_assemblies: {n} assemblies have kind ordinary; a year has one",
                {"n": len(ordinary)},
            )
        return self


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
    "greater_than_equal": "must be >= {ge}",
    "int_type": "must be a whole number",
    "date_type": "must be a date (YYYY-MM-DD)",
    "string_type": "must be a text",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a mapping of keys",
    "literal_error": "must be one of {expected}",
}


def _path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _messages(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors():
        template = _MESSAGES.get(item["type"])
        context = item.get("ctx") or {}
        message = template.format(**context) if template else item["msg"]
        path = _path(item["loc"])
        lines.append(f"{path}: {message}" if path else message)
    return lines


@dataclass(frozen=True)
class GovernanceFile:
    path: Path
    display: str
    sha256: str
    facts: GovernanceFacts


def parse_governance(path: Path, raw_dir: Path) -> GovernanceFile:
    """Read and validate one file, or raise an ExportError naming the file and the key path."""
    display = display_name(path, raw_dir)
    match = GOVERNANCE_FILE.match(path.name)
    if match is None:
        raise ExportError(f"{display}: a governance file is named after its year (YYYY.yaml)")
    require_export(path, raw_dir, display)
    data = read_plain_yaml(path, display)
    if not isinstance(data, dict):
        raise ExportError(f"{display}: must be a mapping of keys (year, board, ...)")
    problems: list[str] = []
    try:
        facts = GovernanceFacts.model_validate(data)
    except ValidationError as exc:
        problems = _messages(exc)
    if problems:  # raised outside the except: its context (the data) is never formatted
        raise ExportError("; ".join(f"{display}: {line}" for line in problems))
    year = int(match["year"])
    problems = []
    if facts.year != year:
        problems.append(f"year: is {facts.year} but the file is named {path.name}")
    for i, assembly in enumerate(facts.general_assemblies or []):
        if assembly.date.year != year:
            problems.append(f"general_assemblies[{i}].date: {assembly.date} is not in {year}")
    workers = facts.participation.workers_assembly if facts.participation else None
    if workers and workers.date and workers.date.year != year:
        problems.append(f"participation.workers_assembly.date: {workers.date} is not in {year}")
    survey_id = facts.participation.survey_id if facts.participation else None
    if survey_id is not None and not survey_id.startswith(f"{year}-"):
        problems.append(f"participation.survey_id: {survey_id!r} is not a survey of {year}")
    if problems:
        raise ExportError("; ".join(f"{display}: {problem}" for problem in problems))
    return GovernanceFile(path, display, file_sha256(path), facts)


def flatten(value: Any, path: str = "") -> list[tuple[str, int | None, str | None, str | None]]:
    """(key path, number, text, qualifier) for every fact under `value`."""
    if isinstance(value, Count):
        return [(path, value.value, None, value.qualifier)]
    if isinstance(value, BaseModel):
        rows = []
        for name in type(value).model_fields:
            item = getattr(value, name)
            if item is not None:
                rows += flatten(item, f"{path}.{name}" if path else name)
        return rows
    if isinstance(value, list):
        rows = [(path, len(value), None, None)]
        for i, item in enumerate(value):
            rows += flatten(item, f"{path}[{i}]")
        return rows
    if isinstance(value, bool):
        return [(path, None, "true" if value else "false", None)]
    if isinstance(value, int):
        return [(path, value, None, None)]
    if isinstance(value, dt.date):
        return [(path, None, value.isoformat(), None)]
    return [(path, None, str(value), None)]


def governance_files(raw_dir: Path) -> list[Path]:
    folder = raw_dir / "governance"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


_FACT_COLUMNS = {
    "year": "Year of the file.",
    "key_path": "Where the fact is in the file, e.g. ethics_committee.new_cases.",
    "value": "The number (a count, a year); for a list: how many items it has.",
    "value_text": "A text, date (YYYY-MM-DD) or true/false fact.",
    "qualifier": "about or more_than when the secretariat gave the count roughly.",
    "source_file": "The governance file, relative to the raw folder.",
    "file_sha256": "SHA-256 of that file.",
    "position": "Order of the fact in the file.",
}
_ASSEMBLY_COLUMNS = {
    "year": "Year of the file.",
    "assembly_date": "Date of the general assembly.",
    "kind": "ordinary or extraordinary.",
    "key_path": "Where it is in the file, e.g. general_assemblies[0].",
    "source_file": "The governance file, relative to the raw folder.",
    "file_sha256": "SHA-256 of that file.",
}


def load_governance(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> list[GovernanceFile]:
    """Validate every governance file, then write ingest.governance_facts and _assemblies."""
    files = [parse_governance(path, raw_dir) for path in governance_files(raw_dir)]
    years = [f.facts.year for f in files]
    twice = sorted({y for y in years if years.count(y) > 1})
    if twice:
        names = [f.display for f in files if f.facts.year == twice[0]]
        raise ExportError(f"{' and '.join(names)}: two governance files for {twice[0]}")
    facts = pd.DataFrame(
        [
            (f.facts.year, key, value, text, qualifier, f.display, f.sha256, position)
            for f in files
            for position, (key, value, text, qualifier) in enumerate(flatten(f.facts))
        ],
        columns=list(_FACT_COLUMNS),
        dtype=object,
    )
    assemblies = pd.DataFrame(
        [
            (f.facts.year, a.date, a.kind, f"general_assemblies[{i}]", f.display, f.sha256)
            for f in files
            for i, a in enumerate(f.facts.general_assemblies or [])
        ],
        columns=list(_ASSEMBLY_COLUMNS),
        dtype=object,
    )
    con.execute("create schema if not exists ingest")
    con.register("_governance_facts", facts)
    con.register("_governance_assemblies", assemblies)
    try:
        con.execute(
            f"""
            create or replace table {FACTS_TABLE} as
            select cast(year as integer) as year, cast(key_path as varchar) as key_path,
                   cast(value as bigint) as value, cast(value_text as varchar) as value_text,
                   cast(qualifier as varchar) as qualifier,
                   cast(source_file as varchar) as source_file,
                   cast(file_sha256 as varchar) as file_sha256,
                   cast(position as integer) as position
            from _governance_facts order by year, position
            """
        )
        con.execute(
            f"""
            create or replace table {ASSEMBLIES_TABLE} as
            select cast(year as integer) as year, cast(assembly_date as date) as assembly_date,
                   cast(kind as varchar) as kind, cast(key_path as varchar) as key_path,
                   cast(source_file as varchar) as source_file,
                   cast(file_sha256 as varchar) as file_sha256
            from _governance_assemblies order by year, assembly_date
            """
        )
    finally:
        con.unregister("_governance_facts")
        con.unregister("_governance_assemblies")
    set_comments(
        con,
        FACTS_TABLE,
        "Governance facts kept by hand by the secretariat (governance/YYYY.yaml), validated and "
        "flattened: one row per fact, keyed by its path in the file.",
        _FACT_COLUMNS,
    )
    set_comments(
        con,
        ASSEMBLIES_TABLE,
        "The general assemblies each governance file lists, with their kind: the ordinary one "
        "is the year's ordinary general assembly.",
        _ASSEMBLY_COLUMNS,
    )
    ensure_quality_tables(con)
    con.execute(f"delete from {INGEST_LOG_TABLE} where export = 'governance_facts'")
    con.execute(
        f"""
        insert into {INGEST_LOG_TABLE}
        select 'governance_facts', source_file, any_value(file_sha256), count(*), count(*), 0
        from {FACTS_TABLE} group by source_file order by source_file
        """
    )
    return files
