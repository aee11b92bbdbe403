"""The one seed of Dutch and French words, the seeds the models read, and the one small-cell
threshold: each written once and read by everything that needs it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import notebook as nb
from pipelines.lib import labels, reuse
from pipelines.lib.config import PROJECT_ROOT, SQL_DIR
from pipelines.lib.outputs import charts, formatting, tables
from pipelines.lib.outputs import labels as output_labels
from pipelines.lib.sqlfiles import SqlModel, query_reads


def test_every_label_has_one_key_and_both_languages():
    with labels.LABELS_CSV.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    keys = [row["key"] for row in rows]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert all(row["nl"].strip() and row["fr"].strip() for row in rows)
    assert len(labels.all_labels()) == len(rows)


def test_charts_tables_and_notebooks_read_the_same_words():
    seed = labels.all_labels()
    assert charts.t("flow_title", "fr", year=2024) == "Flux de coopérateurs 2024"
    assert output_labels.EXIT_REASONS["death"] == seed["reason.death"] == nb.LABELS["reason.death"]
    assert tables.SECTIONS["annex.general_assemblies"] == (
        "AV - AG",
        "Algemene vergaderingen",
        "Assemblées générales",
    )
    assert formatting.NOT_PUBLISHED == {"nl": "niet gepubliceerd", "fr": "non publié"}
    assert formatting.QUALIFIER_PREFIX["about"] == {"nl": "ongeveer ", "fr": "environ "}
    assert formatting.listing([2021, 2023, 2024], "fr") == "2021, 2023 et 2024"


def test_the_notebooks_withhold_what_the_sql_macro_withholds():
    assert nb.MIN_CELL == 10
    counts = pd.DataFrame({"voters": [None, 9, 10, 11]})
    masked = nb.mask_small_groups(counts.assign(mean=1.0), "voters", ["mean"])
    assert masked["suppressed"].tolist() == [True, True, False, False]
    # a breakdown with one small cell also withholds its smallest other cell, as the SQL does
    channels = pd.DataFrame({"ga": [1, 1, 1, 2, 2], "voters": [4, 30, 12, 40, 50]})
    out = nb.suppress_small(channels, "voters", by="ga")
    assert out["suppressed"].tolist() == [True, False, True, False, False]
    assert out["voters"].isna().tolist() == [True, False, True, False, False]


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the figure catalogue's seed, where the versions look for seeds."""
    seed = tmp_path / "sql" / "seeds" / "figure_catalog.csv"
    seed.parent.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "sql" / "seeds" / "figure_catalog.csv", seed)
    monkeypatch.setattr(reuse, "PROJECT_ROOT", tmp_path)
    return seed


def test_a_seed_is_part_of_what_its_model_is_made_from(project_copy: Path):
    model = SqlModel(SQL_DIR / "annex" / "figure_catalog.sql")
    assert reuse.is_deterministic(model.query)  # kept while its seed is unchanged
    assert query_reads(model.query).seeds == ("sql/seeds/figure_catalog.csv",)
    assert not reuse.is_deterministic("select * from read_csv('raw/x.csv')")
    with duckdb.connect() as con:
        before = reuse.model_fingerprint(con, model)
        assert before is not None and reuse.model_fingerprint(con, model) == before
        project_copy.write_text(project_copy.read_text() + "p9.extra,9,count,a,b,c,d,e,f\n")
        assert reuse.model_fingerprint(con, model) not in (None, before)
