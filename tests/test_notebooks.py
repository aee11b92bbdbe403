"""The analyst's notebooks: stored as percent scripts, executed on the sample warehouse, harmless
to the nightly build.

- notebooks/ holds `.py` percent scripts only (no `.ipynb`, so no outputs are ever committed);
  each parses with jupytext, round-trips unchanged and opens with a markdown title;
- every notebook runs top to bottom, in its own kernel, against the warehouse the session fixture
  built from the sample data (the kernels run side by side to keep this quick);
- a kernel that holds the publication open never makes `annex build` fail and keeps reading
  the data it opened; a kernel that reads through the helper sees the new publication on its
  next query.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from pipelines import notebook as nb
from pipelines.lib.config import PROJECT_ROOT, Settings
from pipelines.lib.warehouse import read_publication

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.py"))
# Notebooks that skip their charts, saying NOT_PUBLISHED, when a section table is absent (a
# publication from before the section existed); they must not say it of a table that is there.
SECTION_TABLES = {
    "survey": (
        "annex.survey_responses",
        "annex.survey_distribution",
        "annex.survey_satisfaction",
    ),
    "training": ("annex.staff_training", "annex.member_courses"),
}
CELL_TIMEOUT_SECONDS = 180


def test_the_issue_notebooks_are_there():
    names = {path.stem for path in NOTEBOOKS}
    assert {"membership", "general_assemblies", "survey", "training", "data_quality"} <= names


# --- storage: percent scripts only --------------------------------------------------------------


def _candidate_files() -> list[str]:
    """Files under notebooks/ that are committed or would be by `git add` (not ignored)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "notebooks"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        listed = [
            str(path.relative_to(PROJECT_ROOT))
            for path in NOTEBOOKS_DIR.rglob("*")
            if ".ipynb_checkpoints" not in path.parts
        ]
    return listed


def test_no_ipynb_under_notebooks():
    ipynb = [name for name in _candidate_files() if name.endswith(".ipynb")]
    assert not ipynb, (
        f"{ipynb}: notebooks are stored as jupytext percent scripts (notebooks/*.py), never as "
        ".ipynb (outputs would be committed); convert with `uv run jupytext --to py:percent` "
        "and delete the .ipynb"
    )


JUPYTEXT_CONFIG = jupytext.config.load_jupytext_configuration_file(
    str(NOTEBOOKS_DIR / "jupytext.toml")
)
# The one header a notebook carries: the kernel that `jupytext --execute` and JupyterLab start.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def test_jupytext_config_keeps_notebooks_as_percent_scripts():
    assert JUPYTEXT_CONFIG.formats in ("py:percent", ["py:percent"])
    assert JUPYTEXT_CONFIG.notebook_metadata_filter == "kernelspec,-all"
    assert JUPYTEXT_CONFIG.cell_metadata_filter == "-all"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_a_clean_percent_script(path: Path):
    text = path.read_text(encoding="utf-8")
    notebook = jupytext.reads(text, fmt="py:percent")
    assert notebook.metadata.get("kernelspec") == KERNELSPEC, (
        f"{path.name}: its header must name the project's kernel (python3); add it with "
        f"`uv run jupytext --set-kernel python3 notebooks/{path.name}`"
    )
    assert notebook.cells, f"{path.name}: no cells"
    title = notebook.cells[0]
    assert title.cell_type == "markdown" and title.source.startswith("# "), (
        f"{path.name}: the first cell must be a markdown cell opening with a `# Title`"
    )
    assert any(cell.cell_type == "code" for cell in notebook.cells), f"{path.name}: no code"
    assert jupytext.writes(notebook, fmt="py:percent", config=JUPYTEXT_CONFIG) == text, (
        f"{path.name}: not in canonical percent format (jupytext metadata or cell metadata "
        f"crept in?); rewrite it with `uv run jupytext --to py:percent notebooks/{path.name}`"
    )


def test_docs_describe_every_notebook():
    docs = (PROJECT_ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    undocumented = [path.name for path in NOTEBOOKS if path.name not in docs]
    assert not undocumented, f"docs/notebooks.md does not mention {undocumented}"


# --- execution on the sample warehouse ----------------------------------------------------------


@dataclass
class Execution:
    notebook: nbformat.NotebookNode
    error: str | None

    def outputs(self) -> list[nbformat.NotebookNode]:
        return [out for cell in self.notebook.cells for out in cell.get("outputs", [])]

    def text(self) -> str:
        return "\n".join(out.get("text", "") for out in self.outputs() if "text" in out)

    def charts(self) -> int:
        return sum(
            "application/vnd.plotly.v1+json" in out.get("data", {}) for out in self.outputs()
        )


async def _execute(path: Path, env: dict[str, str]) -> Execution:
    notebook = jupytext.read(path)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    try:
        await client.async_execute(env=env)
    except CellExecutionError as error:
        return Execution(notebook, str(error))
    return Execution(notebook, None)


@pytest.fixture(scope="module")
def executed(sample_build: Settings) -> dict[str, Execution]:
    """Every notebook executed against the sample warehouse, one kernel each, side by side."""
    env = {
        **os.environ,
        "ANNEX_WAREHOUSE_DIR": str(sample_build.warehouse_dir),
        "ANNEX_RAW_DIR": str(sample_build.raw_dir),
        "ANNEX_PSEUDONYM_KEY": str(sample_build.pseudonym_key_path),
        # what JupyterLab renders; spares each output an inline copy of plotly.js
        "PLOTLY_RENDERER": "plotly_mimetype",
    }

    async def run_all() -> list[Execution]:
        return await asyncio.gather(*(_execute(path, env) for path in NOTEBOOKS))

    return dict(zip((path.stem for path in NOTEBOOKS), asyncio.run(run_all()), strict=True))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_on_the_sample_warehouse(
    path: Path, executed: dict[str, Execution], sample_build: Settings
):
    execution = executed[path.stem]
    assert execution.error is None, f"{path.name} failed:\n{execution.error}"
    text = execution.text()
    with read_publication(sample_build) as con:
        published = {
            f"{schema}.{table}"
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        }
    for table in SECTION_TABLES.get(path.stem, ()):
        if table in published:
            assert f"{table}: {nb.NOT_PUBLISHED}" not in text, (
                f"{path.name} says {table} is not published, but it is"
            )
    if nb.NOT_PUBLISHED in text:
        assert path.stem in SECTION_TABLES, f"{path.name} found a table missing:\n{text}"
    else:
        assert execution.charts() > 0, f"{path.name} drew no chart"


# --- the helper -----------------------------------------------------------------------------------


def test_query_reads_the_publication_named_by_the_environment(
    sample_build: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ANNEX_WAREHOUSE_DIR", str(sample_build.warehouse_dir))
    assert nb.publication_path() == sample_build.publication_path
    years = nb.query("select distinct year from annex.figures where year >= ? order by 1", [0])
    assert len(years) > 0
    assert nb.table_exists("annex.figures") and not nb.table_exists("annex.no_such_table")
    assert nb.read_table("annex.no_such_table") is None
    assert set(nb.figures(prefix="p1.")["figure_id"].str.slice(0, 3)) == {"p1."}


def test_query_leaves_no_connection_open(
    sample_build: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    shutil.copy(sample_build.publication_path, warehouse / "coop.duckdb")
    monkeypatch.setenv("ANNEX_WAREHOUSE_DIR", str(warehouse))
    nb.query("from annex.figures limit 1")
    # a read-write open in this process fails while any other connection to the file is alive
    duckdb.connect(str(warehouse / "coop.duckdb")).close()


def test_suppress_small_blanks_small_cells_and_one_more():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "assembly": [1, 1, 1, 2, 2, 2],
            "channel": ["onsite", "online", "proxy"] * 2,
            "voters": [40, 25, 4, 50, 12, 30],
        }
    )
    frame["share"] = frame["voters"] / frame.groupby("assembly")["voters"].transform("sum")
    out = nb.suppress_small(frame, "voters", by="assembly", others=["share"])
    assert out["suppressed"].tolist() == [False, True, True, False, False, False]
    assert (
        out["voters"].isna().tolist() == out["share"].isna().tolist() == out["suppressed"].tolist()
    )
    survey = pd.DataFrame({"theme": ["a", "b"], "responses": [9, 10], "mean": [3.0, 2.0]})
    masked = nb.mask_small_groups(survey, "responses", ["mean"])
    assert masked["mean"].isna().tolist() == [True, False]


# --- a kernel holding the publication does not disturb the build ---------------------------------

MEMBERS = "select count(*) as n from core.members"
# A notebook kernel: counts the published members, waits for a line on stdin (the build runs
# then) and counts them again. `helper` queries through pipelines.notebook only; `held` keeps its
# own read-only connection open all along, as a careless notebook would.
KERNEL = textwrap.dedent(
    f"""
    import sys
    import duckdb
    from pipelines import notebook as nb

    MEMBERS = {MEMBERS!r}
    if sys.argv[1] == "held":
        con = duckdb.connect(str(nb.publication_path()), read_only=True)
        read = lambda: con.execute(MEMBERS).fetchone()[0]
    else:
        read = lambda: nb.query(MEMBERS)["n"].iloc[0]
    print(read(), flush=True)
    sys.stdin.readline()
    print(read(), flush=True)
    """
)


def test_a_kernel_holding_the_publication_does_not_break_the_build(
    sample_build: Settings, settings: Settings
):
    """Two kernels (other processes) and this process read the publication while it is rebuilt.

    `settings` is this test's own raw folder and warehouse (the session's is shared): the sample
    publication is copied there, then a build of a 12-member register replaces it.
    """
    from pipelines.lib.build import run_build
    from tests.builders import Register

    settings.warehouse_dir.mkdir(parents=True)
    shutil.copy(sample_build.publication_path, settings.publication_path)
    with read_publication(settings) as con:
        old = con.execute(MEMBERS).fetchone()[0]
    register = Register()
    for number in range(1, 13):
        register.member(number)
        register.subscribe("2024-02-01", number)
    register.write(settings.raw_dir)
    assert old != 12

    kernels = {
        mode: subprocess.Popen(
            [sys.executable, "-c", KERNEL, mode],
            cwd=PROJECT_ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for mode in ("helper", "held")
    }
    try:
        before = {mode: kernel.stdout.readline().strip() for mode, kernel in kernels.items()}
        with read_publication(settings) as in_process:
            # up to the publication: the outputs step after it only reads the publication
            outcome = run_build(settings, progress=lambda line: None, outputs=False)
            assert outcome.published, (outcome.errors, outcome.failed_checks)
            assert in_process.execute(MEMBERS).fetchone()[0] == old
        after = {}
        for mode, kernel in kernels.items():
            out, err = kernel.communicate("go\n", timeout=120)
            assert kernel.returncode == 0, err
            after[mode] = out.strip()
    finally:
        for kernel in kernels.values():
            if kernel.poll() is None:
                kernel.kill()
    assert before == {"helper": str(old), "held": str(old)}
    assert after["held"] == str(old), "a connection held through the build keeps its data"
    assert after["helper"] == "12", "the helper's next query reads the new publication"
    with read_publication(settings) as con:
        assert con.execute(MEMBERS).fetchone()[0] == 12
