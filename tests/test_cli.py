"""The `annex` command and its configuration: what it prints, and how it stops."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipelines import cli
from pipelines.lib.config import Settings


@pytest.fixture
def published(sample_build: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The sample publication as $ANNEX_WAREHOUSE_DIR (read only)."""
    monkeypatch.setenv("ANNEX_WAREHOUSE_DIR", str(sample_build.warehouse_dir))
    return sample_build


def test_figures_prints_the_year_asked(published, capsys):
    assert cli.main(["figures", "--year", "2024"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Figures for 2024:"
    rows = {line.split()[0]: line.split()[1] for line in lines[1:]}
    assert rows["p1.members_end"] == "41.702"  # Dutch thousands separator, as in the annex
    assert rows["p2.ga_voters"] == "841"
    assert cli.main(["figures", "--year", "2024", "--lang", "fr"]) == 0
    assert "Coopérateurs" in capsys.readouterr().out


def test_figures_of_a_year_not_published_names_the_years_that_are(published, capsys):
    assert cli.main(["figures", "--year", "1999"]) == 1
    assert "no figures published for 1999 (years published: 2016-2024)" in capsys.readouterr().err


def test_figures_into_a_pipe_closed_early_ends_quietly(published):
    # a reader that has already left, as `annex figures | head -0` does
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "figures", "--year", "2024"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(write_end)
    errors = done.stderr.decode()
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors
    assert done.returncode == 1


def test_build_with_no_exports_says_where_it_looked_and_what_to_do(settings, capsys):
    # none of these is an export: a README, Finder's litter, Excel's lock file of an open
    # workbook, a folder's version control
    (settings.raw_dir / "README.md").write_text("drop the exports here\n")
    (settings.raw_dir / ".DS_Store").write_bytes(b"\0")
    (settings.raw_dir / "register").mkdir(exist_ok=True)
    (settings.raw_dir / "register" / "~$cooperators_2024-12-31.xlsx").write_bytes(b"\0")
    (settings.raw_dir / ".git").mkdir()
    (settings.raw_dir / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert cli.main(["build"]) == 1
    said = capsys.readouterr().err
    assert f"no exports in {settings.raw_dir}" in said
    assert "annex build --sample" in said
    assert not settings.warehouse_dir.exists()  # stopped before any build started


def test_configured_folders_may_start_with_a_tilde(tmp_path, monkeypatch):
    """A path quoted in a crontab or a .env file reaches us with its `~` unexpanded."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ANNEX_RAW_DIR", "~/exports")
    monkeypatch.setenv("ANNEX_WAREHOUSE_DIR", "~/annex")
    monkeypatch.setenv("ANNEX_PSEUDONYM_KEY", "~/secret/pseudonym.key")
    settings = Settings.from_env()
    assert settings.raw_dir == tmp_path / "exports"
    assert settings.warehouse_dir == tmp_path / "annex"
    assert settings.pseudonym_key_path == tmp_path / "secret" / "pseudonym.key"


def test_sample_data_never_writes_over_real_exports(tmp_path, capsys):
    out = tmp_path / "raw"
    real = out / "register" / "cooperators_20241231.csv"
    real.parent.mkdir(parents=True)
    real.write_text("member_number,last_name\n1,Peeters\n")
    assert cli.main(["sample-data", "--out", str(out)]) == 1
    said = capsys.readouterr().err
    assert (
        f"{out} holds exports that are not the sample's (register/cooperators_20241231.csv)" in said
    )
    assert "--force" in said
    assert real.read_text() == "member_number,last_name\n1,Peeters\n"
    assert list(out.rglob("*")) == [real.parent, real]  # nothing written


def test_sample_data_writes_again_over_its_own_files_only(tmp_path, capsys):
    from pipelines.lib.rawfiles import foreign_files

    out = tmp_path / "raw"
    assert cli.main(["sample-data", "--out", str(out)]) == 0
    assert foreign_files(out) == []
    assert cli.main(["sample-data", "--out", str(out)]) == 0  # the sample over itself
    # the steward puts a real vote file in place of the sample's, under the same name
    votes = sorted((out / "assembly").glob("ga_*.csv"))[-1]
    votes.write_text("member_number,channel\n1,online\n")
    capsys.readouterr()
    assert cli.main(["sample-data", "--out", str(out)]) == 1
    assert f"(assembly/{votes.name})" in capsys.readouterr().err
    assert votes.read_text() == "member_number,channel\n1,online\n"
    assert cli.main(["sample-data", "--out", str(out), "--force"]) == 0
    assert votes.read_text() != "member_number,channel\n1,online\n"
    assert foreign_files(out) == []


def test_a_sample_written_again_leaves_nothing_of_the_earlier_one(tmp_path):
    import json

    from pipelines.lib.rawfiles import SAMPLE_MARKER
    from pipelines.sample import write_sample

    out = tmp_path / "raw"
    write_sample(out)
    # an earlier version of the sample wrote a file this one does not
    old = out / "assembly" / "ga_2015-06-16.csv"
    old.write_text("member_number,channel\n1,online\n")
    marker = json.loads((out / SAMPLE_MARKER).read_text())
    stat = old.stat()
    marker["files"]["assembly/ga_2015-06-16.csv"] = [stat.st_size, stat.st_mtime_ns]
    (out / SAMPLE_MARKER).write_text(json.dumps(marker))
    kept = out / "assembly" / "notes.txt"  # not the sample's: never removed
    kept.write_text("kept\n")
    write_sample(out)
    assert not old.exists() and kept.exists()


def test_version_names_the_project_and_duckdb(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("annex (coop-annex) ") and "duckdb " in printed


def test_build_summary_names_checks_quarantine_figures_and_where_everything_is(published, capsys):
    from pipelines.lib.build import BuildOutcome

    outcome = BuildOutcome(
        published=True,
        seconds=4.2,
        passed_checks=["a", "b"],
        register_shape="odoo",
        register_files="register/odoo/subscription_register.csv",
    )
    cli.print_summary(published, outcome)
    lines = capsys.readouterr().out.splitlines()
    assert (
        "Register read from Odoo's own export (register/odoo/): "
        "register/odoo/subscription_register.csv" in lines
    )
    listing = published.outputs_dir / "quality" / "quarantine.csv"
    assert "Checks: 2 of 2 passed" in lines
    assert f"Quarantined rows: 117 (each row: {listing})" in lines
    assert "      13  duplicate_vote       assembly/ga_2024-06-18.csv" in lines
    assert any(line.split()[:2] == ["p1.members_end", "41.702"] for line in lines)
    assert f"Published: {published.publication_path}" in lines
    assert f"Outputs:   {published.outputs_dir}" in lines
    assert lines[-1].startswith("Build took 4.2 s (")


def test_real_exports_dropped_beside_the_sample_are_warned_about(tmp_path):
    from pipelines.lib.rawfiles import sample_mix
    from pipelines.sample import write_sample

    out = tmp_path / "raw"
    write_sample(out)
    assert sample_mix(out) is None  # the sample alone
    real = out / "register" / "cooperators_20251231.csv"
    real.write_text("cooperator_register_number\n1\n")
    said = sample_mix(out)
    assert said is not None and said.startswith("the raw folder mixes ")
    assert (
        "with 1 file that is not the sample's as it wrote it (register/cooperators_20251231.csv)"
        in said
    )
    for path in (p for p in out.rglob("*") if p.is_file() and p != real):
        path.unlink()  # the sample removed: real exports alone
    assert sample_mix(out) is None


def test_rebuild_all_asks_the_build_to_keep_nothing(settings, monkeypatch, capsys):
    """`--rebuild-all` is the one switch that makes everything again (it was `--reread`)."""
    from pipelines.lib import build as build_lib
    from pipelines.lib.warehouse import BuildLockedError

    (settings.raw_dir / "register").mkdir()
    (settings.raw_dir / "register" / "cooperators.csv").write_text("cooperator_register_number\n")
    asked: list[bool] = []

    def run_build(_settings, *, rebuild_all: bool = False):
        asked.append(rebuild_all)
        raise BuildLockedError("held by a test")  # stops before any build

    monkeypatch.setattr(build_lib, "run_build", run_build)
    assert cli.main(["build"]) == 75
    assert cli.main(["build", "--rebuild-all"]) == 75
    assert asked == [False, True]
    with pytest.raises(SystemExit):
        cli.main(["build", "--reread"])
    capsys.readouterr()
