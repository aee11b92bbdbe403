"""Personal data: what must never reach the warehouse folder or the publication."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import duckdb

from pipelines.lib.warehouse import pseudonym_macro_sql, read_publication

NATIONAL_NUMBER = re.compile(rb"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}")


def all_bytes(folder: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in folder.rglob("*") if p.is_file()]


def test_pseudonym_is_hmac_sha256_of_the_decimal_member_number():
    key = bytes(range(32))
    con = duckdb.connect()
    con.execute(pseudonym_macro_sql(key))
    for number in (1, 12345, 10**12):
        expected = hmac.new(key, str(number).encode(), hashlib.sha256).hexdigest()
        assert con.execute("select pseudonym(?)", [number]).fetchone()[0] == expected
    long_key = b"x" * 100  # longer than a block: hashed first, as RFC 2104 says
    con.execute(pseudonym_macro_sql(long_key))
    expected = hmac.new(long_key, b"42", hashlib.sha256).hexdigest()
    assert con.execute("select pseudonym(42)").fetchone()[0] == expected


def test_no_national_number_anywhere_in_the_warehouse_folder(sample_build):
    raw = b"".join(data for _, data in all_bytes(sample_build.raw_dir / "register"))
    national_numbers = set(NATIONAL_NUMBER.findall(raw))
    assert len(national_numbers) > 1000  # the sample does carry them
    digits = {n.replace(b".", b"").replace(b"-", b"") for n in national_numbers}
    for path, data in all_bytes(sample_build.warehouse_dir):
        found = national_numbers.intersection(NATIONAL_NUMBER.findall(data))
        assert not found, f"{path} holds national numbers"
        assert not any(d in data for d in list(digits)[:2000]), f"{path} holds national numbers"


def test_publication_holds_no_direct_identifier(sample_build):
    with read_publication(sample_build) as con:
        columns = {
            row[0] for row in con.execute("select column_name from duckdb_columns()").fetchall()
        }
        schemas = {
            row[0] for row in con.execute("select schema_name from duckdb_tables()").fetchall()
        }
    forbidden = {
        "lastname", "firstname", "email", "phone", "street", "birthdate", "national_number",
        "cooperator_register_number", "member_number", "partner_to_register_number", "city",
        "company_name", "company_register_number",
    }  # fmt: skip
    assert not columns & forbidden
    assert "ingest" not in schemas
    cooperators = next((sample_build.raw_dir / "register").glob("cooperators*.csv"))
    with duckdb.connect() as raw:
        emails, streets = raw.execute(
            "select list(email), list(street) from read_csv(?, all_varchar = true)",
            [str(cooperators)],
        ).fetchone()
    data = sample_build.publication_path.read_bytes()
    for value in [e for e in emails if e][:500] + [s for s in streets if s and len(s) > 12][:500]:
        assert value.encode() not in data
