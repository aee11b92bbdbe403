"""The notebooks' one way into the published warehouse, and the publication rules they apply.

Every call opens a fresh read-only connection to `$ANNEX_WAREHOUSE_DIR/coop.duckdb` (through
`read_publication`), reads what it needs into a pandas DataFrame and closes the connection: a
notebook left open for days never holds the file, never blocks the nightly build, and sees the
newest publication on its next query.

    from pipelines import notebook as nb
    flows = nb.query("from annex.membership_flows order by year")
    nb.figures(2024, prefix="p1.")

Charts speak the analyst's language (`ANNEX_LANG`: `nl`, the default, or `fr`) and share one
look: `use_project_charts()` registers the project's plotly template and a renderer that keeps
the charts in an HTML export; `t`, `labels` and `translate` give the texts, `survey_texts` the
codebook's question and answer texts. Every text of a chart is in `LABELS`: the project's one
labels seed (sql/seeds/labels.csv), which the annex's own charts and tables read too.

The publication rules of the annex apply to what the notebooks show as well, through the same
SQL macro (sql/macros/suppress_small.sql):
- `suppress_small` blanks the cells of a breakdown that cover fewer than `MIN_CELL` people, and
  the next-smallest cell of the same group when a single suppressed cell could be recomputed
  from the group's (published) total;
- `mask_small_groups` blanks every statistic of a group of fewer than `MIN_CELL` responses.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.lib.config import PROJECT_ROOT, Settings
from pipelines.lib.labels import all_labels, words
from pipelines.lib.sqlfiles import load_macros
from pipelines.lib.warehouse import read_publication

NOT_PUBLISHED = "table not yet published"

Params = Sequence[object] | Mapping[str, object] | None

LANG_VAR = "ANNEX_LANG"
NOTEBOOK_LANGS = ("nl", "fr")
TEMPLATE = "coop_annex"
# plotly's own in a kernel is the mimetype alone, which JupyterLab draws but an HTML export
# drops; `notebook` adds an HTML copy of each chart and embeds plotly.js once (works offline).
RENDERER = "plotly_mimetype+notebook"
LIKERT_CODES = ("A1", "A2", "A3", "A4", "A5", "A6")
# The single-choice answers as the codebook lists them in the question: "... (A1 x, A2 y)".
OPTIONS = re.compile(r"\s*\((A\d+\s[^()]*)\)\s*$")
OPTION = re.compile(r"(A\d+)\s+(.+)")

# Every text the notebooks' charts show, in Dutch and French, from the labels seed that the annex's
# charts, tables and draft read too (sql/seeds/labels.csv): column names (`col.`), chart titles
# (`title.`) and the values of coded columns (`<column>.<value>`).
LABELS: dict[str, dict[str, str]] = all_labels()
MONTHS: dict[str, list[str]] = {
    lang: [texts[lang] for texts in words("month").values()] for lang in NOTEBOOK_LANGS
}


def publication_path() -> Path:
    """The published warehouse the notebooks read (honours ANNEX_WAREHOUSE_DIR)."""
    return Settings.from_env().publication_path


def query(sql: str, params: Params = None) -> pd.DataFrame:
    """Run one query on the publication, through a read-only connection closed on return.

    `params` are DuckDB parameters: a list for `?` placeholders or a dict for `$name` ones.
    """
    with read_publication(Settings.from_env()) as con:
        return con.execute(sql, params).df()


def published_tables(schema: str | None = None) -> pd.DataFrame:
    """Every published table (optionally of one schema), its size and its description."""
    return query(
        "select schema_name as schema, table_name as table, estimated_size as rows, "
        "comment as description from duckdb_tables() "
        "where $schema is null or schema_name = $schema order by all",
        {"schema": schema},
    )


def table_exists(table: str) -> bool:
    """True when `schema.table` is in the publication."""
    schema, _, name = table.partition(".")
    found = query(
        "select count(*) as n from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, name],
    )
    return bool(found["n"].iloc[0])


def columns(table: str) -> pd.DataFrame:
    """The columns of a published `schema.table`, their types and their documentation."""
    schema, _, name = table.partition(".")
    return query(
        "select column_name as column, data_type as type, comment as description "
        "from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    )


def read_table(table: str, *, order_by: str | None = None) -> pd.DataFrame | None:
    """The whole of a published `schema.table`; None, with a printed notice, when it is absent.

    Sections still being built are not in every publication: a notebook reads them with this
    and skips the charts that need them, rather than failing.
    """
    if not table_exists(table):
        print(f"{table}: {NOT_PUBLISHED} (rebuild with `annex build` once it exists).")
        return None
    order = f" order by {order_by}" if order_by else ""
    return query(f"from {table}{order}")


def figures(year: int | None = None, prefix: str | None = None) -> pd.DataFrame:
    """The published figures (annex.figures), optionally of one year and/or an id prefix."""
    return query(
        "select year, figure_id, value, value_text, qualifier, unit, label_nl, label_fr, "
        "source, note from annex.figures "
        "where ($year is null or year = $year) "
        "and ($prefix is null or starts_with(figure_id, $prefix)) "
        "order by year, figure_id",
        {"year": year, "prefix": prefix},
    )


def _withheld(frame: pd.DataFrame, count: str, keys: list[str]) -> pd.Series:
    """Which cells the annex's small-cell rule withholds: the `suppress_small` macro of
    sql/macros run on the frame's cells, each breakdown (`keys`) a group."""
    cells = pd.DataFrame(
        {
            "n": pd.to_numeric(frame[count], errors="coerce").astype("float64").to_numpy(),
            "cell_group": (
                frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
                if keys
                else range(len(frame))
            ),
            "position": range(len(frame)),
        }
    )
    with duckdb.connect() as con:
        load_macros(con)
        con.register("cells", cells)
        found = con.execute(
            "select suppress_small(n, false, cell_group, (coalesce(n, 0), position)) is not null "
            "from cells order by position"
        ).fetchall()
    return pd.Series([row[0] for row in found], index=frame.index, dtype=bool)


def small_cell_limit() -> int:
    """The smallest number of people (or responses) a published cell may cover (the macro's)."""
    with duckdb.connect() as con:
        load_macros(con)
        return int(con.execute("select small_cell_limit()").fetchone()[0])


# Smallest number of people (or survey responses) a published cell may cover: the macro's.
MIN_CELL = small_cell_limit()


def suppress_small(
    frame: pd.DataFrame,
    count: str,
    *,
    by: str | Iterable[str] | None = None,
    others: Iterable[str] = (),
) -> pd.DataFrame:
    """Blank the cells of a breakdown that cover fewer than `MIN_CELL` people.

    `count` holds the people of each cell; `by` names the columns of a group whose cells add up
    to a published total (e.g. the assembly, for a breakdown of its voters by channel). When a
    group has exactly one suppressed cell, its next-smallest cell is suppressed too, so that the
    first cannot be recomputed from the total. `others` are further columns derived from the
    count (shares, rates), blanked along with it. Returns a copy with a boolean `suppressed`
    column; suppressed counts are <NA>.
    """
    out = frame.copy()
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    small = _withheld(out, count, keys)
    out["suppressed"] = small
    out[count] = out[count].astype("Int64").mask(small)
    for column in others:
        out[column] = out[column].astype("Float64").mask(small)
    return out


def mask_small_groups(frame: pd.DataFrame, size: str, statistics: Iterable[str]) -> pd.DataFrame:
    """Blank every statistic of a group of fewer than `MIN_CELL` responses (its `size`)."""
    out = frame.copy()
    small = _withheld(out, size, [])
    for column in statistics:
        out[column] = out[column].mask(small)
    out["suppressed"] = small
    return out


# --- charts: language, texts and the project's look ---------------------------------------------


def lang() -> str:
    """The analyst's language for chart texts: `ANNEX_LANG` (`nl`, the default, or `fr`)."""
    value = (os.environ.get(LANG_VAR) or "nl").strip().lower()
    if value not in NOTEBOOK_LANGS:
        raise ValueError(
            f"{LANG_VAR}={value!r}: the notebooks' charts speak Dutch or French; set "
            f"{LANG_VAR}=nl or {LANG_VAR}=fr"
        )
    return value


def t(key: str, **values: object) -> str:
    """The text of `key` (see LABELS) in the analyst's language, its {fields} filled in."""
    return LABELS[key][lang()].format(**values)


def labels() -> dict[str, str]:
    """Every column's label, for plotly express's `labels=` (unused ones are ignored)."""
    return {key.removeprefix("col."): t(key) for key in LABELS if key.startswith("col.")}


def translate(values: pd.Series, kind: str) -> pd.Series:
    """The values of a coded column (`kind`: reason, channel, theme…) as texts; a value
    without a text in LABELS is kept as it is."""
    language = lang()
    return values.map(
        lambda value: (
            LABELS.get(f"{kind}.{value}", {}).get(language, value) if pd.notna(value) else value
        )
    )


def texts(kind: str, codes: Iterable[object]) -> list[str]:
    """`codes` of a coded column as texts, in order (for `category_orders`)."""
    return translate(pd.Series(list(codes), dtype="object"), kind).tolist()


def survey_name(survey_id: str) -> str:
    """`2024-03_arbeidsomstandigheden` → "bevraging van maart 2024" (its reference month)."""
    found = re.match(r"(\d{4})-(\d{2})", survey_id)
    if not found:
        return survey_id
    year, month = int(found[1]), int(found[2])
    return t("title.survey", month=MONTHS[lang()][month - 1], year=year)


def question_text(text: str) -> str:
    """A codebook question without the list of its answers: "Hoe werkt u via Smart?"."""
    return OPTIONS.sub("", text)


def answer_options(text: str) -> dict[str, str]:
    """The answers a single-choice question lists in its codebook text, by code."""
    found = OPTIONS.search(text)
    if not found:
        return {}
    options = (OPTION.match(part.strip()) for part in found[1].split(","))
    return {option[1]: option[2].strip() for option in options if option}


def survey_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the codebook's texts to a survey table in the analyst's language: `question` (from
    `text_nl`/`text_fr`, its answers left out) and `answer` (the likert scale's words, or those the
    codebook lists for a single-choice question). A code without a text is kept as it is."""
    out = frame.copy()
    text = out[f"text_{lang()}"].fillna(out["question_column"])
    out["question"] = text.map(question_text)
    if "answer_code" in out:
        likert = translate(out["answer_code"], "answer")
        listed = [
            answer_options(question).get(code, code)
            for question, code in zip(text, out["answer_code"], strict=True)
        ]
        out["answer"] = likert.where(out["question_type"] == "likert5", listed)
    return out


def group_texts(satisfaction: pd.DataFrame, questions: pd.DataFrame | None) -> pd.DataFrame:
    """Add `breakdown_text` and `group` to annex.survey_satisfaction: the language, or the
    single-choice question and its answer as the codebook words them (from `questions`, a table
    with `question_column` and `text_nl`/`text_fr`, e.g. annex.survey_distribution)."""
    out = satisfaction.copy()
    by_column = (
        {}
        if questions is None
        else questions.drop_duplicates("question_column")
        .set_index("question_column")[f"text_{lang()}"]
        .to_dict()
    )
    breakdown, group = [], []
    for kind, value in zip(out["breakdown"], out["group_value"], strict=True):
        question = by_column.get(kind)
        if question is None:
            breakdown.append(translate(pd.Series([kind]), "breakdown").iloc[0])
            group.append(translate(pd.Series([value]), "group").iloc[0])
        else:
            breakdown.append(question_text(question))
            options = answer_options(question)
            group.append(options.get(value, translate(pd.Series([value]), "group").iloc[0]))
    out["breakdown_text"] = breakdown
    out["group"] = group
    out["theme"] = translate(out["theme"], "theme")
    return out


def use_project_charts() -> None:
    """The project's look for every chart of this kernel, and a renderer that an HTML export
    keeps: plotly's `coop_annex` template over `plotly_white` (the annex's font and colours,
    the separators of the analyst's language). `PLOTLY_RENDERER`, when set, is left alone."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from pipelines.lib.outputs.charts import COLORS, FONT
    from pipelines.lib.outputs.formatting import plotly_separators

    pio.templates[TEMPLATE] = go.layout.Template(
        layout={
            "font": {"family": FONT, "size": 13, "color": "#222"},
            "title": {"font": {"size": 18}, "x": 0.01, "xanchor": "left"},
            "colorway": [
                COLORS["bar"],
                COLORS["down"],
                COLORS["total"],
                "#e9c46a",
                "#8ab17d",
                "#6d597a",
                "#b5838d",
                "#a8dadc",
            ],
            "separators": plotly_separators(lang()),  # type: ignore[arg-type]
            "legend": {"title": {"font": {"size": 12}}},
        }
    )
    pio.templates.default = f"plotly_white+{TEMPLATE}"
    if not os.environ.get("PLOTLY_RENDERER"):
        pio.renderers.default = RENDERER


def answer_colours() -> dict[str, str]:
    """The colour of each likert answer, by its text in the analyst's language: the annex's
    scale from A1 (very dissatisfied, red) to A5 (very satisfied, blue), A6 grey."""
    from pipelines.lib.outputs.charts import LIKERT_COLORS

    colours = (*LIKERT_COLORS, "#bdbdbd")
    return {t(f"answer.{code}"): colour for code, colour in zip(LIKERT_CODES, colours, strict=True)}


def clean_facets(figure: Any) -> Any:
    """Facet titles without plotly express's `column=` prefix."""
    return figure.for_each_annotation(lambda note: note.update(text=note.text.split("=")[-1]))


# --- the analyst's commands: JupyterLab with the project's settings, and HTML exports -----------

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
# Read by JupyterLab through JUPYTER_CONFIG_PATH: a double click opens a notebooks/*.py as a
# notebook (jupytext's viewer), without touching the analyst's own settings.
JUPYTER_CONFIG_DIR = PROJECT_ROOT / ".jupyter"


def notebook_paths(names: Sequence[str] = ()) -> list[Path]:
    """The notebooks named (a stem, a file name or a path), or all of them in name order."""
    everything = sorted(NOTEBOOKS_DIR.glob("*.py"))
    if not names:
        return everything
    by_stem = {path.stem: path for path in everything}
    chosen = []
    for name in names:
        stem = Path(name).stem
        if stem not in by_stem:
            raise ValueError(
                f"{name}: no such notebook in {NOTEBOOKS_DIR}; the notebooks are "
                + ", ".join(by_stem)
            )
        chosen.append(by_stem[stem])
    return chosen


def jupyter_env(language: str | None = None) -> dict[str, str]:
    """The environment JupyterLab and its kernels get: the project's Jupyter settings first on
    JUPYTER_CONFIG_PATH (the analyst's own settings still win), and ANNEX_LANG when given."""
    env = dict(os.environ)
    paths = [
        str(JUPYTER_CONFIG_DIR),
        *filter(None, env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)),
    ]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    if language:
        env[LANG_VAR] = language
    return env


def lab_command(extra: Sequence[str] = ()) -> list[str]:
    """JupyterLab in notebooks/, started by this environment's Python (so its kernel)."""
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={NOTEBOOKS_DIR}",
        *extra,
    ]


def export_commands(path: Path, out_dir: Path, language: str) -> list[list[str]]:
    """What an analyst runs to mail a notebook: execute it with jupytext, export it with
    nbconvert. Returns the two commands; the executed notebook stays beside the HTML."""
    executed = out_dir / f"{path.stem}.{language}.ipynb"
    return [
        [sys.executable, "-m", "jupytext", "--to", "ipynb", "--execute", "-o", str(executed),
         str(path)],
        [sys.executable, "-m", "nbconvert", "--to", "html", "--output-dir", str(out_dir),
         str(executed)],
    ]  # fmt: skip


def export_html(
    names: Sequence[str], out_dir: Path, language: str, *, parallel: int = 2
) -> tuple[list[Path], dict[str, str]]:
    """Execute the notebooks named (all by default) on the current publication and write each
    as `<out_dir>/<name>.<language>.html`, charts included, beside the executed notebook
    (`<name>.<language>.ipynb`, to open with its outputs). Runs `parallel` notebooks at once.

    Returns the HTML files written and, by notebook file name, the error of each that failed
    (its last line: the cell's exception, or the command's complaint).
    """
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    out_dir.mkdir(parents=True, exist_ok=True)
    env = jupyter_env(language)

    def run(path: Path) -> tuple[Path, str | None]:
        for command in export_commands(path, out_dir, language):
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                return path, _last_error(done.stderr)
        return path, None

    written, failed = [], {}
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        for path, error in pool.map(run, notebook_paths(names)):
            if error is None:
                written.append(out_dir / f"{path.stem}.{language}.html")
            else:
                failed[path.name] = error
    return written, failed


def _last_error(stderr: str) -> str:
    """The line of a failed command's output that says what went wrong (not the traceback)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_.]*(Error|Exception)\b", line):
            return line
    return lines[-1] if lines else "failed without a message"
