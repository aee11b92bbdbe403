"""Odoo's own export of the share register (`register/odoo/`), read into the plain register form.

What the secretariat gets from Odoo's "Export" dialog with the OCA `cooperative` modules: the
fields' labels as headers, in the exporting user's language, choice values as their labels,
every field quoted, `0` for an unset integer and a `'` before a text starting with `=`, `+` or
`-`. The labels below are the modules' own (`cooperator/models/*.py` and `cooperator/i18n/
fr.po`, `nl_BE.po`; gender: `partner_contact_gender`). The Dutch translation of the modules
leaves most labels in English (Odoo then shows the English label): a Dutch export mixes both.
Two journal fields share one French label (`Numéro de transaction`: the operation's name and its
number, equal in the modules); the first column of that label is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path

import duckdb

from pipelines.lib.ingest import (
    ExportError,
    ExportInputs,
    LoadResult,
    StagedFile,
    display_name,
    header_cells,
    literal_path,
    load_export,
    reader_error,
    records_check,
)
from pipelines.lib.sources.register import REGISTER_SPECS, SELL_BACK_REASONS
from pipelines.lib.sources.register_shapes import (
    EXIT_REASONS_FILE,
    REFUSALS_FILE,
    ShapeColumn,
    cell_text,
    company_name_only,
    locate,
    value_sql,
)
from pipelines.lib.warehouse import (
    insertion_order,
    quote_identifier,
    quote_literal,
    scratch_folder,
)

_MEMBER_PARENTS = ("Cooperator", "Coopérateur", "Coöperant", "partner_id")
_RECEIVER_PARENTS = ("Transfered to", "Transféré à", "partner_id_to")
_MEMBER_NUMBER = ("Cooperator Number", "Numéro de coopérateur", "cooperator_register_number")


def _subfield(parents: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{p}/{n}" for p in parents for n in _MEMBER_NUMBER)


OPERATION_TYPES = {
    "Subscription": "subscription",
    "Souscription": "subscription",
    "Transfer": "transfer",
    "Transfert": "transfer",
    "Sell Back": "sell_back",
    "Revente": "sell_back",
    "Conversion": "convert",
}
REQUEST_STATES = {
    "Draft": "draft",
    "Brouillon": "draft",
    "Concept": "draft",
    "Blocked": "blocked",
    "Bloquée": "blocked",
    "block": "blocked",
    "Done": "done",
    "Fait": "done",
    "Waiting": "waiting",
    "En attente": "waiting",
    "Transfer": "transfer",
    "Transfert": "transfer",
    "Cancelled": "cancelled",
    "Annulé": "cancelled",
    "paid": "paid",
    "payé": "paid",
}
OPERATION_REQUEST_STATES = {
    "Draft": "draft",
    "Brouillon": "draft",
    "Concept": "draft",
    "Waiting": "waiting",
    "En attente": "waiting",
    "Approved": "approved",
    "Approuvé": "approved",
    "Done": "done",
    "Fait": "done",
    "Cancelled": "cancelled",
    "Annulé": "cancelled",
    "Refused": "refused",
    "Refusé": "refused",
}
GENDERS = {
    "Male": "male",
    "Masculin": "male",
    "Man": "male",
    "Female": "female",
    "Féminin": "female",
    "Vrouw": "female",
    "Other": "other",
    "Autre": "other",
    "Overige": "other",
}
# res.lang's names, as a selection of language codes shows them (the same in every language)
LANGUAGES = {
    "Dutch (BE) / Nederlands (BE)": "nl_BE",
    "French (BE) / Français (BE)": "fr_BE",
    "English (US)": "en_US",
    "German / Deutsch": "de_DE",
}
BOOLEANS = {"true": "True", "false": "False", "Vrai": "True", "Faux": "False"}
_NUMBER = ("Register Number Operation", "Number Operation", "Numéro de transaction")
_REQUEST_ID = ("ID", "id", "Id")

# The plain file each Odoo model gives, and how its columns read in the export.
COLUMNS: dict[str, tuple[ShapeColumn, ...]] = {
    "share_operations": (
        ShapeColumn("register_number_operation", (*_NUMBER, "register_number_operation"), {}, True),
        ShapeColumn("date", ("Subscription Date", "Date de la souscription", "date"), {}, True),
        ShapeColumn(
            "type", ("Operation Type", "Type de transaction", "type"), OPERATION_TYPES, True
        ),
        ShapeColumn("cooperator_register_number", _subfield(_MEMBER_PARENTS), {}, True),
        ShapeColumn("partner_to_register_number", _subfield(_RECEIVER_PARENTS)),
        ShapeColumn(
            "share_short_name",
            ("Share type name", "Nom du type de part", "share_short_name"),
            {},
            True,
        ),
        ShapeColumn(
            "share_to_short_name",
            ("Share to type name", "Nom du type de part après conversion", "share_to_short_name"),
        ),
        ShapeColumn("quantity", ("Number of share", "Nombre de parts", "quantity"), {}, True),
        ShapeColumn(
            "quantity_to",
            ("Number of share to", "Nombre de parts à", "quantity_to"),
            kind="zero_null",
        ),
        ShapeColumn("share_unit_price", ("Share price", "Prix de la part", "share_unit_price")),
    ),
    "cooperators": (
        ShapeColumn("cooperator_register_number", _MEMBER_NUMBER, {}, True),
        ShapeColumn(
            "is_company",
            (
                "Is a Company",
                "Is a company",
                "Est une société",
                "Est une personne morale",
                "Is een bedrijf",
                "is_company",
            ),
            BOOLEANS,
            True,
        ),
        ShapeColumn("company_name", ("Name", "Nom", "Naam", "name")),
        ShapeColumn("gender", ("Gender", "Genre", "Geslacht", "gender"), GENDERS),
        ShapeColumn(
            "birthdate",
            ("Birthdate", "Date de naissance", "Geboortedatum", "birthdate_date", "birthdate"),
            kind="date",
        ),
        ShapeColumn("lang", ("Language", "Langue", "Taal", "lang"), LANGUAGES),
        ShapeColumn("country_id", ("Country/Country Code", "Pays/Code du pays", "country_id/code")),
    ),
    "subscription_requests": (
        ShapeColumn("id", _REQUEST_ID, {}, True, "odoo_id"),
        ShapeColumn(
            "date",
            ("Subscription date request", "Date de la demande de souscription", "date"),
            {},
            True,
        ),
        ShapeColumn(
            "type",
            ("Type", "Soort", "type"),
            {
                "New Cooperator": "new",
                "Nouveau coopérateur": "new",
                "Increase number of share": "increase",
                "Augmentation du nombre de parts": "increase",
            },
            True,
        ),
        ShapeColumn(
            "share_short_name", ("Share type name", "Nom du type de part", "share_short_name")
        ),
        ShapeColumn("ordered_parts", ("Number of Share", "Nombre de parts", "ordered_parts")),
        ShapeColumn("state", ("State", "État", "Provincie", "state"), REQUEST_STATES, True),
        ShapeColumn("cooperator_register_number", _subfield(_MEMBER_PARENTS)),
        ShapeColumn(
            "is_company", ("Is a company", "Est une personne morale", "is_company"), BOOLEANS
        ),
        ShapeColumn("lang", ("Language", "Langue", "Taal", "lang"), LANGUAGES),
    ),
    "operation_requests": (
        ShapeColumn("id", _REQUEST_ID, {}, True, "odoo_id"),
        ShapeColumn(
            "request_date", ("Request date", "Date de la demande", "request_date"), {}, True
        ),
        ShapeColumn("effective_date", ("Effective date", "Date effective", "effective_date")),
        ShapeColumn(
            "operation_type",
            ("Operation Type", "Type de transaction", "operation_type"),
            OPERATION_TYPES,
            True,
        ),
        ShapeColumn("cooperator_register_number", _subfield(_MEMBER_PARENTS)),
        ShapeColumn(
            "share_short_name", ("Share type name", "Nom du type de part", "share_short_name")
        ),
        ShapeColumn("quantity", ("Number of share", "Nombre de parts", "quantity")),
        ShapeColumn(
            "state", ("State", "État", "Provincie", "state"), OPERATION_REQUEST_STATES, True
        ),
    ),
}

# A header only one model's export has: it tells which plain file an export gives.
SIGNATURES = {
    "share_operations": (*_NUMBER, "register_number_operation"),
    "operation_requests": ("Request date", "Date de la demande", "request_date"),
    "subscription_requests": (
        "Subscription date request",
        "Date de la demande de souscription",
        "ordered_parts",
    ),
    "cooperators": _MEMBER_NUMBER,
}
# The journal's reasons as the side file may give them: technical, or as in the workbook.
EXIT_REASONS = {r: r for r in SELL_BACK_REASONS} | {
    "ontslag": "resignation",
    "démission": "resignation",
    "uitsluiting": "exclusion",
    "exclusion": "exclusion",
    "overlijden": "death",
    "décès": "death",
    "faillissement": "bankruptcy",
    "faillite": "bankruptcy",
    "ontbinding": "winding_up",
    "dissolution": "winding_up",
    "gedeeltelijke terugneming": "withdrawal",
    "retrait partiel": "withdrawal",
}


def _odoo_id(text: str) -> str:
    """SQL: the record's number in an external id `__export__.<model>_<number>_<hash>` as Odoo
    exports one (`__export__.subscription_request_42_1a2b3c4d`; model `[a-z_]+`, hash
    hexadecimal), else the text itself. A match without capture and a split,
    not `regexp_extract`: ~2 s for 10 M ids, not ~4 s. `text` is written out twice: best a
    column."""
    return (
        f"(case when regexp_full_match({text}, '__export__\\.[a-z_]+_[0-9]+_[0-9a-f]+') "
        f"then split_part({text}, '_', -2) else {text} end)"
    )


def csv_header(path: Path, display: str) -> list[str]:
    """The header of an Odoo CSV (duplicates allowed: two fields may share a label)."""
    names = [cell.strip() for cell in header_cells(path, "utf-8", ",", display)]
    if not any(names):
        raise ExportError(f"{display}: the file is empty (no header row)")
    return names


def classify(files: Sequence[Path], raw_dir: Path) -> tuple[dict[str, list[Path]], dict[str, Path]]:
    """The export files by the plain file they give, and the side files found."""
    by_kind: dict[str, list[Path]] = {name: [] for name in COLUMNS}
    side: dict[str, Path] = {}
    for path in files:
        if path.name in (EXIT_REASONS_FILE, REFUSALS_FILE):
            side[path.name] = path
            continue
        display = display_name(path, raw_dir)
        header = csv_header(path, display)
        kind = next((k for k, sig in SIGNATURES.items() if any(h in header for h in sig)), None)
        if kind is None:
            raise ExportError(
                f"{display}: not an Odoo export of the register: its header has none of "
                "'Register Number Operation' (the share journal), 'Cooperator Number' (the "
                "members), 'Subscription date request' (subscription requests) or 'Request "
                "date' (operation requests), nor their French or technical names"
            )
        by_kind[kind].append(path)
    missing = [kind for kind in ("share_operations", "cooperators") if not by_kind[kind]]
    if missing:
        what = {
            "share_operations": "the share journal (subscription.register)",
            "cooperators": "the members (res.partner)",
        }
        raise ExportError(
            f"register/odoo/: no export of {' nor '.join(what[k] for k in missing)}: export it "
            "from Odoo as docs/odoo-export.md describes and put it in that folder"
        )
    return by_kind, side


def _read_text(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    width: int,
    keep: Sequence[int],
    table: str,
    display: str,
    scratch: Path,
) -> Callable[[int], str | None]:
    """The file's records into temp table `table` in file order (the file's name taken
    literally): of its `width` fields, those at `keep`, as text (`c3`, `c7`...); the others
    are parsed, never kept (an Odoo export holds every field ticked: names, addresses, mails).
    Returns the check that the records are all the file holds."""
    readable = literal_path(path, scratch)
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    kept = ", ".join(f"c{i}" for i in sorted(set(keep))) or "c0"
    try:
        with insertion_order(con):
            con.execute(
                f"create or replace temp table {table} as select {kept} from read_csv("
                f"{quote_literal(str(readable))}, header = true, auto_detect = false, delim = ',', "
                "quote = '\"', escape = '\"', encoding = 'utf-8', strict_mode = true, "
                f"columns = {{{columns}}})"
            )
    except duckdb.Error as exc:
        raise ExportError(f"{display}: cannot be read as CSV: {reader_error(exc)}") from None
    return records_check(path, (readable, "utf-8"), ",")


def _side_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    raw_dir: Path,
    key: str,
    table: str,
    reasons: dict[str, str] | None,
    scratch: Path,
) -> str:
    """Read side file `path` (`key,reason`) into temp table `table` (key, reason); an
    unreadable key, an unknown reason or a key given twice is an error naming the row."""
    display = display_name(path, raw_dir)
    header = [h.lower() for h in csv_header(path, display)]
    for name in (key, "reason"):
        if name not in header:
            raise ExportError(f"{display}: required column {name!r} is missing from the header")
    keep = [header.index(key), header.index("reason")]
    verify = _read_text(con, path, len(header), keep, f"{table}_raw", display, scratch)
    (read,) = con.execute(f"select count(*) from {table}_raw").fetchone()
    if (short := verify(read)) is not None:
        raise ExportError(f"{display}: {short}")
    k, r = f"c{header.index(key)}", f"c{header.index('reason')}"
    value = f"nullif(trim({r}), '')"
    if reasons:
        cases = " ".join(
            f"when {quote_literal(a)} then {quote_literal(b)}" for a, b in reasons.items()
        )
        value = f"(case lower({value}) {cases} end)"
    con.execute(
        f"create or replace temp table {table} as select rowid + 1 as source_row, "
        f"try_cast({_odoo_id(f'trim({k})')} as bigint) as key, {value} as reason, "
        f"nullif(trim({k}), '') is null as key_missing from {table}_raw"
    )
    bad = con.execute(
        f"""
        select source_row, case when key is null then {quote_literal(key)} else 'reason' end,
               case when key is null and key_missing then 'missing_value'
                    when key is null then 'bad_type'
                    when reason is null then '{"not_allowed" if reasons else "missing_value"}'
                    else 'duplicate_key' end
        from (select *, count(*) over (partition by key) as copies from {table})
        where key is null or reason is null or (copies > 1 and key is not null)
        order by source_row limit 5
        """
    ).fetchall()
    if bad:
        listed = "; ".join(f"{display} row {row}, column {col!r}: {why}" for row, col, why in bad)
        allowed = f" (allowed: {', '.join(SELL_BACK_REASONS)})" if reasons else ""
        raise ExportError(f"{display}: rows that cannot be used: {listed}{allowed}")
    con.execute(f"drop table {table}_raw")
    return display


def _staged(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    path: Path,
    digest: Future[str],
    raw_dir: Path,
    index: int,
    side: dict[str, str],
    warnings: list[str],
    scratch: Path,
) -> StagedFile:
    """One export file as the plain file's text columns, with its own row numbers."""
    display = display_name(path, raw_dir)
    header = csv_header(path, display)
    columns = COLUMNS[kind]
    found = locate(header, columns, display)
    known = {h for c in columns for h in c.headers}
    warnings.extend(
        f"{display}: column {name!r} is not needed, ignored"
        for name in dict.fromkeys(header)
        if name not in known and name
    )
    raw = f"_odoo_{kind}_{index}"
    keep = sorted({position for position, _ in found.values()})
    verify = _read_text(con, path, len(header), keep, raw, display, scratch)
    spec = REGISTER_SPECS[kind]
    by_target = {c.target: c for c in columns}
    # three steps, each expression computed once a row: each cell's text (b0, b3...), each
    # column's plain value from it (_t_...), then what the side files add (joined on a value)
    cells = ", ".join(f"{cell_text(f'c{i}', odoo=True)} as b{i}" for i in keep)
    texts: dict[str, str] = {}
    for column in spec.loaded:
        shape = by_target.get(column.name)
        if shape is None or column.name not in found:
            texts[column.name] = "null::varchar"
            continue
        text = value_sql(f"b{found[column.name][0]}", shape)
        texts[column.name] = _odoo_id(text) if shape.kind == "odoo_id" else text
    if kind == "cooperators":
        texts["company_name"] = company_name_only(texts)

    def value(name: str) -> str:
        return f"v.{quote_identifier('_t_' + name)}"

    added: dict[str, str] = {}
    joins = ""
    if kind == "share_operations":
        # a sell-back the side file does not list: a withdrawal, a resignation when it takes
        # the member's last share (whether that reading is right is said by the figures' notes)
        reason = "e.reason" if "exit_reasons" in side else "null"
        added["reason"] = (
            f"case when {value('type')} = 'sell_back' then coalesce({reason}, 'withdrawal') end"
        )
        if "exit_reasons" in side:
            joins = (
                " left join _odoo_exit_reasons e on e.key = "
                f"try_cast({value('register_number_operation')} as bigint)"
            )
    if kind == "subscription_requests" and "refusals" in side:
        added["refusal_reason"] = "r.reason"
        joins = f" left join _odoo_refusals r on r.key = try_cast({value('id')} as bigint)"
    selects = ", ".join(
        f"{expression} as {quote_identifier('_t_' + name)}"
        for name, expression in texts.items()
        if name not in added
    )
    outer = "".join(
        f", {expression} as {quote_identifier('_t_' + name)}" for name, expression in added.items()
    )
    labels = {target: name for target, (_, name) in found.items()}
    if kind == "share_operations" and "exit_reasons" in side:
        labels["reason"] = f"reason ({side['exit_reasons']})"
    rows = (
        f"select v.*{outer} from (select source_row, {selects} from "
        f"(select rowid + 1 as source_row, {cells} from {raw})) v{joins}"
    )
    return StagedFile(
        display,
        digest,
        rows,
        row_number="source_row",
        column_labels=labels,
        verify_records=verify,
    )


def load_odoo(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    raw_dir: Path,
    *,
    reuse: bool = True,
) -> tuple[list[LoadResult], str | None, str | None]:
    """Read Odoo's export into the four plain register tables. Returns their load results and
    why the exit and refusal reasons are unknown (None when a side file gives them)."""
    by_kind, side_files = classify(files, raw_dir)
    side: dict[str, str] = {}
    results = []
    with scratch_folder(con) as scratch:
        if EXIT_REASONS_FILE in side_files:
            side["exit_reasons"] = _side_file(
                con,
                side_files[EXIT_REASONS_FILE],
                raw_dir,
                "operation",
                "_odoo_exit_reasons",
                EXIT_REASONS,
                scratch,
            )
        if REFUSALS_FILE in side_files:
            side["refusals"] = _side_file(
                con, side_files[REFUSALS_FILE], raw_dir, "request", "_odoo_refusals", None, scratch
            )
        registered: list[str] = []
        try:
            for kind, spec in REGISTER_SPECS.items():
                paths = by_kind[kind]
                extra = (
                    [side_files[EXIT_REASONS_FILE]]
                    if kind == "share_operations" and "exit_reasons" in side
                    else []
                )
                if kind == "subscription_requests" and "refusals" in side:
                    extra = [side_files[REFUSALS_FILE]]
                inputs = ExportInputs.of([*paths, *extra], raw_dir, "odoo")
                warnings: list[str] = []
                staged = (
                    _staged(con, kind, path, digest, raw_dir, i, side, warnings, scratch)
                    for i, (path, digest) in enumerate(zip(paths, inputs.digests, strict=False))
                )
                registered.extend(f"_odoo_{kind}_{i}" for i in range(len(paths)))
                results.append(load_export(con, spec, staged, warnings, inputs=inputs, reuse=reuse))
        finally:
            for table in [*registered, "_odoo_exit_reasons", "_odoo_refusals"]:
                con.execute(f"drop table if exists {table}")
    exits_note = (
        None
        if "exit_reasons" in side
        else (f"register/odoo/{EXIT_REASONS_FILE} is missing: Odoo keeps no exit reason")
    )
    refusals_note = (
        None
        if "refusals" in side
        else (f"register/odoo/{REFUSALS_FILE} is missing: Odoo keeps no refusal reason")
    )
    return results, exits_note, refusals_note
