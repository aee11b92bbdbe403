"""The share register export (Odoo `cooperator`): its four files, read as one snapshot."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.lib.ingest import Column, ExportError, ExportSpec, RowRule
from pipelines.lib.reuse import WorkLedger, fingerprint
from pipelines.lib.warehouse import set_comments

REGISTER_FILES = ("cooperators", "share_operations", "subscription_requests", "operation_requests")
SHARE_CLASSES = ("A", "B", "C")
SELL_BACK_REASONS = ("resignation", "exclusion", "death", "bankruptcy", "winding_up", "withdrawal")
LANGS = ("nl_BE", "fr_BE", "en_US", "de_DE")

_SNAPSHOT_FILE = re.compile(r"^(?P<name>[a-z_]+?)(?:_(?P<stamp>\d{8}))?\.csv$")


@dataclass(frozen=True)
class Snapshot:
    """The register files to read (`files`), and the older ones passed over (`ignored`)."""

    stamp: str | None
    files: dict[str, Path]
    ignored: list[Path] = field(default_factory=list)


def choose_snapshot(register_dir: Path) -> Snapshot:
    """The newest snapshot: highest `_YYYYMMDD` suffix, a file without suffix counting newest."""
    found: dict[str, dict[str, Path]] = {}
    for path in sorted(register_dir.glob("*.csv")) if register_dir.is_dir() else []:
        match = _SNAPSHOT_FILE.match(path.name)
        if match and match["name"] in REGISTER_FILES:
            found.setdefault(match["stamp"] or "", {})[match["name"]] = path
    if not found:
        raise ExportError(
            f"{register_dir}: no share register export found "
            f"(expected {', '.join(name + '.csv' for name in REGISTER_FILES)})"
        )
    newest = max(found, key=lambda stamp: stamp or "99999999")
    files = found[newest]
    for name in REGISTER_FILES:
        if name not in files:
            suffix = f"_{newest}" if newest else ""
            raise ExportError(
                f"register/{name}{suffix}.csv is missing: the register's four files form one "
                f"snapshot and {newest or 'the unsuffixed'} snapshot has only "
                f"{', '.join(sorted(files))}"
            )
    ignored = [path for stamp, group in found.items() if stamp != newest for path in group.values()]
    return Snapshot(newest or None, files, sorted(ignored))


def _member_number(
    name: str, required: bool = False, description: str = "", keep: bool = True
) -> Column:
    return Column(name, "BIGINT", required=required, description=description, keep=keep)


def _share_class(
    name: str, required: bool = False, description: str = "", keep: bool = True
) -> Column:
    return Column(
        name,
        "VARCHAR",
        required=required,
        allowed=SHARE_CLASSES,
        description=description,
        keep=keep,
        enum=True,
    )


COOPERATORS = ExportSpec(
    name="cooperators",
    description="One row per member ever registered, without the direct identifiers of "
    "persons: names, contacts and address are not read past the header (no figure uses them, "
    "and there is nothing in them to validate), the birth date and company number are "
    "validated but not kept, and the national number is never read.",
    columns=(
        _member_number("cooperator_register_number", required=True),
        Column("is_company", "BOOLEAN", required=True),
        Column("lastname", load=False),
        Column("firstname", load=False),
        Column("company_name"),
        Column(
            "company_register_number",
            parse="case when regexp_full_match({v}, '[0-9]{{4}}\\.[0-9]{{3}}\\.[0-9]{{3}}') "
            "then {v} end",
            keep=False,
        ),
        Column("birthdate", "DATE", keep=False),
        Column("gender", allowed=("male", "female", "other")),
        Column("national_number", load=False),
        Column("email", load=False),
        Column("phone", load=False),
        Column("street", load=False),
        Column("zip", load=False),
        Column("city", load=False),
        Column("country_id", parse="case when regexp_full_match({v}, '[A-Z]{{2}}') then {v} end"),
        Column("lang", allowed=LANGS),
    ),
    on_invalid_row="error",
)

SHARE_OPERATIONS = ExportSpec(
    name="share_operations",
    description="The share register journal: one row per operation, applied in order of "
    "(date, register_number_operation).",
    columns=(
        Column("register_number_operation", "BIGINT", required=True),
        Column("date", "DATE", required=True, target="operation_date"),
        Column(
            "type",
            required=True,
            allowed=("subscription", "transfer", "sell_back", "convert"),
            target="operation_type",
            enum=True,
        ),
        _member_number("cooperator_register_number", required=True),
        _member_number("partner_to_register_number"),
        _share_class("share_short_name", required=True),
        _share_class("share_to_short_name"),
        Column("quantity", "INTEGER", required=True),
        Column("quantity_to", "INTEGER"),
        Column("share_unit_price", "DECIMAL(12, 2)", keep=False),  # no figure uses it
        Column("reason", allowed=SELL_BACK_REASONS, enum=True),
    ),
    rules=(
        RowRule("quantity", "quantity < 1", "out_of_range"),
        RowRule("quantity_to", "quantity_to < 1", "out_of_range"),
        RowRule(
            "partner_to_register_number",
            "operation_type = 'transfer' and partner_to_register_number is null",
            "missing_value",
        ),
        RowRule(
            "share_to_short_name",
            "operation_type = 'convert' and share_to_short_name is null",
            "missing_value",
        ),
        RowRule(
            "quantity_to", "operation_type = 'convert' and quantity_to is null", "missing_value"
        ),
        RowRule("reason", "operation_type = 'sell_back' and reason is null", "missing_value"),
    ),
    # No per-row pseudonym here: core.member_spells takes each member's from ingest.member_keys
    # (one HMAC per member instead of two per operation).
    on_invalid_row="error",
)

SUBSCRIPTION_REQUESTS = ExportSpec(
    name="subscription_requests",
    description="Applications to join (type new) or to buy more shares (type increase).",
    columns=(
        Column("id", "BIGINT", required=True, target="request_id"),
        Column("date", "DATE", required=True, target="request_date"),
        Column(
            "type", required=True, allowed=("new", "increase"), target="request_type", enum=True
        ),
        # validated, not kept: the figures count applications by date, type and state (the
        # largest register file after the journal; an applicant's attributes are not needed)
        _share_class("share_short_name", keep=False),
        Column("ordered_parts", "INTEGER", keep=False),
        Column(
            "state",
            required=True,
            allowed=("draft", "blocked", "waiting", "done", "paid", "cancelled", "transfer"),
            enum=True,
        ),
        Column("refusal_reason"),
        _member_number("cooperator_register_number", keep=False),
        Column("is_company", "BOOLEAN", keep=False),
        Column("lang", allowed=LANGS, keep=False),
        Column("zip", load=False),  # an applicant's postcode: no figure uses it
    ),
    on_invalid_row="error",
)

OPERATION_REQUESTS = ExportSpec(
    name="operation_requests",
    description="Requests to withdraw (sell back), transfer or convert shares.",
    columns=(
        Column("id", "BIGINT", required=True, target="request_id"),
        Column("request_date", "DATE", required=True),
        Column("effective_date", "DATE"),
        Column("operation_type", required=True, allowed=("sell_back", "transfer", "convert")),
        _member_number("cooperator_register_number"),
        _share_class("share_short_name"),
        Column("quantity", "INTEGER"),
        Column(
            "state",
            required=True,
            allowed=("draft", "waiting", "approved", "done", "cancelled", "refused"),
        ),
        Column("reason", allowed=SELL_BACK_REASONS),
        Column("refusal_reason"),
    ),
    on_invalid_row="error",
)

MEMBER_KEYS_TABLE = "ingest.member_keys"
# The ledger entry of the key the pseudonyms were made with (its probe: the pseudonym of -1).
_KEY_PROBE = "ingest.member_keys:key"
# The pseudonyms are stored uncompressed: compressing random hex text costs more time than the
# space it saves is worth in the working database (decisions.md).
_KEYS_COLUMNS = "member_number bigint, member_key varchar using compression uncompressed"


def key_changed(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the pseudonyms kept in the working database were made with another key than the
    connection's (`pseudonym`): the key file was lost, replaced or pointed elsewhere."""
    stored = WorkLedger(con).entry(_KEY_PROBE)
    probe = con.execute("select pseudonym(-1)").fetchone()[0]
    return stored is not None and stored.result != probe


def refresh_member_keys(con: duckdb.DuckDBPyConnection) -> int:
    """Keep `ingest.member_keys` (member number -> pseudonym) in step with the register.

    An HMAC per member costs seconds on a large register, and a member's pseudonym never
    changes while the key stays the same: only members new to the register are hashed. The
    pseudonym of a number no member has (-1) is kept in the reuse ledger, with the table's
    columns; when the key changes, so does that probe, and every pseudonym is computed again (as
    when the columns change). Returns the members hashed.
    """
    ledger = WorkLedger(con)
    con.execute(f"create table if not exists {MEMBER_KEYS_TABLE} ({_KEYS_COLUMNS})")
    probe = con.execute("select pseudonym(-1)").fetchone()[0]
    made_from = fingerprint(probe, _KEYS_COLUMNS)
    # a table made with another key, or with other columns (an older version of this code)
    if not ledger.is_current(_KEY_PROBE, made_from):
        con.execute(f"create or replace table {MEMBER_KEYS_TABLE} ({_KEYS_COLUMNS})")
        ledger.record(_KEY_PROBE, made_from, result=probe)
    con.execute(
        f"delete from {MEMBER_KEYS_TABLE} where member_number in (select member_number "
        f"from {MEMBER_KEYS_TABLE} anti join ingest.cooperators c "
        "on c.cooperator_register_number = member_number)"
    )
    added = con.execute(
        f"insert into {MEMBER_KEYS_TABLE} select distinct c.cooperator_register_number, "
        "pseudonym(c.cooperator_register_number) from ingest.cooperators c "
        f"anti join {MEMBER_KEYS_TABLE} k on k.member_number = c.cooperator_register_number"
    ).fetchone()[0]
    set_comments(
        con,
        MEMBER_KEYS_TABLE,
        "Every member's pseudonym: HMAC-SHA-256 of the member number with the deployment's "
        "key (private: links pseudonyms to member numbers; never published).",
        {"member_number": "Member number.", "member_key": "Its pseudonym."},
    )
    return int(added)


def member_keys_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The version of `ingest.member_keys` (see reuse.py): the members' table's, the key's
    probe and this code's. None while the members' table has none."""
    members = WorkLedger(con).entry(COOPERATORS.table)
    if members is None:
        return None
    probe = con.execute("select pseudonym(-1)").fetchone()[0]
    return fingerprint(members.version, probe, Path(__file__).read_bytes())


REGISTER_SPECS = {
    spec.name: spec
    for spec in (COOPERATORS, SHARE_OPERATIONS, SUBSCRIPTION_REQUESTS, OPERATION_REQUESTS)
}
