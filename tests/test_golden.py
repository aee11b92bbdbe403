"""The sample exports reproduce, through the whole pipeline, every 2024 value the annex published.

tests/golden/golden-2024.csv lists the 33 values of the seed annex; each must be published in
annex.figures for 2024, computed from the raw files: numbers within 1e-9 relative, texts exactly.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.lib.warehouse import read_publication

GOLDEN = Path(__file__).parent / "golden" / "golden-2024.csv"


def golden_rows() -> list[dict[str, str]]:
    with open(GOLDEN, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_golden_file_has_33_figures():
    rows = golden_rows()
    assert len(rows) == 33
    assert len({row["figure_id"] for row in rows}) == 33


@pytest.fixture(scope="module")
def published_2024(sample_build) -> dict[str, tuple[float | None, str | None, str | None]]:
    with read_publication(sample_build) as con:
        rows = con.execute(
            "select figure_id, value, value_text, note from annex.figures where year = 2024"
        ).fetchall()
    return {figure_id: (value, text, note) for figure_id, value, text, note in rows}


@pytest.mark.parametrize("row", golden_rows(), ids=lambda row: row["figure_id"])
def test_golden_value_is_published(published_2024, row):
    assert row["figure_id"] in published_2024, f"{row['figure_id']} is not in annex.figures"
    value, text, note = published_2024[row["figure_id"]]
    try:
        expected = float(row["value"])
    except ValueError:
        assert value is None
        assert text == row["value"], (row["seed_says"], note)
    else:
        assert value is not None, (row["seed_says"], note)
        assert value == pytest.approx(expected, rel=1e-9, abs=0), row["seed_says"]


def test_governance_qualifiers_of_the_seed(published_2024, sample_build):
    with read_publication(sample_build) as con:
        qualifiers = dict(
            con.execute(
                "select figure_id, qualifier from annex.figures where year = 2024 "
                "and figure_id like 'p2.smartlabs.%'"
            ).fetchall()
        )
    # "een tiental", "meer dan 300", "200", "meer dan 150 uur"
    assert qualifiers == {
        "p2.smartlabs.groups": "about",
        "p2.smartlabs.interested": "more_than",
        "p2.smartlabs.regular": None,
        "p2.smartlabs.meeting_hours": "more_than",
    }
