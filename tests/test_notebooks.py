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

import os
import re
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


# --- execution on the sample warehouse, through the analyst's command ----------------------------

PLOTLY_MIME = "application/vnd.plotly.v1+json"
QUESTION_CODE = re.compile(r"\b[A-Z]+\[SQ\d+\]")
ANSWER_CODE = re.compile(r"^A[1-6]$")


@dataclass
class Execution:
    notebook: nbformat.NotebookNode
    html: str

    def outputs(self) -> list[nbformat.NotebookNode]:
        return [out for cell in self.notebook.cells for out in cell.get("outputs", [])]

    def text(self) -> str:
        return "\n".join(out.get("text", "") for out in self.outputs() if "text" in out)

    def figures(self) -> list[dict]:
        return [
            out["data"][PLOTLY_MIME] for out in self.outputs() if PLOTLY_MIME in out.get("data", {})
        ]

    def charts(self) -> int:
        return len(self.figures())


def _strings(value: object) -> list[str]:
    """Every string in a chart's JSON (trace names, categories, titles, hover texts)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _sample_env(sample_build: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ANNEX_WAREHOUSE_DIR": str(sample_build.warehouse_dir),
        "ANNEX_RAW_DIR": str(sample_build.raw_dir),
        "ANNEX_PSEUDONYM_KEY": str(sample_build.pseudonym_key_path),
        **extra,
    }


@pytest.fixture(scope="module")
def executed(
    sample_build: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Execution]:
    """Every notebook executed against the sample warehouse and exported to HTML by the command
    docs/notebooks.md gives the analyst (`annex notebooks --html DIR`), which runs
    `jupytext --to ipynb --execute` as is (the kernel named by the notebook) and nbconvert."""
    out = tmp_path_factory.mktemp("exported")
    env = _sample_env(sample_build)
    env.pop("ANNEX_LANG", None)
    env.pop("PLOTLY_RENDERER", None)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "annex"), "notebooks", "--html", str(out)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CELL_TIMEOUT_SECONDS * len(NOTEBOOKS),
    )
    assert done.returncode == 0, done.stderr
    return {
        path.stem: Execution(
            nbformat.read(out / f"{path.stem}.nl.ipynb", as_version=4),
            (out / f"{path.stem}.nl.html").read_text(encoding="utf-8"),
        )
        for path in NOTEBOOKS
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_on_the_sample_warehouse(
    path: Path, executed: dict[str, Execution], sample_build: Settings
):
    execution = executed[path.stem]
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_exported_html_keeps_every_chart(path: Path, executed: dict[str, Execution]):
    execution = executed[path.stem]
    assert execution.html.count("Plotly.newPlot(") == execution.charts() > 0, (
        f"{path.name}: the HTML export draws {execution.html.count('Plotly.newPlot(')} of its "
        f"{execution.charts()} charts"
    )
    # plotly.js itself, embedded once (no network needed to open the mailed file)
    assert execution.html.count("* plotly.js v") == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_charts_use_the_project_theme_and_dutch(path: Path, executed: dict[str, Execution]):
    from pipelines.lib.outputs.charts import COLORS, FONT

    for figure in executed[path.stem].figures():
        layout = figure["layout"]
        assert layout["template"]["layout"]["font"]["family"] == FONT
        assert layout["template"]["layout"]["colorway"][0] == COLORS["bar"]
        assert layout["template"]["layout"]["separators"] == ",."  # 1.234,5
        title = layout["title"]["text"]
        assert title in {text["nl"] for text in nb.LABELS.values()} or title.startswith(
            ("Antwoorden per vraag, bevraging van ", "Gemiddelde tevredenheid per groep")
        ), f"{path.name}: chart title {title!r} is not one of the Dutch texts"


def test_survey_charts_name_questions_and_answers_by_the_codebook(
    executed: dict[str, Execution], sample_build: Settings
):
    execution = executed["survey"]
    strings = [text for figure in execution.figures() for text in _strings(figure["data"])]
    strings += [text for figure in execution.figures() for text in _strings(figure["layout"])]
    codes = sorted(
        {text for text in strings if ANSWER_CODE.match(text) or QUESTION_CODE.search(text)}
    )
    assert not codes, f"answer or question codes in the survey's charts: {codes}"
    with read_publication(sample_build) as con:
        questions = [
            row[0]
            for row in con.execute(
                "select distinct text_nl from annex.survey_distribution "
                "where question_type = 'likert5'"
            ).fetchall()
        ]
    assert questions and all(question in strings for question in questions)
    assert {"Zeer ontevreden", "Zeer tevreden", "Weet niet of niet van toepassing"} <= set(strings)
    # the single-choice answers as the codebook's question lists them
    assert {"werknemer", "zelfstandige", "Hoe werkt u via Smart?"} <= set(strings)
    assert "Zeer tevreden" in execution.html and not QUESTION_CODE.search(execution.html)
    printed = execution.text()
    assert not QUESTION_CODE.search(printed), printed


def test_data_quality_counts_the_quarantine_as_the_build_summary(
    executed: dict[str, Execution], sample_build: Settings
):
    with read_publication(sample_build) as con:
        total = con.execute("select count(*) from quality.quarantine").fetchone()[0]
        on_reading = con.execute(
            "select sum(rows_quarantined) from quality.ingest_files"
        ).fetchone()[0]
    assert total > on_reading > 0  # the sample quarantines rows both on reading and afterwards
    text = executed["data_quality"].text()
    assert (
        f"{total} rows quarantined (as the build's summary counts them): {on_reading} on reading"
        in text
    ), text
    assert f"and {total - on_reading} afterwards" in text


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


# --- the analyst's language, and the codebook's texts ------------------------------------------


def test_every_label_has_dutch_and_french():
    incomplete = [key for key, text in nb.LABELS.items() if set(text) != {"nl", "fr"}]
    assert not incomplete and all(all(text.values()) for text in nb.LABELS.values())


def test_charts_speak_french_when_the_analyst_asks(monkeypatch: pytest.MonkeyPatch):
    import pandas as pd

    monkeypatch.setenv("ANNEX_LANG", "fr")
    assert nb.labels()["year"] == "Année"
    assert nb.translate(pd.Series(["resignation", "mystery", None]), "reason").tolist()[:2] == [
        "Démission",
        "mystery",
    ]
    assert nb.survey_name("2024-03_arbeidsomstandigheden") == "enquête de mars 2024"
    distribution = pd.DataFrame(
        {
            "question_column": ["WC[SQ001]", "STATUS", "STATUS"],
            "question_type": ["likert5", "single", "single"],
            "text_nl": ["Hoe tevreden?", "Hoe werkt u? (A1 werknemer, A2 zelfstandige)"]
            + ["Hoe werkt u? (A1 werknemer, A2 zelfstandige)"],
            "text_fr": ["Satisfait·e ?", "Comment ? (A1 salarié·e, A2 indépendant·e)"]
            + ["Comment ? (A1 salarié·e, A2 indépendant·e)"],
            "answer_code": ["A6", "A2", "A9"],
        }
    )
    texts = nb.survey_texts(distribution)
    assert texts["question"].tolist() == ["Satisfait·e ?", "Comment ?", "Comment ?"]
    assert texts["answer"].tolist() == ["Ne sait pas ou sans objet", "indépendant·e", "A9"]
    groups = nb.group_texts(
        pd.DataFrame(
            {
                "theme": ["overall", "working_conditions", "overall"],
                "breakdown": ["STATUS", "language", "STATUS"],
                "group_value": ["A1", "nl", "(no answer)"],
            }
        ),
        distribution,
    )
    # the words of the published tables (sql/seeds/labels.csv), the notebooks' too
    assert groups["breakdown_text"].tolist() == ["Comment ?", "langue", "Comment ?"]
    assert groups["group"].tolist() == ["salarié·e", "néerlandophone", "sans réponse"]
    assert groups["theme"].tolist() == [
        "tous les thèmes",
        "conditions de travail",
        "tous les thèmes",
    ]


def test_the_project_theme_follows_the_language(monkeypatch: pytest.MonkeyPatch):
    import plotly.io as pio

    monkeypatch.delenv("PLOTLY_RENDERER", raising=False)
    renderer, template = pio.renderers.default, pio.templates.default
    try:
        monkeypatch.setenv("ANNEX_LANG", "fr")
        nb.use_project_charts()
        assert pio.templates.default == f"plotly_white+{nb.TEMPLATE}"
        assert pio.templates[nb.TEMPLATE].layout.separators == ",\u202f"  # 1 234,5
        # the HTML renderer beside JupyterLab's mimetype: what an HTML export keeps
        assert pio.renderers.default == nb.RENDERER == "plotly_mimetype+notebook"
    finally:
        pio.renderers.default, pio.templates.default = renderer, template


def test_an_unknown_language_is_named_with_what_to_set(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANNEX_LANG", "de")
    with pytest.raises(ValueError, match="ANNEX_LANG='de'.*set ANNEX_LANG=nl or ANNEX_LANG=fr"):
        nb.t("col.year")


def test_annex_notebooks_names_an_unknown_notebook(capsys: pytest.CaptureFixture[str], tmp_path):
    from pipelines.cli import main

    assert main(["notebooks", "--html", str(tmp_path), "budget"]) == 2
    err = capsys.readouterr().err
    assert "budget: no such notebook" in err and "survey" in err
    assert not list(tmp_path.iterdir())


# --- JupyterLab as `annex notebooks` starts it ---------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_annex_notebooks_starts_jupyterlab_that_opens_notebooks_with_a_double_click(
    sample_build: Settings, tmp_path: Path
):
    """The server `annex notebooks` starts (not the test's own settings): its settings API says
    a double click opens a .py with jupytext's notebook viewer, the contents API serves
    notebooks/survey.py as a notebook naming the python3 kernel, and that kernel is this
    environment's Python. SIGTERM stops it."""
    import json
    import signal
    import time
    import urllib.request

    port, token = _free_port(), "annex-test"
    # a home of its own: the analyst's own JupyterLab settings are not the ones tested
    env = _sample_env(sample_build, HOME=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"))
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "data")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "annex"),
            "notebooks",
            "--port",
            str(port),
            "--jupyter-option=--no-browser",
            "--jupyter-option=--allow-root",
            f"--jupyter-option=--IdentityProvider.token={token}",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def get(path: str) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"token {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get("/api/status")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "JupyterLab did not start within 120 s"
                time.sleep(1)
        viewer = get("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        assert viewer["schema"]["properties"]["defaultViewers"]["default"] == {
            "python": "Jupytext Notebook"
        }
        survey = get("/api/contents/survey.py?content=1")
        assert survey["type"] == "notebook"
        assert survey["content"]["metadata"]["kernelspec"]["name"] == "python3"
        kernels = get("/api/kernelspecs")["kernelspecs"]
        assert kernels["python3"]["spec"]["language"] == "python"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            raise


def test_every_quarantine_reason_a_reader_gives_has_words_in_the_notebooks():
    """A reason code (`outside_scale`) never shows as a code in a notebook's chart."""
    import ast
    from pathlib import Path

    from pipelines.notebook import LABELS

    reasons = {
        node.args[2].value
        for path in Path("pipelines/lib/sources").glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "RowRule"
        and len(node.args) == 3
        and isinstance(node.args[2], ast.Constant)
    }
    assert {"not_positive", "unknown_training", "outside_scale"} <= reasons  # the scan sees them
    missing = sorted(r for r in reasons if f"reason.{r}" not in LABELS)
    assert not missing, missing
