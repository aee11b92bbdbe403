"""Reading the register and vote exports: header checks, typing, quarantine, lineage."""

from __future__ import annotations

import dataclasses
import hashlib

import duckdb
import pytest

from pipelines.lib import hashing
from pipelines.lib.build import run_build
from pipelines.lib.hashing import file_sha256
from pipelines.lib.ingest import ExportError, load_csv_export, reader_error
from pipelines.lib.models import passes_quickly
from pipelines.lib.rawfiles import candidate_files
from pipelines.lib.sources.assembly import VOTES
from pipelines.lib.sources.register import (
    COOPERATORS,
    SHARE_OPERATIONS,
    choose_snapshot,
    key_changed,
    refresh_member_keys,
)
from pipelines.lib.sqlfiles import checks_of, load_macros
from pipelines.lib.warehouse import pseudonym_macro_sql
from tests.builders import COOPERATOR_COLUMNS, Register, write_csv
from tests.helpers import build, query


def small_register() -> Register:
    register = Register()
    register.member(1)
    register.subscribe("2023-01-10", 1, 2)
    return register


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute(pseudonym_macro_sql(b"k" * 32))
    load_macros(connection)
    yield connection
    connection.close()


def test_missing_column_is_an_error_naming_file_and_column(settings):
    register = small_register()
    register.write(settings.raw_dir)
    path = settings.raw_dir / "register" / "share_operations_20250115.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("quantity")
    path.write_text(
        "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines)
    )
    outcome = build(settings)
    assert not outcome.published
    assert any(
        "register/share_operations_20250115.csv" in e and "'quantity'" in e for e in outcome.errors
    ), outcome.errors
    assert not settings.publication_path.exists()


def test_malformed_vote_rows_are_quarantined_and_rows_conserved(settings):
    register = small_register()
    register.vote("2024-06-18", "1", "online")
    register.vote("2024-06-18", "1", "by-pigeon")  # not an allowed channel
    register.vote("2024-06-18", "1", "online", voted_at="18/06/2024 14:03")  # not ISO 8601
    register.vote("2024-06-18", "", "online")  # member number missing
    register.vote("2024-06-18", "1", "proxy")  # proxy without holder
    outcome = build(settings, register)
    assert outcome.published, outcome.errors
    assert query(
        settings,
        "select source_row, column_name, reason from quality.quarantine "
        "where export = 'votes' order by source_row",
    ) == [
        (2, "channel", "not_allowed"),
        (3, "voted_at", "bad_type"),
        (4, "member_number", "bad_member_number"),
        (5, "proxy_holder", "missing_value"),
    ]
    assert query(
        settings,
        "select rows_read, rows_loaded, rows_quarantined from quality.ingest_files "
        "where export = 'votes'",
    ) == [(5, 1, 4)]


def test_register_row_that_cannot_be_typed_stops_the_build(settings):
    register = small_register()
    register.subscribe("2023-02-30", 1, 1)  # no such date
    outcome = build(settings, register)
    assert not outcome.published
    message = " ".join(outcome.errors)
    assert "share_operations_20250115.csv row 2" in message
    assert "'date'" in message and "bad_type" in message


def test_a_value_outside_an_enum_columns_list_is_not_allowed(settings, con):
    """The journal's share classes are stored as an ENUM of the allowed ones; another class
    is reported `not_allowed`, as for a text column, not as a value that cannot be typed."""
    register = small_register()
    register.subscribe("2023-02-01", 1, 1, cls="D")
    register.write(settings.raw_dir)
    path = settings.raw_dir / "register" / "share_operations_20250115.csv"
    with pytest.raises(ExportError) as error:
        load_csv_export(con, SHARE_OPERATIONS, [path], settings.raw_dir)
    assert "row 2, column 'share_short_name': not_allowed" in str(error.value)
    small_register().write(settings.raw_dir)
    load_csv_export(con, SHARE_OPERATIONS, [path], settings.raw_dir)
    assert con.execute(
        "select data_type from duckdb_columns() "
        "where table_name = 'share_operations' and column_name = 'share_short_name'"
    ).fetchone() == ("ENUM('A', 'B', 'C')",)
    assert con.execute(
        "select share_short_name::varchar from ingest.share_operations"
    ).fetchall() == [("A",)]


def test_row_numbers_count_records_not_lines_and_bom_is_accepted(settings, con):
    rows = [
        {"cooperator_register_number": 1, "is_company": "True", "company_name": "Coop A,\nCV"},
        {"cooperator_register_number": 2, "is_company": "False", "street": 'Quai "B",\n2'},
        {"cooperator_register_number": 3, "is_company": "True", "company_name": 'Coop "B", CV'},
    ]
    path = write_csv(settings.raw_dir / "c.csv", COOPERATOR_COLUMNS, rows, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = load_csv_export(con, COOPERATORS, [path], settings.raw_dir)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 3, 0)
    assert con.execute(
        "select source_row, cooperator_register_number, company_name from ingest.cooperators "
        "order by source_row"
    ).fetchall() == [(1, 1, "Coop A,\nCV"), (2, 2, None), (3, 3, 'Coop "B", CV')]


def test_national_number_is_never_read(settings, con):
    rows = [{"cooperator_register_number": 1, "is_company": "False", "national_number": "x"}]
    path = write_csv(settings.raw_dir / "c.csv", COOPERATOR_COLUMNS, rows)
    load_csv_export(con, COOPERATORS, [path], settings.raw_dir)
    columns = [row[0] for row in con.execute("describe ingest.cooperators").fetchall()]
    assert "national_number" not in columns


def test_unknown_column_is_a_warning(settings, con):
    rows = [{"cooperator_register_number": 1, "is_company": "False"}]
    path = write_csv(settings.raw_dir / "c.csv", [*COOPERATOR_COLUMNS, "x_note"], rows)
    result = load_csv_export(con, COOPERATORS, [path], settings.raw_dir)
    assert result.warnings == ["c.csv: unknown column 'x_note' ignored"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b'member_number,channel,voted_at,proxy_holder\n"1,online,x,\n', "cannot be read as CSV"),
        (b"member_number,channel,voted_at,proxy_holder\n\xff\xfe1,online,x,\n", "row 1: not valid"),
        (b"member_number,channel\xff,voted_at,proxy_holder\n1,online,x,\n", "not valid utf-8"),
    ],
)
def test_unreadable_files_are_errors_naming_the_file(settings, con, content, message):
    path = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ExportError, match=message) as raised:
        load_csv_export(con, VOTES, [path], settings.raw_dir)
    assert "assembly/ga_2024-06-18.csv" in str(raised.value)


@pytest.mark.parametrize(
    ("last_row", "message"),
    [
        (b"3,False,Peeters,Jan,,,1980-02-03,male,80.02.03-123.4", "row 3: 9 fields where the"),
        (b'3,False,Peeters,"Jan\n80.02.03-123.45', "row 3: a quoted field is left open"),
    ],
)
def test_a_damaged_register_file_names_the_row_and_never_quotes_it(
    settings, con, last_row, message
):
    """DuckDB's reader error repeats the row; the register's rows are personal data."""
    good = b"".join(
        f"{n},False,Peeters,Jan,,,1980-02-03,male,80.02.03-123.45,,,,,,BE,nl_BE\n".encode()
        for n in (1, 2)
    )
    path = settings.raw_dir / "c.csv"
    path.write_bytes(",".join(COOPERATOR_COLUMNS).encode() + b"\n" + good + last_row)
    with pytest.raises(ExportError, match=message) as raised:
        load_csv_export(con, COOPERATORS, [path], settings.raw_dir)
    said = str(raised.value)
    assert said.startswith("c.csv: cannot be read as CSV: row 3: "), said
    for personal in ("Peeters", "Jan", "1980", "80.02.03"):
        assert personal not in said, said


def test_any_other_reader_error_keeps_its_first_line_without_the_values_it_quotes():
    error = duckdb.ConversionException(
        "Conversion Error: Could not convert string 'Peeters' to INT64\nLINE 1: ... 'Jan' ..."
    )
    assert reader_error(error) == "Conversion Error: Could not convert string '…' to INT64"


def test_a_file_not_named_as_an_export_is_named_as_not_read(settings):
    """Nothing dropped into the raw folder is passed over in silence."""
    register = small_register()
    register.vote("2024-06-18", "1")
    register.write(settings.raw_dir)
    warned_about = {  # what is written -> what the build says of it
        "assembly/ga_2024-6-18.csv": "assembly/ga_2024-6-18.csv: not a vote file "
        "(ga_YYYY-MM-DD.csv), not read",
        "register/Cooperators.csv": "register/Cooperators.csv: not a register file (",
        "training/member_courses_2024.csv.bak": "training/member_courses_2024.csv.bak: not a "
        "staff training workbook",
        "governance/2024.json": "governance/2024.json: not a governance file (YYYY.yaml)",
        "ga_2024-06-18.csv": "ga_2024-06-18.csv: not in an export folder (register/, ",
        "votes/ga_2024-06-18.csv": "votes/: not in an export folder",  # the folder is named
    }
    quiet = ["assembly/.DS_Store", "training/~$staff_training_2024.xlsx", "register/README.txt"]
    for name in [*warned_about, *quiet]:
        (settings.raw_dir / name).parent.mkdir(exist_ok=True)
        (settings.raw_dir / name).write_text("x\n")
    lines: list[str] = []
    assert run_build(settings, progress=lines.append, outputs=False).published
    warned = [line for line in lines if line.startswith("  ! ")]
    for said in warned_about.values():
        assert any(line.startswith(f"  ! {said}") for line in warned), (said, warned)
    assert not [line for line in warned if any(name in line for name in quiet)], warned


def test_newest_snapshot_is_used_and_others_ignored(settings):
    old = small_register()
    old.write(settings.raw_dir, suffix="_20240110")
    new = small_register()
    new.member(2)
    new.subscribe("2024-03-01", 2, 1)
    new.write(settings.raw_dir, suffix="_20250115")
    snapshot = choose_snapshot(settings.raw_dir / "register")
    assert snapshot.stamp == "20250115"
    assert len(snapshot.ignored) == 4
    outcome = build(settings)
    assert outcome.published
    assert query(
        settings,
        "select value from annex.figures where year = 2024 and figure_id = 'p1.new_members'",
    ) == [(1.0,)]


def test_missing_file_of_newest_snapshot_is_an_error(settings):
    small_register().write(settings.raw_dir, suffix="_20240110")
    small_register().write(settings.raw_dir, suffix="_20250115")
    (settings.raw_dir / "register" / "operation_requests_20250115.csv").unlink()
    with pytest.raises(ExportError, match="operation_requests_20250115.csv is missing"):
        choose_snapshot(settings.raw_dir / "register")


@pytest.mark.parametrize("bad_row", [None, 150_000])
def test_row_numbers_stay_record_numbers_in_a_large_file(settings, con, bad_row):
    """A file large enough to be read in parallel chunks: every row keeps its record number,
    whether the reader types the columns itself or (after a value it cannot type) reads text."""
    con.execute("set preserve_insertion_order = false")  # as in a build (warehouse.py)
    rows = [
        {
            "cooperator_register_number": n,
            "is_company": "True",
            "company_name": f"Coop {n},\nline two" if n % 997 == 0 else f"Coop {n} " + "x" * 150,
        }
        for n in range(1, 200_001)
    ]
    if bad_row:
        rows[bad_row - 1]["birthdate"] = "not a date"
    path = write_csv(settings.raw_dir / "c.csv", COOPERATOR_COLUMNS, rows)
    assert path.stat().st_size > 30_000_000  # several of the reader's buffers
    if bad_row:
        with pytest.raises(ExportError, match=f"c.csv row {bad_row}, column 'birthdate'"):
            load_csv_export(con, COOPERATORS, [path], settings.raw_dir)
        return
    result = load_csv_export(con, COOPERATORS, [path], settings.raw_dir)
    assert result.rows_loaded == 200_000
    mismatched = con.execute(
        "select count(*) from ingest.cooperators where source_row <> cooperator_register_number "
        "or (source_row % 997 = 0) <> contains(company_name, chr(10))"
    ).fetchone()
    assert mismatched == (0,)


def test_pseudonyms_are_hashed_once_per_member_and_again_when_the_key_changes(settings, con):
    def load(numbers: list[int]) -> None:
        rows = [{"cooperator_register_number": n, "is_company": "False"} for n in numbers]
        path = write_csv(settings.raw_dir / "c.csv", COOPERATOR_COLUMNS, rows)
        load_csv_export(con, COOPERATORS, [path], settings.raw_dir)

    def keys() -> dict[int, str]:
        return dict(con.execute("select * from ingest.member_keys").fetchall())

    load([1, 2])
    assert refresh_member_keys(con) == 2
    first = keys()
    expected = con.execute("select pseudonym(1), pseudonym(2)").fetchone()
    assert (first[1], first[2]) == expected and len(first[1]) == 64
    load([1, 2, 3])
    assert refresh_member_keys(con) == 1  # only the new member
    assert keys()[1] == first[1] and set(keys()) == {1, 2, 3}
    load([2, 3])  # a corrected export without member 1
    assert refresh_member_keys(con) == 0 and set(keys()) == {2, 3}
    assert not key_changed(con)
    con.execute(pseudonym_macro_sql(b"another key"))
    assert key_changed(con)  # the build warns
    assert refresh_member_keys(con) == 2  # a new key: every pseudonym again
    assert not key_changed(con)
    assert keys()[2] == con.execute("select pseudonym(2)").fetchone()[0] != first[2]


def test_pseudonyms_are_stored_uncompressed_and_an_older_tables_hashed_again(settings, con):
    rows = [{"cooperator_register_number": n, "is_company": "False"} for n in range(1, 3001)]
    path = write_csv(settings.raw_dir / "c.csv", COOPERATOR_COLUMNS, rows)
    load_csv_export(con, COOPERATORS, [path], settings.raw_dir)
    # the table as an older version made it: compressed pseudonyms, no entry in the ledger
    con.execute("create schema if not exists ingest")
    con.execute(
        "create table ingest.member_keys as select cooperator_register_number as member_number, "
        "pseudonym(cooperator_register_number) as member_key from ingest.cooperators"
    )
    assert refresh_member_keys(con) == 3000  # made again, with the columns of this version
    assert refresh_member_keys(con) == 0
    con.execute("checkpoint")
    stored = con.execute(
        "select distinct compression from pragma_storage_info('ingest.member_keys') "
        "where column_name = 'member_key' and segment_type = 'VARCHAR'"
    ).fetchall()
    assert stored == [("Uncompressed",)]
    assert con.execute(
        "select count(*) from ingest.member_keys where member_key = pseudonym(member_number)"
    ).fetchone() == (3000,)


@pytest.mark.parametrize(
    ("values", "distinct"),
    [
        ([], True),
        ([5, 3, 4], True),
        ([5, 3, 5], False),
        ([-(2**40), 2**40], False),  # too wide for the bitmap: not proven, the query decides
        ([1, None], False),  # a NULL is not proven distinct: the query decides
    ],
)
def test_distinct_numbers_are_proven_by_a_bitmap(con, values, distinct):
    con.execute("create schema ingest")
    con.execute("create table ingest.cooperators (cooperator_register_number bigint)")
    for value in values:
        con.execute("insert into ingest.cooperators values (?)", [value])
    (unique,) = checks_of("ingest.cooperators")
    assert passes_quickly(con, unique) is distinct


def test_lineage_names_each_rows_file_and_hash(settings, con):
    """Votes of several files: each row's file name and hash are those of its own file."""
    build_votes = {"2023-06-13": ["1", "2"], "2024-06-18": ["1", "2", "3"]}
    for day, members in build_votes.items():
        path = settings.raw_dir / "assembly" / f"ga_{day}.csv"
        write_csv(
            path,
            ["member_number", "channel", "voted_at", "proxy_holder"],
            [
                {"member_number": m, "channel": "online", "voted_at": f"{day}T10:00:00+02:00"}
                for m in members
            ],
        )
    files = sorted((settings.raw_dir / "assembly").glob("*.csv"))
    load_csv_export(con, VOTES, files, settings.raw_dir)
    rows = con.execute(
        "select source_file, file_sha256, count(*), min(source_row), max(source_row) "
        "from ingest.votes group by all order by all"
    ).fetchall()
    assert rows == [
        ("assembly/ga_2023-06-13.csv", file_sha256(files[0]), 2, 1, 2),
        ("assembly/ga_2024-06-18.csv", file_sha256(files[1]), 3, 1, 3),
    ]


@pytest.mark.parametrize(
    ("member", "receiver", "known"),
    [(1, None, True), (3, 1, True), (2, None, False), (1, 99, False), (0, None, False)],
)
def test_known_members_are_proven_by_a_bitmap(con, member, receiver, known):
    con.execute("create schema ingest")
    con.execute(
        "create table ingest.cooperators as "
        "select * from (values (1), (3), (4)) t(cooperator_register_number)"
    )
    con.execute(
        "create table ingest.share_operations as select ?::bigint as cooperator_register_number, "
        "?::bigint as partner_to_register_number",
        [member, receiver],
    )
    known_members = {c.name: c for c in checks_of("ingest.share_operations")}
    assert passes_quickly(con, known_members["operation_members_known"]) is known


# --- a table made from unchanged files by unchanged code is kept ---------------------------------


def _votes(settings, rows: list[tuple[str, str]]):
    path = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    columns = ["member_number", "channel", "voted_at", "proxy_holder"]
    return write_csv(
        path,
        columns,
        [
            {"member_number": m, "channel": c, "voted_at": "2024-06-18T14:03:11+02:00"}
            for m, c in rows
        ],
    )


def test_unchanged_files_are_not_read_again(settings, con, monkeypatch):
    path = _votes(settings, [("1", "online"), ("2", "by-pigeon")])
    first = load_csv_export(con, VOTES, [path], settings.raw_dir)
    assert not first.reused
    # reading the file again would now fail: a kept table proves it was not read
    monkeypatch.setattr("pipelines.lib.ingest.csv._csv_file", None)
    again = load_csv_export(con, VOTES, [path], settings.raw_dir)
    assert again.reused
    assert (again.files, again.rows_read, again.rows_loaded, again.rows_quarantined) == (
        ["assembly/ga_2024-06-18.csv"],
        2,
        1,
        1,
    )
    assert con.execute("select member_number, source_row from ingest.votes").fetchall() == [(1, 1)]
    assert con.execute(
        "select source_row, reason from quality.quarantine where export = 'votes'"
    ).fetchall() == [(2, "not_allowed")]


def test_a_changed_file_or_reread_reads_again(settings, con):
    path = _votes(settings, [("1", "online")])
    load_csv_export(con, VOTES, [path], settings.raw_dir)
    _votes(settings, [("1", "online"), ("3", "onsite")])
    changed = load_csv_export(con, VOTES, [path], settings.raw_dir)
    assert not changed.reused and changed.rows_loaded == 2
    reread = load_csv_export(con, VOTES, [path], settings.raw_dir, reuse=False)
    assert not reread.reused and reread.rows_loaded == 2
    # a reread remembers what it read: the next load keeps its table
    assert load_csv_export(con, VOTES, [path], settings.raw_dir).reused


def test_a_changed_spec_or_key_reads_again(settings, con):
    path = _votes(settings, [("1", "online")])
    load_csv_export(con, VOTES, [path], settings.raw_dir)
    key_before = con.execute("select member_key from ingest.votes").fetchone()[0]
    stricter = dataclasses.replace(
        VOTES,
        columns=tuple(
            dataclasses.replace(c, allowed=("onsite",)) if c.name == "channel" else c
            for c in VOTES.columns
        ),
    )
    result = load_csv_export(con, stricter, [path], settings.raw_dir)
    assert not result.reused and result.rows_quarantined == 1
    load_csv_export(con, VOTES, [path], settings.raw_dir)
    con.execute(pseudonym_macro_sql(b"another key, another deployment"))
    rekeyed = load_csv_export(con, VOTES, [path], settings.raw_dir)
    assert not rekeyed.reused
    assert con.execute("select member_key from ingest.votes").fetchone()[0] != key_before


def test_a_load_that_stopped_half_way_is_not_kept(settings, con):
    path = _votes(settings, [("1", "online")])
    load_csv_export(con, VOTES, [path], settings.raw_dir)
    refusing = dataclasses.replace(VOTES, on_invalid_row="error")
    _votes(settings, [("1", "online"), ("2", "by-pigeon")])
    with pytest.raises(ExportError, match="ga_2024-06-18.csv row 2"):
        load_csv_export(con, refusing, [path], settings.raw_dir)
    # the stopped load forgot what the table was made from: the next one reads the files
    _votes(settings, [("1", "online")])
    assert not load_csv_export(con, VOTES, [path], settings.raw_dir).reused
    con.execute("drop table ingest.votes")
    assert not load_csv_export(con, VOTES, [path], settings.raw_dir).reused


def test_a_rebuild_keeps_unchanged_exports_and_publishes_the_same(settings):
    register = small_register()
    register.vote("2024-06-18", "1", "online")
    first = build(settings, register)
    assert first.published, first.errors
    figures = query(settings, "select * from annex.figures order by all")
    lines: list[str] = []
    again = run_build(settings, progress=lines.append, outputs=False)
    assert again.published, again.errors
    assert query(settings, "select * from annex.figures order by all") == figures
    kept = [line for line in lines if "unchanged: files not read again" in line]
    assert any("ingest/cooperators" in line for line in kept), lines
    assert any("ingest/votes" in line for line in kept), lines


def test_a_file_is_hashed_once_until_it_changes(tmp_path):
    path = tmp_path / "assembly" / "ga_2024-06-18.csv"
    path.parent.mkdir()
    path.write_text("member_number,channel\n1,online\n")
    hashing.prefetch(tmp_path)  # `annex build` starts this before importing Dagster
    first = hashing.sha256_of(path)
    assert hashing.sha256_of(path) is first  # the same computation, not a second one
    assert first.result() == hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_text("member_number,channel\n2,online\n")
    again = hashing.sha256_of(path)
    assert again is not first and again.result() == file_sha256(path) != first.result()


def test_what_is_never_an_export_is_not_hashed(tmp_path):
    export = tmp_path / "assembly" / "ga_2024-06-18.csv"
    export.parent.mkdir()
    export.write_text("member_number,channel\n1,online\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "packed-refs").write_text("# pack-refs\n")
    (tmp_path / "assembly" / "~$ga_2024-06-18.xlsx").write_bytes(b"\0")
    assert list(candidate_files(tmp_path)) == [export]
    hashing.prefetch(tmp_path)
    assert all(".git" not in key[0] and "~$" not in key[0] for key in hashing._SCANS)
