"""Broken and hostile input (issue 21): every record accounted for, only exports read, bounded
resources, errors as one message naming the file, nothing person-level left where authors look.

Each test is the smallest input that shows its defect, and asserts the contract's outcome
(raw-exports.md, "What stops a build"; interface.md, "Private working state").
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from pipelines import cli
from pipelines.lib import atomic, hashing
from pipelines.lib.config import Settings
from pipelines.lib.ingest import ExportError, load_csv_export, load_workbook_export, workbook
from pipelines.lib.ingest.workbook import workbook_size_problem
from pipelines.lib.plainyaml import read_plain_yaml
from pipelines.lib.rawfiles import candidate_files
from pipelines.lib.sources.assembly import VOTES
from pipelines.lib.sources.governance import parse_governance
from pipelines.lib.sources.survey import load_surveys
from pipelines.lib.sources.training import STAFF_PARTICIPATIONS
from pipelines.lib.warehouse import pseudonym_macro_sql
from tests.builders import Register
from tests.helpers import build

VOTES_HEADER = b"member_number,channel,voted_at,proxy_holder\n"
VOTE = b"1,online,2024-06-18T14:03:11+02:00,\n"


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute(pseudonym_macro_sql(b"k" * 32))
    yield connection
    connection.close()


def small_register() -> Register:
    register = Register()
    for number in (1, 2, 3):
        register.member(number)
        register.subscribe("2023-03-01", number, 2)
    register.vote("2024-06-18", "1")
    return register


def vote_file(settings: Settings, content: bytes) -> Path:
    path = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


# --- 1. every record accounted for ------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(b"\x01" * (33 << 20), id="binary junk after the last row"),
        pytest.param(b"2,online," + b"x" * (33 << 20) + b",\n", id="a record of 33 MB"),
    ],
)
def test_a_record_the_reader_drops_is_an_error_naming_the_file(settings, con, tail):
    # DuckDB's reader returns the rows before such a record and drops it without a word
    path = vote_file(settings, VOTES_HEADER + VOTE + tail)
    with pytest.raises(ExportError) as raised:
        load_csv_export(con, VOTES, [path], settings.raw_dir)
    message = str(raised.value)
    assert message.startswith("assembly/ga_2024-06-18.csv: the reader returned 1 records"), message
    assert "row 2 or a later one" in message and "x" * 10 not in message


def test_a_header_with_one_huge_line_is_an_error_not_zero_rows(settings, con):
    path = vote_file(settings, VOTES_HEADER + b"9" * (33 << 20) + b"\n")
    with pytest.raises(ExportError, match=r"^assembly/ga_2024-06-18.csv: the reader returned 0"):
        load_csv_export(con, VOTES, [path], settings.raw_dir)


def test_a_stray_quote_in_an_unquoted_field_is_counted_as_the_reader_reads_it(settings, con):
    # the quick count takes the quote for an opening one; the exact recount agrees with DuckDB
    path = vote_file(settings, VOTES_HEADER + b'1,onl"ine,x,\n' + VOTE + VOTE)
    result = load_csv_export(con, VOTES, [path], settings.raw_dir)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)


def test_blank_lines_are_no_records(settings, con):
    crlf = (VOTES_HEADER + b"\n" + VOTE + VOTE + b"\n\n").replace(b"\n", b"\r\n")
    path = vote_file(settings, crlf)
    assert load_csv_export(con, VOTES, [path], settings.raw_dir).rows_read == 2


def test_the_record_counter_agrees_whatever_the_chunks():
    data = b'a,b\r\n"x\n\n",1\r\n\r\n2,"y""z"\n\n3,4'
    for size in range(1, len(data) + 1):
        counter = hashing.RecordCounter()
        for start in range(0, len(data), size):
            counter.feed(data[start : start + size])
        assert counter.total() == 4, size


def test_a_header_line_of_a_megabyte_is_one_message_in_bounded_memory(settings, con):
    path = vote_file(settings, b"member_number," + b"c" * (2 << 20) + b"\n" + VOTE)
    with pytest.raises(ExportError, match=r"^assembly/ga_2024-06-18.csv: the header \(row 1\) is"):
        load_csv_export(con, VOTES, [path], settings.raw_dir)


def test_junk_after_the_votes_stops_the_build_and_keeps_the_last_publication(settings):
    assert build(settings, small_register()).published
    before = settings.publication_path.read_bytes()
    path = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    with open(path, "ab") as handle:
        handle.write(b"\x00\x01" * (17 << 20))
    outcome = build(settings)
    assert not outcome.published
    assert any("assembly/ga_2024-06-18.csv: " in error for error in outcome.errors), outcome.errors
    assert settings.publication_path.read_bytes() == before


# --- 2. YAML as plain data --------------------------------------------------------------------

ALIAS_BOMB = "year: 2024\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ALIAS_BOMB, r"anchors and aliases \(& and \*\) are not allowed \(line 2\)"),
        ("year: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested more than 6 levels deep"),
        ("year: 2024\nboard: !!python/object:os.system {}\n", r"a tag \(.*\) is not allowed"),
        ("year: !!int 2024\n", r"a tag \(tag:yaml.org,2002:int\) is not allowed \(line 1\)"),
        ("year: 2024\n" + "#" * (1 << 20), "larger than 1 MB"),
    ],
    ids=["alias bomb", "20,000 levels", "python tag", "standard tag", "over 1 MB"],
)
def test_yaml_that_is_not_plain_data_is_an_error_naming_the_file(settings, text, message):
    path = settings.raw_dir / "governance" / "2024.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(ExportError, match=message) as raised:
        parse_governance(path, settings.raw_dir)
    assert time.monotonic() - started < 5  # never an expansion: the alias bomb is 10^9 items
    assert str(raised.value).startswith("governance/2024.yaml: ")
    # nothing to format but the message: no context (the exploded data) rides along
    assert raised.value.__context__ is None and raised.value.__cause__ is None


def test_an_invalid_fact_is_reported_without_its_exception_context(settings):
    path = settings.raw_dir / "governance" / "2024.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("year: 2024\nboard: {elected: -1}\n")
    with pytest.raises(ExportError, match="board.elected: must be >= 0") as raised:
        parse_governance(path, settings.raw_dir)
    assert raised.value.__context__ is None


def test_a_governance_file_nested_a_few_levels_is_read(tmp_path):
    path = tmp_path / "2024.yaml"
    path.write_text("a:\n  - {b: {c: {value: 1, qualifier: about}}}\nd: 'text'\n")
    assert read_plain_yaml(path, "2024.yaml") == {
        "a": [{"b": {"c": {"value": 1, "qualifier": "about"}}}],
        "d": "text",
    }


# --- 5. a file name is no pattern ---------------------------------------------------------------


def test_a_survey_named_with_a_star_reads_only_itself(settings, con):
    from tests.test_survey import response, write_survey

    write_survey(settings.raw_dir, [response(1, {"WC[SQ001]": "A3"})], "2024-03_a*")
    others = [response(n, {"WC[SQ001]": "A4"}) for n in (7, 8, 9)]
    write_survey(settings.raw_dir, others, "2024-03_ab")
    _, responses, _ = load_surveys(con, settings.raw_dir)
    read = con.execute(
        "select survey_id, count(*) from ingest.survey_responses group by all order by all"
    ).fetchall()
    assert read == [("2024-03_a*", 1), ("2024-03_ab", 3)]
    assert responses.rows_read == 4


# --- 6. absurd workbook dimensions --------------------------------------------------------------


def small_workbook(path: Path, far: str | None = None) -> Path:
    """A participations sheet of one row; `far`: a cell there too (`XFD1048576`)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Deelnames"
    sheet.append(["Opleidings-ID", "Personeelsnummer", "Geslacht", "Uren"])
    sheet.append(["OPL-1", 1, "V", 2.0])
    if far is not None:
        sheet[far] = "x"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def absurd_workbook(path: Path) -> Path:
    return small_workbook(path, far="XFD1048576")


def test_a_workbook_with_a_cell_at_xfd1048576_is_an_error_within_seconds(settings, con):
    path = absurd_workbook(settings.raw_dir / "training" / "staff_training_2024.xlsx")
    assert path.stat().st_size < 16_000
    started = time.monotonic()
    with pytest.raises(ExportError) as raised:
        load_workbook_export(con, STAFF_PARTICIPATIONS, [path], settings.raw_dir)
    assert time.monotonic() - started < 10
    assert str(raised.value).startswith(
        "training/staff_training_2024.xlsx: its sheet 'Deelnames' has a cell as far as "
        "XFD1048576, which makes it 16,384 columns by 1,048,576 rows"
    )


def with_sheet_xml(source: Path, path: Path, cells: bytes) -> Path:
    """A copy of workbook `source` whose first sheet holds `cells` (raw XML) after its rows."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", cells + b"</sheetData>")
            new.writestr(item, data)
    return path


@pytest.mark.parametrize(
    ("cells", "corner"),
    [
        # lower case, single quotes, leading zeros, spaces around `=`, no space between two
        # attributes: calamine reads them all
        (b"<row r='0001048576'><c r='xfd0001048576'><v>1</v></c></row>", "XFD1048576"),
        (b'<row r="9"><c r = "Z1000000"><v>1</v></c></row>', "Z1000000"),
        (b'<row r="9"><c t="n"r="Z1000000"><v>1</v></c></row>', "Z1000000"),
        (b'<row r="30000000"></row>', "D30000000"),  # a row alone, under the widest cell
        (b'<row r="3"><c r="ZZZZ3"><v>1</v></c></row><row r="9000"></row>', "ZZZZ9000"),
        # just past the limit, whatever the rounding of the rows seen on the way down
        (b'<row r="9"><c r="U1"/><c r="U952381"/></row>', "U952381"),
    ],
)
def test_a_sheet_reaching_too_far_is_told_however_its_references_are_written(
    tmp_path, cells, corner
):
    path = with_sheet_xml(small_workbook(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", cells)
    problem = workbook_size_problem(path, "Deelnames")
    assert problem is not None
    assert problem.startswith(f"its sheet 'Deelnames' has a cell as far as {corner}, ")


@pytest.mark.parametrize(
    ("reference", "shown"),
    [
        (b"9" * 1_000_000, "9" * 16),  # a million digits
        (b"Q" * 1_000_000 + b"2", "Q" * 16),
        (b"Z" + b"0" * 200 + b"1000000", "Z" + "0" * 15),  # zeros, then a row too far
    ],
)
def test_a_reference_longer_than_any_cell_is_refused_within_seconds(tmp_path, reference, shown):
    cells = b'<row r="2"><c r="' + reference + b'"><v>1</v></c></row>'
    path = with_sheet_xml(small_workbook(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", cells)
    started = time.monotonic()
    problem = workbook_size_problem(path, "Deelnames")
    assert time.monotonic() - started < 10
    assert problem == (
        f"its sheet 'Deelnames' names a cell '{shown}...', a reference longer than any "
        "sheet's: the file was not written by a spreadsheet program; save it again from one"
    )


def test_a_sheet_just_under_the_limit_is_read(tmp_path):
    # 21 columns by 952,380 rows: 19,999,980 cells
    cells = b'<row r="9"><c r="U1"/><c r="U952380"/></row>'
    path = with_sheet_xml(small_workbook(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", cells)
    assert workbook_size_problem(path, "Deelnames") is None


def test_the_sheet_checked_is_the_one_parsed(tmp_path):
    """The part named in another case, two sheets of one name: the guard follows what calamine
    reads (the part whatever its case, the first sheet of the name)."""
    far = b'<row r="1000000"><c r="Z1000000"><v>1</v></c></row></sheetData>'
    book = Workbook()
    book.active.title = "Deelnames"
    book.create_sheet("Andere")
    book.save(tmp_path / "two.xlsx")
    cases = {
        "case": {
            "xl/_rels/workbook.xml.rels": (b"worksheets/sheet1.xml", b"Worksheets/Sheet1.xml")
        },
        "twice": {"xl/workbook.xml": (b'name="Andere"', b'name="Deelnames"')},
    }
    for name, changes in cases.items():
        path = tmp_path / f"{name}.xlsx"
        with zipfile.ZipFile(tmp_path / "two.xlsx") as old, zipfile.ZipFile(path, "w") as new:
            for item in old.infolist():
                data = old.read(item.filename)
                if item.filename in changes:
                    data = data.replace(*changes[item.filename])
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"</sheetData>", far).replace(
                        b"<sheetData/>", b"<sheetData>" + far
                    )
                new.writestr(item, data)
        assert "as far as Z1000000" in (workbook_size_problem(path, "Deelnames") or ""), name


def test_a_reference_cut_between_two_pieces_of_the_sheet_is_read_whole(tmp_path):
    source = small_workbook(tmp_path / "a.xlsx")
    with zipfile.ZipFile(source) as old:
        before = old.read("xl/worksheets/sheet1.xml").index(b"</sheetData>")
    for cut in (2, 5, 9):  # inside `r="`, the letters, the digits
        padding = b" " * ((1 << 20) - before - len(b"<row ") - cut)
        cells = b"<row " + padding + b'r="XFD1048576"></row>'
        path = with_sheet_xml(source, tmp_path / f"cut{cut}.xlsx", cells)
        assert "as far as XFD1048576" in (workbook_size_problem(path, "Deelnames") or "")


def test_a_long_wide_sheet_in_order_is_read_at_the_regex_engine_s_speed(tmp_path):
    # 40 columns (past Z) by 50,000 rows: each reference is below the bound, none is a hit
    cells = [b"A", b"B", b"Z", b"AA", b"AN"]
    rows = b"".join(
        b'<row r="%d">' % n
        + b"".join(b'<c r="%s%d"><v>1</v></c>' % (c, n) for c in cells) * 8
        + b"</row>"
        for n in range(3, 50_000)
    )
    path = with_sheet_xml(small_workbook(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", rows)
    extent = workbook._Extent()
    hits = 0
    compile_pattern = extent._compile

    def counted(spaced: bool) -> re.Pattern[bytes]:
        nonlocal hits
        hits += 1
        return compile_pattern(spaced)

    extent._compile = counted  # type: ignore[method-assign]
    with zipfile.ZipFile(path) as archive:
        assert not extent.scan(archive.read("xl/worksheets/sheet1.xml"))
    assert extent.columns == 40
    assert 49_000 <= extent.rows <= 49_999  # the last hit: bounds move by two significant digits
    assert hits < 500  # the bound raised ~90 times a power of ten, not once a cell
    assert workbook_size_problem(path, "Deelnames") is None


def test_a_damaged_or_empty_workbook_sheet_is_an_error_naming_the_file(settings, con):
    path = settings.raw_dir / "training" / "staff_training_2024.xlsx"
    path.parent.mkdir(parents=True)
    book = Workbook()
    book.active.title = "Deelnames"
    book.save(path)  # an empty sheet
    with pytest.raises(ExportError, match=r"\(sheet 'Deelnames'\): the sheet is empty"):
        load_workbook_export(con, STAFF_PARTICIPATIONS, [path], settings.raw_dir, reuse=False)
    sheet = book.active
    for n in range(3000):
        sheet.append([f"OPL-{n}", n, "V", 2.5])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        middle = start + info.compress_size // 2
    damaged = bytearray(path.read_bytes())
    damaged[middle : middle + 40] = bytes(b ^ 0x5A for b in damaged[middle : middle + 40])
    path.write_bytes(bytes(damaged))
    with pytest.raises(
        ExportError,
        match=r"^training/staff_training_2024.xlsx: cannot be read as an Excel workbook",
    ):
        load_workbook_export(con, STAFF_PARTICIPATIONS, [path], settings.raw_dir, reuse=False)


def test_a_zip_bomb_sheet_is_refused_before_it_is_unpacked(settings, con):
    source = absurd_workbook(settings.raw_dir / "a.xlsx")
    path = settings.raw_dir / "training" / "staff_training_2024.xlsx"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (600 << 20))
            new.writestr(item, data)
    with pytest.raises(ExportError, match="its sheet 'Deelnames' unpacks to more than 512 MB"):
        load_workbook_export(con, STAFF_PARTICIPATIONS, [path], settings.raw_dir)


# --- 7 and 8. only exports are read; links out of the raw folder are errors ------------------


def test_a_vote_file_linked_to_a_csv_elsewhere_is_an_error_naming_it(settings, con, tmp_path):
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes(VOTES_HEADER + VOTE)
    link = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    link.parent.mkdir()
    link.symlink_to(elsewhere)
    with pytest.raises(ExportError, match=r"^assembly/ga_2024-06-18.csv: is a link to a file out"):
        load_csv_export(con, VOTES, [link], settings.raw_dir)
    assert list(candidate_files(settings.raw_dir)) == []  # nor hashed at start-up


def test_a_raw_folder_that_is_itself_a_link_is_read(tmp_path, con):
    real = tmp_path / "exports"
    (real / "assembly").mkdir(parents=True)
    (real / "assembly" / "ga_2024-06-18.csv").write_bytes(VOTES_HEADER + VOTE)
    (real / "assembly" / "ga_2023-06-13.csv").symlink_to(real / "assembly" / "ga_2024-06-18.csv")
    raw = tmp_path / "raw"
    raw.symlink_to(real)
    files = list(candidate_files(raw))
    assert [p.name for p in files] == ["ga_2023-06-13.csv", "ga_2024-06-18.csv"]
    assert load_csv_export(con, VOTES, files, raw).rows_loaded == 2  # a link inside it is read


def test_what_is_not_an_export_is_neither_hashed_nor_opened(settings):
    raw = settings.raw_dir
    (raw / "notes.txt").symlink_to("/etc/passwd")
    with open(raw / "backup.tar", "wb") as handle:  # 100 GB, sparse: nothing on the disk
        handle.truncate(100 << 30)
    (raw / "assembly").mkdir()
    (raw / "assembly" / "ga_2024-06-17.csv").symlink_to("/dev/zero")  # named as an export
    os.mkfifo(raw / "assembly" / "ga_2024-06-16.csv")  # a pipe: opening it would hang
    export = vote_file(settings, VOTES_HEADER + VOTE)
    started = time.monotonic()
    assert list(candidate_files(raw)) == [export]
    hashing.prefetch(raw)
    assert time.monotonic() - started < 5
    hashed = {key[0] for key in hashing._SCANS}
    assert not any(name in key for key in hashed for name in ("passwd", "backup", "/dev/"))


@pytest.mark.parametrize(
    ("target", "message"),
    [("/dev/zero", "is a link to a file outside the raw folder"), (None, "is not a regular file")],
)
def test_a_device_or_pipe_named_as_an_export_is_an_error_not_a_hang(settings, con, target, message):
    path = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    path.parent.mkdir()
    if target:
        path.symlink_to(target)
    else:
        os.mkfifo(path)
    with pytest.raises(ExportError, match=f"^assembly/ga_2024-06-18.csv: {message}"):
        load_csv_export(con, VOTES, [path], settings.raw_dir)


# --- 9. no traceback ----------------------------------------------------------------------------


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "ANNEX_RAW_DIR": str(settings.raw_dir)}
    environment["ANNEX_WAREHOUSE_DIR"] = str(settings.warehouse_dir)
    environment["ANNEX_PSEUDONYM_KEY"] = str(settings.pseudonym_key_path)
    command = [sys.executable, "-c", "from pipelines.cli import entry; entry()", *args]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)


def test_a_warehouse_folder_that_cannot_be_written_is_one_message_and_exit_1(settings):
    small_register().write(settings.raw_dir)
    settings.warehouse_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_dir.write_text("a file where the warehouse folder should be")
    done = run_cli(settings, "build")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"annex build: cannot write in {settings.warehouse_dir} (" in done.stderr, done.stderr


def test_a_build_holding_the_lock_makes_another_exit_75(settings, capsys):
    import fcntl

    small_register().write(settings.raw_dir)
    settings.build_dir.mkdir(parents=True)
    with open(settings.build_dir / "build.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert cli.main(["build"]) == 75
    assert "another build is running" in capsys.readouterr().err


# --- 11. outputs written whole ------------------------------------------------------------------


def test_an_output_is_replaced_whole_or_not_at_all(tmp_path):
    path = tmp_path / "annex-2024.nl.md"
    atomic.write_text(path, "old")
    with pytest.raises(RuntimeError), atomic.atomic_path(path) as partial:
        partial.write_text("half")
        assert path.read_text() == "old"  # a reader during the write sees the old file
        raise RuntimeError("the disk filled up")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["annex-2024.nl.md"]
    atomic.write_text(path, "new")
    assert path.read_text() == "new"


# --- 4. private working state -------------------------------------------------------------------

MEMBER_NUMBERS = (48151623, 48151624, 48151625)


def private_register() -> Register:
    register = Register()
    for number in MEMBER_NUMBERS:
        register.member(number)
        register.subscribe("2023-03-01", number, 2)
    register.vote("2024-06-18", str(MEMBER_NUMBERS[0]))
    return register


def leaks(folder: Path) -> list[str]:
    """Files under `folder` holding a member number (as text, or as DuckDB stores an integer)."""
    needles = [str(n).encode() for n in MEMBER_NUMBERS]
    needles += [n.to_bytes(4, "little") for n in MEMBER_NUMBERS]
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            content = path.read_bytes()
            found += [f"{path}: {needle!r}" for needle in needles if needle in content]
    return found


def test_the_working_database_is_private_and_nothing_beside_the_publication_maps_members(settings):
    private_register().write(settings.raw_dir)
    settings.build_dir.mkdir(parents=True)
    legacy = settings.build_dir / "work.duckdb"  # where an earlier version kept it
    legacy.write_bytes(str(MEMBER_NUMBERS[0]).encode())
    assert build(settings).published
    assert settings.work_db_path.exists() and not legacy.exists()
    assert not settings.work_db_path.is_relative_to(settings.warehouse_dir)
    for folder in (settings.work_dir, settings.work_dir.parent, settings.scratch_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for path in settings.work_dir.iterdir():
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with duckdb.connect(str(settings.work_db_path), read_only=True) as work:
        numbers = work.execute("select count(*) from ingest.member_keys").fetchone()[0]
    assert numbers == 3  # the mapping is there, and only there
    assert leaks(settings.warehouse_dir) == []


def test_a_killed_build_leaves_no_person_level_copy_past_the_next_build(settings, tmp_path):
    # the course file is transcoded to a temporary UTF-8 copy (person-level rows); the build is
    # killed while that copy is being read
    private_register().write(settings.raw_dir)
    courses = settings.raw_dir / "training" / "member_courses_2024.csv"
    courses.parent.mkdir(parents=True)
    header = "id_session;titre;date_session;public_cible;id_participant;statut\r\n"
    row = "S1;Cours;05/03/2024;membres;P{n};présent\r\n"
    with open(courses, "w", encoding="cp1252", newline="") as handle:
        handle.write(header)
        handle.writelines(row.format(n=n) for n in range(1_000_000))
    environment = {**os.environ, "ANNEX_RAW_DIR": str(settings.raw_dir)}
    environment["ANNEX_WAREHOUSE_DIR"] = str(settings.warehouse_dir)
    environment["ANNEX_PSEUDONYM_KEY"] = str(settings.pseudonym_key_path)
    environment["TMPDIR"] = str(tmp_path / "system-tmp")
    (tmp_path / "system-tmp").mkdir()
    command = [sys.executable, "-c", "from pipelines.cli import entry; entry()", "build"]
    build_process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            copies = (
                list(settings.scratch_dir.rglob("*.csv")) if settings.scratch_dir.exists() else []
            )
            if any(copy.stat().st_size > 0 for copy in copies):
                break
            assert build_process.poll() is None, "the build ended before its copy was seen"
            time.sleep(0.02)
        else:
            pytest.fail("no temporary copy seen")
        os.kill(build_process.pid, signal.SIGKILL)
    finally:
        build_process.kill()
        build_process.wait()
    left = list(settings.scratch_dir.rglob("*.csv"))
    assert left, "the killed build's copy is where the next build will find it"
    assert leaks(settings.warehouse_dir) == []
    assert leaks(tmp_path / "system-tmp") == []
    assert build(settings).published  # the next build empties the scratch folder first
    assert list(settings.scratch_dir.rglob("*")) == []
    assert leaks(settings.warehouse_dir) == []


# --- held-out cases of the same kinds ------------------------------------------------------------


def test_junk_after_the_register_stops_the_build_naming_the_file(settings):
    assert build(settings, small_register()).published
    before = settings.publication_path.read_bytes()
    with open(settings.raw_dir / "register" / "cooperators_20250115.csv", "ab") as handle:
        handle.write(b"4,False," + b"\xfe" * (33 << 20))
    outcome = build(settings)
    assert not outcome.published
    named = "register_snapshot: register/cooperators_20250115.csv: the reader returned 3 records"
    assert any(error.startswith(named) for error in outcome.errors), outcome.errors
    assert settings.publication_path.read_bytes() == before


def test_a_dropped_record_in_a_transcoded_course_file_is_an_error(settings, con):
    from pipelines.lib.sources.training import MEMBER_COURSES

    path = settings.raw_dir / "training" / "member_courses_2024.csv"
    path.parent.mkdir(parents=True)
    header = "id_session;titre;date_session;public_cible;id_participant;statut\r\n"
    row = "S1;Cœur;05/03/2024;membres;P1;présent\r\n"
    path.write_bytes((header + row + "S2;" + "é" * (33 << 20) + "\r\n").encode("cp1252"))
    with pytest.raises(
        ExportError, match=r"^training/member_courses_2024.csv: the reader returned 1"
    ):
        load_csv_export(con, MEMBER_COURSES, [path], settings.raw_dir)


def test_a_survey_id_with_a_quote_and_brackets_is_read_as_itself(settings, con):
    from tests.test_survey import response, write_survey

    write_survey(settings.raw_dir, [response(1, {"WC[SQ001]": "A3"})], "2024-03_l'x[1]")
    write_survey(settings.raw_dir, [response(2, {"WC[SQ001]": "A4"})], "2024-03_l'x1")
    load_surveys(con, settings.raw_dir)
    assert con.execute(
        "select survey_id, response_id from ingest.survey_responses order by all"
    ).fetchall() == [("2024-03_l'x1", 2), ("2024-03_l'x[1]", 1)]


def test_an_export_folder_linked_out_of_the_raw_folder_is_an_error(settings, con, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "ga_2024-06-18.csv").write_bytes(VOTES_HEADER + VOTE)
    (settings.raw_dir / "assembly").symlink_to(outside)
    path = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    with pytest.raises(ExportError, match=r"^assembly/ga_2024-06-18.csv: is a link to a file out"):
        load_csv_export(con, VOTES, [path], settings.raw_dir)


def test_a_governance_file_linked_out_of_the_raw_folder_is_an_error(settings, tmp_path):
    outside = tmp_path / "facts.yaml"
    outside.write_text("year: 2024\n")
    path = settings.raw_dir / "governance" / "2024.yaml"
    path.parent.mkdir()
    path.symlink_to(outside)
    with pytest.raises(ExportError, match=r"^governance/2024.yaml: is a link to a file outside"):
        parse_governance(path, settings.raw_dir)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "year: 2024\nboard: {elected: 2}\nboard: {elected: 3}\n",
            "the key 'board' is written twice",
        ),
        ("year: 2024\n? [a, b]\n: 1\n", "a key must be a plain value"),
        ("year: 2024\n---\nyear: 2025\n", "not valid YAML"),
    ],
    ids=["a key twice", "a list as a key", "two documents"],
)
def test_yaml_that_is_ambiguous_is_an_error_naming_the_line(settings, text, message):
    path = settings.raw_dir / "governance" / "2024.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ExportError, match=f"^governance/2024.yaml: {re.escape(message)}"):
        parse_governance(path, settings.raw_dir)


def test_a_working_folder_that_cannot_be_written_is_one_message_naming_it(settings, tmp_path):
    import dataclasses

    small_register().write(settings.raw_dir)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the working folder should be")
    outcome = build(dataclasses.replace(settings, work_root=blocked))
    assert not outcome.published
    expected = f"cannot write in the private working folder {blocked}/"
    assert outcome.errors and all(expected in error for error in outcome.errors), outcome.errors
    assert not any("Traceback" in error or "Error:" in error for error in outcome.errors)


def test_a_warehouse_folder_that_fills_up_is_one_message_and_the_last_publication_stays(
    settings, monkeypatch
):
    from pipelines.lib import warehouse

    assert build(settings, small_register()).published
    before = settings.publication_path.read_bytes()
    staging = settings.build_dir / warehouse.STAGING_NAME

    def full_disk(*_args: object) -> None:
        staging.write_bytes(b"half a publication")
        raise duckdb.IOException(
            "IO Error: Detached database 'coop', but CHECKPOINT during DETACH failed.\n"
            f'Original error: Could not write file "{staging}": No space left on device'
        )

    monkeypatch.setattr(warehouse, "_publish", full_disk)
    outcome = build(settings)
    assert not outcome.published
    assert outcome.errors == [
        f"publish__coop_duckdb: cannot write in {settings.warehouse_dir} (No space left on "
        "device): the build needs a folder it may write in, with free space; set "
        "ANNEX_WAREHOUSE_DIR to one, or free some space there"
    ]
    assert not staging.exists()
    assert settings.publication_path.read_bytes() == before
