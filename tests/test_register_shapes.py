"""The register in the shapes its keepers really export it: Odoo's own export and the
register's workbook, read into the same tables, figures and errors as the plain files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines import cli
from pipelines.lib.build import run_build
from pipelines.lib.config import Settings
from pipelines.lib.ingest import ExportError, load_csv_export
from pipelines.lib.sources.register import REGISTER_SPECS
from pipelines.lib.sources.register_odoo import load_odoo
from pipelines.lib.sources.register_shapes import find_register
from pipelines.lib.sources.register_workbook import load_workbook_register, write_workbook
from pipelines.lib.warehouse import read_publication
from pipelines.sample import register_shapes, write_sample
from tests.builders import Register
from tests.helpers import build, figures

GOLDEN = Path(__file__).parent / "golden" / "golden-2024.csv"
TABLES = {
    "cooperators": "cooperator_register_number",
    "share_operations": "register_number_operation",
    "subscription_requests": "request_id",
    "operation_requests": "request_id",
}


def small_register() -> Register:
    """Every kind of operation and request, a company among the members."""
    register = Register()
    for number in (1, 2, 3):
        register.member(number, gender="female", birthdate="1980-02-29", lang="fr_BE")
    register.member(4, is_company="True", company_name="-Coop & Co", lang="nl_BE")
    register.subscribe("2023-03-01", 1, 3)
    register.subscribe("2023-03-01", 2, 2)
    register.subscribe("2023-04-01", 3, 1)
    register.subscribe("2023-05-01", 4, 5, "B")
    register.transfer("2024-02-02", 1, 3, 1)
    register.convert("2024-03-03", 4, 2, "B", "C", 1)
    register.sell_back("2024-05-05", 2, 2, "exclusion")
    register.sell_back("2024-06-06", 3, 1, "withdrawal")
    register.sell_back("2024-07-07", 1, 2, "resignation")
    register.subscription_requests += [
        {"id": 1, "date": "2024-01-10", "type": "new", "share_short_name": "A",
         "ordered_parts": 1, "state": "done", "cooperator_register_number": 3,
         "is_company": "False", "lang": "fr_BE"},
        {"id": 2, "date": "2024-02-10", "type": "new", "share_short_name": "A",
         "ordered_parts": 1, "state": "cancelled", "refusal_reason": "Hors objet social",
         "is_company": "False", "lang": "nl_BE"},
        {"id": 3, "date": "2024-03-10", "type": "increase", "share_short_name": "B",
         "ordered_parts": 2, "state": "waiting", "cooperator_register_number": 4,
         "is_company": "True", "lang": "nl_BE"},
    ]  # fmt: skip
    register.operation_requests += [
        {"id": 1, "request_date": "2024-05-01", "effective_date": "2024-06-06",
         "operation_type": "sell_back", "cooperator_register_number": 3,
         "share_short_name": "A", "quantity": 1, "state": "done"},
        {"id": 2, "request_date": "2024-08-01", "operation_type": "transfer",
         "cooperator_register_number": 1, "share_short_name": "A", "quantity": 1,
         "state": "refused", "refusal_reason": "Bénéficiaire inconnu"},
    ]  # fmt: skip
    return register


def tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every typed register table's rows without lineage, in key order."""
    out = {}
    for name, key in TABLES.items():
        out[name] = con.execute(
            f"select * exclude (source_file, file_sha256, source_row, source_file_no) "
            f"from ingest.{name} order by {key}"
        ).fetchall()
    return out


def plain_tables(tmp_path: Path) -> dict[str, list[tuple]]:
    raw = tmp_path / "plain"
    small_register().write(raw)
    con = duckdb.connect()
    source = find_register(raw / "register", raw)
    by_name = {path.name.split("_2")[0]: path for path in source.files}
    for name, spec in REGISTER_SPECS.items():
        load_csv_export(con, spec, [by_name[name]], raw, reuse=False)
    return tables(con)


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_odoo_export_reads_as_the_plain_files(tmp_path, lang):
    raw = tmp_path / "raw"
    small_register().write(raw)
    register_shapes.to_odoo(raw, lang)
    journal = (raw / "register" / "odoo" / "subscription.register.csv").read_text("utf-8")
    if lang == "fr":  # two fields share one French label, and Odoo quotes every field
        assert journal.startswith('"Numéro de transaction","Numéro de transaction",')
        assert '"Revente"' in journal and ',"",' in journal
    else:
        assert '"Sell Back"' in journal
    members = (raw / "register" / "odoo" / "res.partner.csv").read_text("utf-8")
    assert '"\'-Coop & Co"' in members  # Odoo's ' before a text starting with -
    source = find_register(raw / "register", raw)
    assert source.shape == "odoo"
    con = duckdb.connect()
    results, exits_note, refusals_note = load_odoo(con, source.files, raw, reuse=False)
    assert exits_note is None and refusals_note is None
    plain = plain_tables(tmp_path)
    # Odoo keeps no reason on an operation request (nor a refusal's): the rest is the same
    plain["operation_requests"] = [(*row[:-2], None, None) for row in plain["operation_requests"]]
    assert tables(con) == plain
    # lineage: the real file and its row (the header is not a row)
    row = con.execute(
        "select source_file, source_row from ingest.share_operations "
        "where register_number_operation = 7"
    ).fetchone()
    assert row == ("register/odoo/subscription.register.csv", 7)
    assert {r.rows_read for r in results} == {9, 4, 3, 2}


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_workbook_reads_as_the_plain_files(tmp_path, lang):
    raw = tmp_path / "raw"
    small_register().write(raw)
    register_shapes.to_workbook(raw, lang)
    source = find_register(raw / "register", raw)
    assert source.shape == "workbook"
    con = duckdb.connect()
    results, note = load_workbook_register(con, source.files[0], raw, reuse=False)
    assert note is None
    plain = plain_tables(tmp_path)
    read = tables(con)
    assert read["share_operations"] == plain["share_operations"]
    # the workbook's requests: its decision and reason, without the applicant's attributes
    states = [(r[0], r[2], r[3]) for r in read["subscription_requests"]]
    assert states == [(1, "new", "done"), (2, "new", "cancelled"), (3, "increase", "waiting")]
    assert read["subscription_requests"][1][-1] == "Hors objet social"
    ops = con.execute(
        "select request_id, operation_type, state from ingest.operation_requests order by 1"
    ).fetchall()
    assert [op[1:] for op in ops] == [("sell_back", "done"), ("transfer", "refused")]
    # lineage: the row number Excel shows (a title row, then the header in row 2)
    row = con.execute(
        "select source_file, source_row from ingest.share_operations "
        "where register_number_operation = 1"
    ).fetchone()
    sheet = "Verrichtingen" if lang == "nl" else "Opérations"
    assert row == (f"register/register.xlsx (sheet {sheet})", 3)
    assert results[1].rows_read == 9  # the total row is not data


def test_workbook_members_match_plain(tmp_path):
    raw = tmp_path / "raw"
    small_register().write(raw)
    register_shapes.to_workbook(raw, "nl")
    con = duckdb.connect()
    load_workbook_register(con, raw / "register" / "register.xlsx", raw, reuse=False)
    rows = con.execute(
        "select cooperator_register_number, is_company, company_name, gender::varchar, lang "
        "from ingest.cooperators order by 1"
    ).fetchall()
    assert rows == [
        (1, False, None, "female", "fr_BE"),
        (2, False, None, "female", "fr_BE"),
        (3, False, None, "female", "fr_BE"),
        (4, True, "-Coop & Co", None, "nl_BE"),
    ]


def _replace_cell(path: Path, row: int, column: str, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(rows)


def test_odoo_wrong_choice_label_names_file_row_and_column(tmp_path):
    raw = tmp_path / "raw"
    small_register().write(raw)
    register_shapes.to_odoo(raw, "fr")
    journal = raw / "register" / "odoo" / "subscription.register.csv"
    _replace_cell(journal, 7, "Type de transaction", "Rachat")  # not one of Odoo's labels
    con = duckdb.connect()
    with pytest.raises(ExportError) as error:
        load_odoo(con, find_register(raw / "register", raw).files, raw, reuse=False)
    message = str(error.value)
    assert "register/odoo/subscription.register.csv row 7, column 'Type de transaction'" in (
        message
    )
    assert "not_allowed" in message and "Rachat" not in message


def test_workbook_value_outside_its_list_names_file_sheet_row_and_column(tmp_path):
    raw = tmp_path / "raw"
    path = raw / "register" / "register.xlsx"
    write_workbook(
        path,
        "fr",
        {
            "members": [(1, "non", "X Y", "femme", None, "fr")],
            "operations": [
                (1, "05/03/2024", "souscription", 1, None, "A", None, 2, None, 30, None),
                (2, "06/03/2024", "rachat", 1, None, "A", None, 1, None, 30, None),
            ],
        },
    )
    con = duckdb.connect()
    with pytest.raises(ExportError) as error:
        load_workbook_register(con, path, raw, reuse=False)
    message = str(error.value)
    assert "register/register.xlsx (sheet Opérations) row 4, column 'Type': not_allowed" in (
        message
    )


def test_a_workbook_sheet_without_header_is_an_error_and_leaves_no_table(tmp_path):
    raw = tmp_path / "raw"
    path = write_workbook(raw / "register" / "register.xlsx", "nl")
    book = openpyxl.load_workbook(path)
    book["Verrichtingen"].delete_rows(1, 2)  # title and header gone
    book.save(path)
    con = duckdb.connect()
    with pytest.raises(ExportError, match=r"\(sheet 'Verrichtingen'\): no header row found"):
        load_workbook_register(con, path, raw, reuse=False)
    staged = con.execute(
        "select table_name from duckdb_tables() where table_name like '%register_sheet%'"
    ).fetchall()
    assert staged == []  # the members' sheet, staged before, is dropped too


def test_mixing_shapes_is_an_error_naming_the_files(tmp_path):
    raw = tmp_path / "raw"
    small_register().write(raw)
    write_workbook(raw / "register" / "register.xlsx", "nl")
    with pytest.raises(ExportError) as error:
        find_register(raw / "register", raw)
    message = str(error.value)
    assert "more than one shape" in message
    assert "register/cooperators_20250115.csv" in message
    assert "register/register.xlsx" in message


def test_odoo_without_side_files_leaves_reason_figures_empty_with_a_note(settings):
    register = small_register()
    register.write(settings.raw_dir)
    register_shapes.to_odoo(settings.raw_dir, "en", side_files=False)
    outcome = build(settings)
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    values = figures(settings, 2024)
    assert values["p1.members_end"] == 2  # members 3 and 4 (2 excluded, 1 resigned)
    for figure in ("p1.resignations", "p1.exclusions", "p1.exits.death"):
        assert values[figure] is None, figure
    assert values["p1.exits.transfer"] == 0  # needs no reason
    assert values["p1.applications_refused"] is None
    with read_publication(settings) as con:
        notes = dict(
            con.execute(
                "select figure_id, note from annex.figures where year = 2024 "
                "and figure_id in ('p1.resignations', 'p1.applications_refused')"
            ).fetchall()
        )
    assert "register/odoo/exit_reasons.csv is missing" in notes["p1.resignations"]
    assert "register/odoo/refusals.csv is missing" in notes["p1.applications_refused"]

    # the secretariat says unlisted exits are resignations: two exits, both resignations
    (settings.raw_dir / "governance").mkdir()
    (settings.raw_dir / "governance" / "2024.yaml").write_text(
        "year: 2024\nregister:\n  unlisted_exits: resignation\n", encoding="utf-8"
    )
    assert build(settings).published
    values = figures(settings, 2024)
    assert (values["p1.resignations"], values["p1.exclusions"]) == (2, 0)
    assert values["p1.applications_refused"] is None  # no refusals.csv still


def test_register_template_writes_the_empty_workbook(tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "register.xlsx"
    assert cli.main(["register-template", "--lang", "fr", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames == ["Mode d'emploi", "Coopérateurs", "Opérations", "Demandes"]
    operations = book["Opérations"]
    assert [c.value for c in operations[2]][:4] == ["Numéro", "Date", "Type", "Coopérateur"]
    lists = {
        str(v.sqref).split(":")[0]: v.formula1 for v in operations.data_validations.dataValidation
    }
    assert lists["C3"] == '"souscription,cession,remboursement,conversion"'
    assert "K3" in lists  # Motif
    assert cli.main(["register-template", "--lang", "fr", "--out", str(out)]) == 1  # exists
    # read back, it is an empty register (and its sheet names are understood)
    con = duckdb.connect()
    raw = tmp_path
    (raw / "register").mkdir()
    out.rename(raw / "register" / "register.xlsx")
    results, note = load_workbook_register(con, raw / "register" / "register.xlsx", raw)
    assert [r.rows_read for r in results] == [0, 0, 0, 0] and note is None


GOLDEN_MEMBERSHIP = {
    row["figure_id"]: float(row["value"])
    for row in csv.DictReader(GOLDEN.open(encoding="utf-8"))
    if row["figure_id"].startswith("p1.")
}


@pytest.mark.parametrize(
    ("shape", "lang"), [("odoo", "en"), ("odoo", "fr"), ("xlsx", "nl"), ("xlsx", "fr")]
)
def test_the_sample_in_every_shape_publishes_the_golden_membership_figures(
    tmp_path, monkeypatch, shape, lang
):
    monkeypatch.setenv("ANNEX_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("ANNEX_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("ANNEX_PSEUDONYM_KEY", str(tmp_path / "pseudonym.key"))
    settings = Settings.from_env()
    write_sample(settings.raw_dir, 1, register_shape=shape, register_lang=lang)
    outcome = run_build(settings, progress=lambda _line: None, outputs=False)
    assert outcome.published, (outcome.errors, outcome.failed_checks)
    # the build's summary says which shape it read
    assert outcome.register_shape == {"odoo": "odoo", "xlsx": "workbook"}[shape]
    first = "register/odoo/" if shape == "odoo" else "register/register.xlsx"
    assert outcome.register_files.startswith(first), outcome.register_files
    values = figures(settings, 2024)
    assert len(GOLDEN_MEMBERSHIP) == 9
    assert {k: values[k] for k in GOLDEN_MEMBERSHIP} == GOLDEN_MEMBERSHIP
    with read_publication(settings) as con:
        files = con.execute("select distinct source_file from quality.ingest_files").fetchall()
    expected = "register/odoo/" if shape == "odoo" else "register/register.xlsx"
    assert any(re.match(expected, f) for (f,) in files), files


def test_workbook_register_checks_name_file_sheet_and_row(settings):
    """An unknown member and a member number given twice: the plain register's checks, their
    listings naming the workbook, its sheet and the rows."""
    write_workbook(
        settings.raw_dir / "register" / "register.xlsx",
        "nl",
        {
            "members": [
                (1, "nee", "A B", "vrouw", None, "nl"),
                (1, "nee", "C D", "man", None, "fr"),
            ],
            "operations": [
                (1, "05/03/2024", "inschrijving", 1, None, "A", None, 2, None, 30, None),
                (2, "06/03/2024", "inschrijving", 99, None, "A", None, 1, None, 30, None),
            ],
        },
    )
    outcome = build(settings)
    assert not outcome.published
    failed = {check.name: check.metadata.get("offenders", "") for check in outcome.failed_checks}
    assert set(failed) == {"member_numbers_unique", "operation_members_known"}, failed
    assert re.search(
        r"register/register\.xlsx \(sheet Verrichtingen\) \|\s+4 \|\s+2 \| cooperator_register",
        failed["operation_members_known"],
    ), failed["operation_members_known"]
    assert "register/register.xlsx (sheet Vennoten)" in failed["member_numbers_unique"]
    assert "[3 4]" in failed["member_numbers_unique"]  # Excel rows 3 and 4


@pytest.mark.parametrize(
    "name", ["subscription.register.csv", "exit_reasons.csv", "export [1].csv"]
)
def test_a_record_the_reader_drops_in_an_odoo_file_is_an_error_naming_it(tmp_path, name):
    """Odoo's files are accounted for as the plain ones are (every record, a literal name)."""
    raw = tmp_path / "raw"
    small_register().write(raw)
    register_shapes.to_odoo(raw, "en")
    folder = raw / "register" / "odoo"
    if name == "export [1].csv":  # `[` would make DuckDB read a pattern
        (folder / "subscription.register.csv").rename(folder / name)
    path = folder / name
    with open(path, "ab") as handle:
        handle.write(b"\x01" * (33 << 20))  # DuckDB's reader drops it without a word
    con = duckdb.connect()
    with pytest.raises(ExportError) as error:
        load_odoo(con, find_register(raw / "register", raw).files, raw, reuse=False)
    assert str(error.value).startswith(f"register/odoo/{name}: the reader returned "), error.value


def test_odoo_files_are_listed_as_the_raw_folders_rules_name_them(tmp_path):
    raw = tmp_path / "raw"
    small_register().write(raw)
    register_shapes.to_odoo(raw, "en")
    folder = raw / "register" / "odoo"
    (folder / "._subscription.register.csv").write_bytes(b"\x00\x05\x16\x07")  # macOS metadata
    (folder / "res.partner.csv").rename(folder / "res.partner.CSV")
    source = find_register(raw / "register", raw)
    assert sorted(p.name for p in source.files) == sorted(
        ["exit_reasons.csv", "refusals.csv", "res.partner.CSV", "subscription.register.csv",
         "subscription.request.csv", "operation.request.csv"]
    )  # fmt: skip
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("x\n")
    (folder / "linked.csv").symlink_to(outside)
    with pytest.raises(
        ExportError, match=r"register/odoo/linked\.csv: is a link to a file outside"
    ):
        find_register(raw / "register", raw)


def test_an_odoo_header_of_one_huge_line_is_an_error_read_with_bounded_memory(tmp_path):
    raw = tmp_path / "raw"
    small_register().write(raw)
    register_shapes.to_odoo(raw, "en")
    (raw / "register" / "odoo" / "res.partner.csv").write_bytes(b'"Name' + b"x" * (3 << 20))
    with pytest.raises(
        ExportError, match=r"^register/odoo/res\.partner\.csv: the header \(row 1\)"
    ):
        load_odoo(duckdb.connect(), find_register(raw / "register", raw).files, raw, reuse=False)
