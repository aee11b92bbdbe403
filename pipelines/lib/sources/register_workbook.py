"""A share register kept in a workbook (`register/register.xlsx`), read into the plain form;
and the empty workbook `annex register-template` writes.

Sheet names, headers and closed-set values are Dutch or French (either is read, whatever the
template's language); title rows above the header, empty rows and a total row are not data;
dates are Excel dates or `dd/mm/yyyy`. A value outside its list is the plain register's error,
naming the file and its sheet, the row Excel shows and the column.
"""

from __future__ import annotations

import textwrap
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.lib.ingest import (
    ExportError,
    ExportInputs,
    LoadResult,
    SheetReader,
    StagedFile,
    display_name,
    drop_sheet,
    load_export,
    sheet_names,
    stage_sheet,
)
from pipelines.lib.sources.register import REGISTER_SPECS
from pipelines.lib.sources.register_shapes import (
    ShapeColumn,
    cell_sql,
    company_name_only,
    locate,
)
from pipelines.lib.warehouse import quote_identifier

# How far down a title may push the header row.
_HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Header:
    """A column of the template: its Dutch and French header, and its closed set of values
    (Dutch, French, plain value) when it has one."""

    nl: str
    fr: str
    values: tuple[tuple[str, str, str], ...] = ()
    required: bool = False
    kind: str = "text"
    hint_nl: str = ""
    hint_fr: str = ""


YES_NO = (("ja", "oui", "True"), ("nee", "non", "False"))
GENDERS = (("man", "homme", "male"), ("vrouw", "femme", "female"), ("andere", "autre", "other"))
LANGUAGES = (
    ("nl", "nl", "nl_BE"),
    ("fr", "fr", "fr_BE"),
    ("en", "en", "en_US"),
    ("de", "de", "de_DE"),
)
OPERATION_TYPES = (
    ("inschrijving", "souscription", "subscription"),
    ("overdracht", "cession", "transfer"),
    ("terugneming", "remboursement", "sell_back"),
    ("omzetting", "conversion", "convert"),
)
REASONS = (
    ("ontslag", "démission", "resignation"),
    ("uitsluiting", "exclusion", "exclusion"),
    ("overlijden", "décès", "death"),
    ("faillissement", "faillite", "bankruptcy"),
    ("ontbinding", "dissolution", "winding_up"),
    ("gedeeltelijke terugneming", "retrait partiel", "withdrawal"),
)
REQUEST_TYPES = (
    ("toetreding", "adhésion", "new"),
    ("bijkomende aandelen", "parts supplémentaires", "increase"),
    ("terugneming", "remboursement", "sell_back"),
    ("overdracht", "cession", "transfer"),
    ("omzetting", "conversion", "convert"),
)
DECISIONS = (
    ("aanvaard", "acceptée", "accepted"),
    ("geweigerd", "refusée", "refused"),
    ("ingetrokken", "retirée", "withdrawn"),
    ("lopend", "en cours", "pending"),
)
CLASSES = (("A", "A", "A"), ("B", "B", "B"), ("C", "C", "C"))

NUMBER = Header("Nummer", "Numéro", required=True, kind="int")
SHEETS: dict[str, tuple[str, str, dict[str, Header]]] = {
    # key: (Dutch name, French name, plain column -> header)
    "members": (
        "Vennoten",
        "Coopérateurs",
        {
            "cooperator_register_number": NUMBER,
            "is_company": Header("Rechtspersoon", "Personne morale", YES_NO, True),
            "company_name": Header(
                "Naam",
                "Nom",
                hint_nl="naam van de vennoot",
                hint_fr="nom du coopérateur",
            ),
            "gender": Header("Geslacht", "Genre", GENDERS),
            "birthdate": Header("Geboortedatum", "Date de naissance", kind="date"),
            "lang": Header("Taal", "Langue", LANGUAGES),
        },
    ),
    "operations": (
        "Verrichtingen",
        "Opérations",
        {
            "register_number_operation": NUMBER,
            "date": Header("Datum", "Date", required=True, kind="date"),
            "type": Header("Soort", "Type", OPERATION_TYPES, True),
            "cooperator_register_number": Header(
                "Vennoot", "Coopérateur", required=True, kind="int"
            ),
            "partner_to_register_number": Header("Ontvanger", "Bénéficiaire", kind="int"),
            "share_short_name": Header("Categorie", "Catégorie", CLASSES, True),
            "share_to_short_name": Header("Naar categorie", "Vers catégorie", CLASSES),
            "quantity": Header("Aantal", "Nombre", required=True, kind="int"),
            "quantity_to": Header("Aantal na omzetting", "Nombre après conversion", kind="int"),
            "share_unit_price": Header("Nominale waarde", "Valeur nominale"),
            "reason": Header("Reden", "Motif", REASONS),
        },
    ),
    "requests": (
        "Aanvragen",
        "Demandes",
        {
            "id": NUMBER,
            "date": Header("Datum", "Date", required=True, kind="date"),
            "type": Header("Soort", "Type", REQUEST_TYPES, True),
            "cooperator_register_number": Header("Vennoot", "Coopérateur", kind="int"),
            "share_short_name": Header("Categorie", "Catégorie", CLASSES),
            "quantity": Header("Aantal", "Nombre", kind="int"),
            "decision": Header("Beslissing", "Décision", DECISIONS, True),
            "refusal_reason": Header("Reden weigering", "Motif du refus"),
        },
    ),
}
_OPERATION_REQUEST_TYPES = ("sell_back", "transfer", "convert")


def _shape_columns(key: str) -> tuple[ShapeColumn, ...]:
    return tuple(
        ShapeColumn(
            target,
            (h.nl, h.fr),
            {label: value for nl, fr, value in h.values for label in (nl.lower(), fr.lower())},
            h.required,
            h.kind,
        )
        for target, h in SHEETS[key][2].items()
    )


def _header_row(rows: list[list[str]], columns: tuple[ShapeColumn, ...]) -> int:
    """The 0-based index of the header row: the first row holding the number's header and
    another of the sheet's headers (rows above it are titles)."""
    known = {h for c in columns for h in c.headers}
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        cells = {str(cell).strip() for cell in row}
        if cells & set(columns[0].headers) and len(cells & known) >= 2:
            return index
    return -1


@dataclass
class _Sheet:
    name: str
    rows: str  # SQL: its rows below the header, as text columns c0, c1... and source_row
    found: dict[str, tuple[int, str]]
    columns: tuple[ShapeColumn, ...]
    warnings: list[str]


def _sheet_name(key: str, present: list[str], display: str, required: bool) -> str | None:
    """The sheet of `key` as the workbook names it (Dutch or French), or None when an optional
    sheet is missing; a missing required sheet is an error naming both names."""
    nl, fr, _ = SHEETS[key]
    name = next((n for n in (nl, fr) if n in present), None)
    if name is None and required:
        raise ExportError(
            f"{display}: required sheet {nl!r} (in French {fr!r}) is missing "
            f"(sheets: {', '.join(present) or 'none'})"
        )
    return name


def _stage_register_sheet(
    con: duckdb.DuckDBPyConnection, cells: object, display: str, key: str, name: str
) -> _Sheet:
    """Sheet `name` of the workbook (parsed by `SheetReader`) in a temporary table, with where
    its header row is and where each of `key`'s columns is."""
    staged = stage_sheet(con, cells, f"_register_sheet_{key}", top=_HEADER_SEARCH_ROWS)
    columns = _shape_columns(key)
    where = f"{display} (sheet {name!r})"
    index = _header_row(staged.top, columns)
    if index < 0:
        raise ExportError(
            f"{where}: no header row found in the first {_HEADER_SEARCH_ROWS} rows (a row "
            f"with {columns[0].headers[0]!r} or {columns[0].headers[1]!r} and the other headers)"
        )
    header = [str(cell).strip() for cell in staged.top[index]]
    found = locate(header, columns, where)
    known = {h for c in columns for h in c.headers}
    warnings = [f"{where}: unknown column {n!r} ignored" for n in header if n and n not in known]
    return _Sheet(name, staged.rows_below(index + 1, len(header)), found, columns, warnings)


def _staged(sheet: _Sheet, plain: str, display: str, digest: Future[str] | str) -> StagedFile:
    """The rows of `sheet` that give plain file `plain`, as its text columns."""
    by_target = {c.target: c for c in sheet.columns}

    def text(target: str) -> str:
        if target not in sheet.found or target not in by_target:
            return "null::varchar"
        column = by_target[target]
        cell = f"c{sheet.found[target][0]}"
        folded = ShapeColumn(column.target, column.headers, {}, kind=column.kind)
        value = cell_sql(cell, folded, odoo=False)
        if column.values:  # a closed set's words, in either language, in any case
            cases = " ".join(f"when '{k}' then '{v}'" for k, v in column.values.items())
            value = f"(case lower({value}) {cases} else {value} end)"
        return value

    texts = {c.name: "null::varchar" for c in REGISTER_SPECS[plain].loaded}
    for target in texts:
        texts[target] = text(target)
    decision = text("decision")
    if plain == "cooperators":
        texts["company_name"] = company_name_only(texts)
    elif plain in ("subscription_requests", "operation_requests"):
        if plain == "subscription_requests":
            texts["ordered_parts"] = text("quantity")
            states = {"accepted": "done", "refused": "cancelled", "withdrawn": "cancelled"}
            # a refusal counts with its reason; the decision as written when none is given
            written = (
                f"trim(c{sheet.found['decision'][0]})" if "decision" in sheet.found else "null"
            )
            texts["refusal_reason"] = (
                f"case when {decision} = 'refused' "
                f"then coalesce({text('refusal_reason')}, {written}) end"
            )
        else:
            texts["operation_type"] = text("type")
            texts["request_date"] = text("date")
            states = {"accepted": "done", "refused": "refused", "withdrawn": "cancelled"}
        states["pending"] = "waiting"
        cases = " ".join(f"when '{k}' then '{v}'" for k, v in states.items())
        texts["state"] = f"(case {decision} {cases} else {decision} end)"
    selects = ", ".join(
        f"{expression} as {quote_identifier('_t_' + name)}" for name, expression in texts.items()
    )
    cells = " or ".join(f"nullif(trim(c{i}), '') is not null" for i, _ in sheet.found.values())
    number = f"c{sheet.found[sheet.columns[0].target][0]}"
    where = f"({cells}) and not coalesce(lower(trim({number})) like 'tota%', false)"
    if plain in ("subscription_requests", "operation_requests"):
        test = "in" if plain == "operation_requests" else "not in"
        kinds = ", ".join(f"'{k}'" for k in _OPERATION_REQUEST_TYPES)
        where += (
            f" and coalesce({text('type')} {test} ({kinds}), {plain == 'subscription_requests'})"
        )
    labels = {target: header for target, (_, header) in sheet.found.items()}
    if plain == "subscription_requests":
        labels = labels | {
            "ordered_parts": labels.get("quantity", "quantity"),
            "state": labels.get("decision", "decision"),
        }
    elif plain == "operation_requests":
        labels = labels | {
            "operation_type": labels.get("type", "type"),
            "request_date": labels.get("date", "date"),
            "state": labels.get("decision", "decision"),
        }
    # the sheet is part of the file's name in lineage and messages: a row number needs it
    return StagedFile(
        f"{display} (sheet {sheet.name})",
        digest,
        f"select source_row, {selects} from {sheet.rows} where {where}",
        kind="an Excel sheet",
        row_number="source_row",
        column_labels=labels,
    )


def load_workbook_register(
    con: duckdb.DuckDBPyConnection, path: Path, raw_dir: Path, *, reuse: bool = True
) -> tuple[list[LoadResult], str | None]:
    """Read the workbook into the four plain register tables. Returns their load results and
    why refusals are unknown (None when the requests sheet is there)."""
    display = display_name(path, raw_dir)
    inputs = ExportInputs.of([path], raw_dir, "workbook")
    sheets: dict[str, _Sheet | None] = {}
    warnings: list[str] = []
    present: list[str] = []
    # the sheets are read ahead of their turn, once the first is needed: a table kept
    # unchanged reads none
    reader = SheetReader()
    reading: dict[str, Future[object]] = {}
    tables: list[str] = []  # the sheets staged in `con`

    def sheet(key: str) -> _Sheet | None:
        if not present:
            present.extend(sheet_names(path, display))
        if not reading:
            for each in SHEETS:
                name = _sheet_name(each, present, display, required=False)
                if name is not None:
                    reading[each] = reader.read(path, name, display)
        if key not in sheets:
            name = _sheet_name(key, present, display, required=key != "requests")
            found = None
            if name is not None:
                tables.append(f"_register_sheet_{key}")  # dropped whatever happens next
                found = _stage_register_sheet(con, reading[key].result(), display, key, name)
                warnings.extend(found.warnings)
            sheets[key] = found
        return sheets[key]

    plain_sheets = {
        "cooperators": "members",
        "share_operations": "operations",
        "subscription_requests": "requests",
        "operation_requests": "requests",
    }
    results = []
    try:
        for plain, key in plain_sheets.items():

            def staged(plain: str = plain, key: str = key):  # noqa: ANN202
                found = sheet(key)
                if found is not None:
                    yield _staged(found, plain, display, inputs.digests[0])

            spec = REGISTER_SPECS[plain]
            each = ExportInputs(inputs.names, inputs.digests, (*inputs.extra, plain))
            results.append(load_export(con, spec, staged(), warnings, inputs=each, reuse=reuse))
            warnings = []
    finally:
        reader.close()  # a sheet no longer needed is dropped
        for table in tables:
            drop_sheet(con, table)
    if "requests" not in sheets:  # every table was kept: was the sheet there?
        present.extend(sheet_names(path, display))
        has_requests = any(n in present for n in SHEETS["requests"][:2])
    else:
        has_requests = sheets["requests"] is not None
    note = (
        None
        if has_requests
        else (
            f"{display} has no sheet {SHEETS['requests'][0]!r} ({SHEETS['requests'][1]!r}): "
            "the register's workbook keeps no application"
        )
    )
    return results, note


# --- the empty workbook (`annex register-template`) --------------------------------------------

_TITLES = {
    "members": ("Aandelenregister: vennoten", "Registre des parts : coopérateurs"),
    "operations": ("Aandelenregister: verrichtingen", "Registre des parts : opérations"),
    "requests": ("Aanvragen van vennoten", "Demandes des coopérateurs"),
}
_GUIDE = {
    "nl": (
        "Uitleg",
        [
            "Het aandelenregister van de coöperatie",
            "",
            "Vul één rij per vennoot in op het blad Vennoten, één rij per verrichting op het "
            "blad Verrichtingen en één rij per aanvraag op het blad Aanvragen.",
            "Nummer: het vennotennummer, het nummer van de verrichting of van de aanvraag; "
            "elk nummer komt één keer voor op zijn blad.",
            "Vennoot en Ontvanger: het nummer van een vennoot van het blad Vennoten.",
            "Datums: als datum van Excel of getypt als dd/mm/jjjj.",
            "Kolommen met een keuzelijst aanvaarden alleen de waarden uit die lijst.",
            "Overdracht: vul Ontvanger in. Omzetting: vul Naar categorie en Aantal na "
            "omzetting in. Terugneming: vul Reden in.",
            "Een titel boven de kolomnamen, lege rijen en een rij Totaal onderaan mogen.",
            "Het blad Aanvragen mag ontbreken: dan blijven de cijfers over aanvragen leeg.",
            "Bewaar het bestand als register/register.xlsx in de map met de exports.",
        ],
    ),
    "fr": (
        "Mode d'emploi",
        [
            "Le registre des parts de la coopérative",
            "",
            "Remplissez une ligne par coopérateur dans la feuille Coopérateurs, une ligne par "
            "opération dans la feuille Opérations et une ligne par demande dans la feuille "
            "Demandes.",
            "Numéro : le numéro du coopérateur, de l'opération ou de la demande ; chaque "
            "numéro n'apparaît qu'une fois dans sa feuille.",
            "Coopérateur et Bénéficiaire : le numéro d'un coopérateur de la feuille Coopérateurs.",
            "Dates : en date Excel ou saisies sous la forme jj/mm/aaaa.",
            "Les colonnes munies d'une liste déroulante n'acceptent que les valeurs de la liste.",
            "Cession : indiquez le Bénéficiaire. Conversion : indiquez Vers catégorie et Nombre "
            "après conversion. Remboursement : indiquez le Motif.",
            "Un titre au-dessus des noms de colonnes, des lignes vides et une ligne Total en "
            "bas sont admis.",
            "La feuille Demandes est facultative : sans elle, les chiffres sur les demandes "
            "restent vides.",
            "Enregistrez le fichier sous register/register.xlsx dans le dossier des exports.",
        ],
    ),
}
_MAX_ROW = 1048576


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _fit_to_page_width(sheet: object, landscape: bool) -> None:
    """Printed (or turned into a PDF), a sheet is one page wide."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"  # type: ignore[attr-defined]
    sheet.page_setup.fitToWidth = 1  # type: ignore[attr-defined]
    sheet.page_setup.fitToHeight = 0  # type: ignore[attr-defined]
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[attr-defined]


def write_workbook(
    path: Path,
    lang: str,
    rows: dict[str, list[tuple[object, ...]]] | None = None,
    totals: dict[str, tuple[str, int]] | None = None,
) -> Path:
    """Write the register's workbook in `lang` (nl or fr): a guide sheet, then each sheet with
    a title row, its headers in row 2, a drop-down list on every closed-set column, and `rows`
    (empty for the template); `totals`: sheet -> (plain column, sum) for a total row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    french = lang == "fr"
    book = Workbook(write_only=True)
    guide_name, guide_lines = _GUIDE[lang]
    guide = book.create_sheet(guide_name)
    guide.column_dimensions["A"].width = 90
    _fit_to_page_width(guide, landscape=False)
    for i, line in enumerate(guide_lines):
        # one printed line a row (a wrapped cell keeps one line's height in LibreOffice), short
        # enough for column A: what spills past it is not printed
        for part in textwrap.wrap(line, 80) or [""]:
            cell = WriteOnlyCell(guide, part)
            if i == 0:
                cell.font = Font(bold=True, size=14)
            guide.append([cell])
    for key, (nl_name, fr_name, headers) in SHEETS.items():
        sheet = book.create_sheet(fr_name if french else nl_name)
        _fit_to_page_width(sheet, landscape=True)
        sheet.print_options.gridLines = True
        columns = list(headers.values())
        for i, header in enumerate(columns):
            label = header.fr if french else header.nl
            sheet.column_dimensions[_column_letter(i)].width = max(12, len(label) + 4)
            if header.values:
                words = ",".join(fr if french else nl for nl, fr, _ in header.values)
                check = DataValidation(
                    type="list",
                    formula1=f'"{words}"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="Ongeldige waarde" if not french else "Valeur non valable",
                    error=(
                        "Kies een waarde uit de lijst."
                        if not french
                        else "Choisissez une valeur dans la liste."
                    ),
                )
                letter = _column_letter(i)
                check.add(f"{letter}3:{letter}{_MAX_ROW}")
                sheet.data_validations.append(check)
        title = WriteOnlyCell(sheet, _TITLES[key][1 if french else 0])
        title.font = Font(bold=True, size=13)
        sheet.append([title])
        header_cells = []
        for header in columns:
            cell = WriteOnlyCell(sheet, header.fr if french else header.nl)
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in (rows or {}).get(key, []):
            sheet.append(row)
        if totals and key in totals:
            column, value = totals[key]
            row = [None] * len(columns)
            row[0] = "Total" if french else "Totaal"
            row[list(headers).index(column)] = value
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
