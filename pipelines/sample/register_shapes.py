"""The sample register in the shapes its keepers really export it: Odoo's own export (labels in
English, French or Dutch) or the register's workbook (Dutch or French), made from the plain
snapshot `write_register` wrote, which they replace. The figures are the same in every shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from pipelines.lib.sources import register_odoo as odoo
from pipelines.lib.sources import register_workbook as wb
from pipelines.lib.sources.register_shapes import WORKBOOK_NAME

PLAIN = ("cooperators", "share_operations", "subscription_requests", "operation_requests")

# Odoo's headers per export language: the modules' labels (see register_odoo); the Dutch
# translation leaves the journal's labels in English.
_HEADERS = {
    "en": {
        "number": ["Register Number Operation"],
        "date": "Subscription Date",
        "type": "Operation Type",
        "member": "Cooperator/Cooperator Number",
        "receiver": "Transfered to/Cooperator Number",
        "share": "Share type name",
        "share_to": "Share to type name",
        "quantity": "Number of share",
        "quantity_to": "Number of share to",
        "price": "Share price",
        "member_number": "Cooperator Number",
        "is_company": "Is a Company",
        "name": "Name",
        "gender": "Gender",
        "birthdate": "Birthdate",
        "lang": "Language",
        "country": "Country/Country Code",
        "request_date": "Subscription date request",
        "request_type": "Type",
        "ordered_parts": "Number of Share",
        "state": "State",
        "applicant_company": "Is a company",
        "op_request_date": "Request date",
        "effective_date": "Effective date",
    },
    "fr": {
        # two fields share this label (the operation's name and its number, equal)
        "number": ["Numéro de transaction", "Numéro de transaction"],
        "date": "Date de la souscription",
        "type": "Type de transaction",
        "member": "Coopérateur/Numéro de coopérateur",
        "receiver": "Transféré à/Numéro de coopérateur",
        "share": "Nom du type de part",
        "share_to": "Nom du type de part après conversion",
        "quantity": "Nombre de parts",
        "quantity_to": "Nombre de parts à",
        "price": "Prix de la part",
        "member_number": "Numéro de coopérateur",
        "is_company": "Est une société",
        "name": "Nom",
        "gender": "Genre",
        "birthdate": "Date de naissance",
        "lang": "Langue",
        "country": "Pays/Code du pays",
        "request_date": "Date de la demande de souscription",
        "request_type": "Type",
        "ordered_parts": "Nombre de parts",
        "state": "État",
        "applicant_company": "Est une personne morale",
        "op_request_date": "Date de la demande",
        "effective_date": "Date effective",
    },
}
_HEADERS["nl"] = _HEADERS["en"] | {
    "is_company": "Is een bedrijf",
    "name": "Naam",
    "gender": "Geslacht",
    "lang": "Taal",
    "request_type": "Soort",
    "state": "Provincie",
}
_LANG_INDEX = {"en": 0, "fr": 1, "nl": 2}


def _labels(mapping: dict[str, str], lang: str) -> dict[str, str]:
    """plain value -> label in `lang`, from a reader's label -> value mapping (its labels are
    listed English, French, then Dutch; a language without its own takes the English one)."""
    by_value: dict[str, list[str]] = {}
    for label, value in mapping.items():
        if label != value:
            by_value.setdefault(value, []).append(label)
    chosen = {}
    for value, labels in by_value.items():
        index = _LANG_INDEX[lang]
        chosen[value] = labels[index] if index < len(labels) else labels[0]
    return chosen


def _case(expr: str, labels: dict[str, str]) -> str:
    cases = " ".join(
        f"when '{v}' then '{lab.replace(chr(39), chr(39) * 2)}'" for v, lab in labels.items()
    )
    return f"case {expr} {cases} else {expr} end"


def _plain(register: Path, name: str) -> Path:
    found = sorted(register.glob(f"{name}_*.csv")) or [register / f"{name}.csv"]
    return found[-1]


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> Path:
    """Write `query` as Odoo writes an export: every field quoted (an empty one as ""), and
    the header as given (two columns may share one label, which DuckDB would rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [column[0] for column in con.execute(f"describe {query}").fetchall()]
    body = path.with_name(path.name + ".part")
    target = str(body).replace("'", "''")
    con.execute(
        f"copy (select coalesce(cast(columns(*) as varchar), '') from ({query})) "
        f"to '{target}' (format csv, header false, delimiter ',', force_quote *)"
    )
    with path.open("wb") as out, body.open("rb") as source:
        header = ",".join('"' + name.split("@@")[0].replace('"', '""') + '"' for name in names)
        out.write(header.encode() + b"\n")
        shutil.copyfileobj(source, out, 16 * 1024 * 1024)
    body.unlink()
    return path


def to_odoo(out_dir: Path, lang: str = "en", side_files: bool = True) -> list[Path]:
    """Replace the plain snapshot under `out_dir/register/` by Odoo's export of it."""
    register = Path(out_dir) / "register"
    folder = register / "odoo"
    h = _HEADERS[lang]
    types = _labels(odoo.OPERATION_TYPES, lang)
    states = _labels(odoo.REQUEST_STATES, lang) | {
        "blocked": "Bloquée" if lang == "fr" else "Blocked"
    }
    op_states = _labels(odoo.OPERATION_REQUEST_STATES, lang)
    genders = _labels(odoo.GENDERS, lang)
    langs = {v: k for k, v in odoo.LANGUAGES.items()}
    request_types = _labels(
        {
            "New Cooperator": "new",
            "Nouveau coopérateur": "new",
            "Increase number of share": "increase",
            "Augmentation du nombre de parts": "increase",
        },
        lang,
    )
    con = duckdb.connect()
    paths = []
    try:
        con.execute("set preserve_insertion_order = true")
        for name in PLAIN:
            con.execute(
                f"create table {name} as select * from read_csv('{_plain(register, name)}', "
                "header = true, all_varchar = true)"
            )

        def q(header: str) -> str:
            return '"' + header.replace('"', '""') + '"'

        numbers = ", ".join(
            f"cast(register_number_operation as varchar) as {q(n + '@@' + str(i))}"
            for i, n in enumerate(h["number"])
        )
        paths.append(
            _copy(
                con,
                f"""select {numbers}, date as {q(h["date"])},
                    {_case("type", types)} as {q(h["type"])},
                    cooperator_register_number as {q(h["member"])},
                    partner_to_register_number as {q(h["receiver"])},
                    share_short_name as {q(h["share"])},
                    share_to_short_name as {q(h["share_to"])},
                    quantity as {q(h["quantity"])},
                    coalesce(quantity_to, '0') as {q(h["quantity_to"])},
                    share_unit_price as {q(h["price"])}
                from share_operations""",
                folder / "subscription.register.csv",
            )
        )
        # Odoo puts a ' before a text starting with =, + or -
        name_sql = (
            "case when is_company = 'True' then company_name "
            "else concat_ws(' ', firstname, lastname) end"
        )
        paths.append(
            _copy(
                con,
                f"""select cooperator_register_number as {q(h["member_number"])},
                    is_company as {q(h["is_company"])},
                    case when left({name_sql}, 1) in ('=', '+', '-') then '''' || {name_sql}
                         else {name_sql} end as {q(h["name"])},
                    {_case("gender", genders)} as {q(h["gender"])},
                    birthdate as {q(h["birthdate"])},
                    {_case("lang", langs)} as {q(h["lang"])},
                    country_id as {q(h["country"])}
                from cooperators""",
                folder / "res.partner.csv",
            )
        )
        external = "'__export__.{}_' || id || '_' || left(md5(id), 8)"
        paths.append(
            _copy(
                con,
                f"""select {external.format("subscription_request")} as "ID",
                    date as {q(h["request_date"])},
                    {_case("type", request_types)} as {q(h["request_type"])},
                    share_short_name as {q(h["share"])},
                    ordered_parts as {q(h["ordered_parts"])},
                    {_case("state", states)} as {q(h["state"])},
                    cooperator_register_number as {q(h["member"])},
                    is_company as {q(h["applicant_company"])},
                    {_case("lang", langs)} as {q(h["lang"])}
                from subscription_requests""",
                folder / "subscription.request.csv",
            )
        )
        paths.append(
            _copy(
                con,
                f"""select {external.format("operation_request")} as "ID",
                    request_date as {q(h["op_request_date"])},
                    effective_date as {q(h["effective_date"])},
                    {_case("operation_type", types)} as {q(h["type"])},
                    cooperator_register_number as {q(h["member"])},
                    share_short_name as {q(h["share"])},
                    quantity as {q(h["quantity"])},
                    {_case("state", op_states)} as {q(h["state"])}
                from operation_requests
                -- an exclusion is the board's decision, not a member's request in Odoo
                where reason is distinct from 'exclusion'""",
                folder / "operation.request.csv",
            )
        )
        if side_files:  # kept by the secretariat beside the export
            paths.append(
                _copy(
                    con,
                    "select register_number_operation as operation, reason from share_operations "
                    "where type = 'sell_back' and reason <> 'withdrawal'",
                    folder / odoo.EXIT_REASONS_FILE,
                )
            )
            paths.append(
                _copy(
                    con,
                    f"select {external.format('subscription_request')} as request, "
                    "refusal_reason as reason from subscription_requests "
                    "where trim(refusal_reason) <> ''",
                    folder / odoo.REFUSALS_FILE,
                )
            )
    finally:
        con.close()
    for name in PLAIN:
        _plain(register, name).unlink()
    return paths


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return con.execute(query).fetchall()


def to_workbook(out_dir: Path, lang: str = "nl", requests: bool = True) -> list[Path]:
    """Replace the plain snapshot under `out_dir/register/` by the register's workbook
    (`requests=False`: without its optional requests sheet)."""
    register = Path(out_dir) / "register"
    con = duckdb.connect()
    # sheet.header -> plain value -> the word in `lang`
    word: dict[str, dict[str, str]] = {}
    for key, (_, _, headers) in wb.SHEETS.items():
        for header in headers.values():
            word[f"{key}.{header.nl}"] = {
                value: (nl if lang == "nl" else fr) for nl, fr, value in header.values
            }
    try:
        con.execute("set preserve_insertion_order = true")
        for name in PLAIN:
            con.execute(
                f"create table {name} as select * from read_csv('{_plain(register, name)}', "
                "header = true)"
            )
        members = _rows(
            con,
            """select cooperator_register_number, is_company,
                      case when is_company then company_name
                           else concat_ws(' ', firstname, lastname) end,
                      gender, birthdate, lang from cooperators""",
        )
        operations = _rows(
            con,
            """select register_number_operation, date, type, cooperator_register_number,
                      partner_to_register_number, share_short_name, share_to_short_name,
                      quantity, quantity_to, share_unit_price, reason from share_operations""",
        )
        offset = con.execute(
            "select coalesce(max(try_cast(id as bigint)), 0) from subscription_requests"
        ).fetchone()[0]
        request_list = []
        if requests:  # the optional sheet
            request_list = _rows(
                con,
                f"""select * from (
                select id, date, type, cooperator_register_number, share_short_name,
                       ordered_parts,
                       case when state in ('done', 'paid', 'transfer') then 'accepted'
                            when trim(refusal_reason) <> '' then 'refused'
                            when state = 'cancelled' then 'withdrawn' else 'pending' end,
                       nullif(trim(refusal_reason), '')
                from subscription_requests
                union all
                select id + {offset}, request_date, operation_type, cooperator_register_number,
                       share_short_name, quantity,
                       case state when 'done' then 'accepted' when 'refused' then 'refused'
                            when 'cancelled' then 'withdrawn' else 'pending' end,
                       nullif(trim(refusal_reason), '')
                from operation_requests
                -- an exclusion is the board's decision, not a member's request
                where reason is distinct from 'exclusion'
            ) order by 2, 1""",
            )
    finally:
        con.close()

    def w(sheet: str, header_nl: str, value: object) -> object:
        return word[f"{sheet}.{header_nl}"].get(value, value) if value is not None else None

    yes, no = ("ja", "nee") if lang == "nl" else ("oui", "non")
    langs = {"nl_BE": "nl", "fr_BE": "fr", "en_US": "en", "de_DE": "de"}
    member_rows = [
        (n, yes if company else no, name, w("members", "Geslacht", g), born, langs.get(lg, lg))
        for n, company, name, g, born, lg in members
    ]
    operation_rows = [
        (
            n,
            d,
            w("operations", "Soort", t),
            m,
            to,
            s,
            s_to,
            qty,
            qty_to,
            price,
            w("operations", "Reden", reason),
        )
        for n, d, t, m, to, s, s_to, qty, qty_to, price, reason in operations
    ]
    total = sum(row[7] for row in operation_rows)
    request_rows = [
        # dates typed by hand as text, in Belgian order
        (
            n,
            d.strftime("%d/%m/%Y"),
            w("requests", "Soort", t),
            m,
            s,
            qty,
            w("requests", "Beslissing", decision),
            reason,
        )
        for n, d, t, m, s, qty, decision, reason in request_list
    ]
    path = register / WORKBOOK_NAME
    wb.write_workbook(
        path,
        lang,
        {"members": member_rows, "operations": operation_rows}
        | ({"requests": request_rows} if requests else {}),
        totals={"operations": ("quantity", total)},
    )
    for name in PLAIN:
        _plain(register, name).unlink()
    return [path]
