"""General-assembly vote files, one per assembly, named after its date (`ga_YYYY-MM-DD.csv`)."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.lib.ingest import Column, ExportSpec, RowRule

_VOTE_FILE = re.compile(r"^ga_(\d{4}-\d{2}-\d{2})\.csv$")

# Typed as entered: " 0012345" is member 12345; anything but digits is not a member number.
MEMBER_NUMBER_SQL = "case when regexp_full_match({v}, '[0-9]{{1,18}}') then cast({v} as bigint) end"


def vote_files(assembly_dir: Path) -> list[Path]:
    if not assembly_dir.is_dir():
        return []
    return sorted(p for p in assembly_dir.iterdir() if _VOTE_FILE.match(p.name))


VOTES = ExportSpec(
    name="votes",
    description="Votes cast at general assemblies, one row per vote as exported by the voting "
    "platform (ingestion layer: holds raw member numbers).",
    columns=(
        Column(
            "member_number",
            "BIGINT",
            parse=MEMBER_NUMBER_SQL,
            invalid_reason="bad_member_number",
            description="Member who voted (for a proxy vote: the member represented).",
        ),
        Column("channel", required=True, allowed=("onsite", "online", "proxy")),
        Column(
            "voted_at",
            "TIMESTAMPTZ",
            required=True,
            parse="try_strptime({v}, '%Y-%m-%dT%H:%M:%S%z')",
        ),
        Column(
            "proxy_holder",
            "BIGINT",
            parse=MEMBER_NUMBER_SQL,
            invalid_reason="bad_member_number",
        ),
    ),
    rules=(
        # an empty member number is no more a member number than "12a45" (figures.md)
        RowRule("member_number", "_t_member_number is null", "bad_member_number"),
        RowRule("proxy_holder", "channel = 'proxy' and proxy_holder is null", "missing_value"),
    ),
    derived={
        "member_key": "pseudonym(member_number)",
        "proxy_holder_key": "pseudonym(proxy_holder)",
    },
    extra_columns_sql={
        "assembly_date": "cast(regexp_extract({file}, 'ga_([0-9-]+)\\.csv', 1) as date)"
    },
    on_invalid_row="quarantine",
)
