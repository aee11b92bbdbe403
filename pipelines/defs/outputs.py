"""What the report author takes, written from the published warehouse once it is published.

Every asset here reads `coop.duckdb` read-only (never the working database), so the outputs show
exactly what was published, closed years included. Files go under $ANNEX_WAREHOUSE_DIR/outputs:
charts (HTML, SVG, PNG), CSV and Excel tables, the annex draft (NL and FR, Markdown and HTML),
and the data dictionary. See docs/report-author.md.
"""

import base64
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.lib.config import Settings
from pipelines.lib.hashing import file_sha256
from pipelines.lib.outputs import charts as chart_lib
from pipelines.lib.outputs import dictionary, draft, tables, word
from pipelines.lib.outputs import static_export as static_lib
from pipelines.lib.outputs.data import AnnexData
from pipelines.lib.outputs.runner import (
    Job,
    Made,
    Metadata,
    Output,
    Unit,
    files_markdown,
    output,
    run_outputs,
)
from pipelines.lib.rawfiles import author_files
from pipelines.lib.resources import Warehouse

HEADLINE_PNG_LIMIT = 400_000  # bytes: above, the UI metadata links the file instead


CHARTS = dg.AssetKey(["outputs", "charts"])
TABLES = dg.AssetKey(["outputs", "tables"])
DRAFT = dg.AssetKey(["outputs", "annex_draft"])
DICTIONARY = dg.AssetKey(["outputs", "data_dictionary"])
QUALITY = dg.AssetKey(["outputs", "data_quality"])


def _charts(job: Job) -> Made:
    """The charts of `years`, their static files exported in one browser session; the
    plotly.js their HTML shares is the file about every year."""
    context, settings, data, years = job.context, job.settings, job.data, job.years
    outputs = settings.outputs_dir
    started = time.monotonic()
    chart_set = chart_lib.build_charts(data, years)
    script = chart_lib.plotly_js_path(outputs)
    if job.common:
        script.unlink(missing_ok=True)  # written again by write_html
    html = chart_lib.write_html(chart_set.charts, outputs)  # and plotly.js when missing
    html_seconds = time.monotonic() - started
    report = static_lib.export_static(chart_set.charts, outputs, log=context.log.info)
    if report.warning:
        context.log.warning(report.warning)
    for error in report.errors:
        context.log.error(f"static export: {error}")
    removed = chart_lib.remove_stale(
        outputs, chart_set.charts, years, report.valid, published=data.years
    )
    skipped = "\n".join(
        f"- {year} `{name}`: {why}" for (name, year), why in sorted(chart_set.skipped.items())
    )
    files: dict[Unit, list[Path]] = {year: [] for year in years}
    for path in [*html, *sorted(report.valid)]:
        files[int(path.parent.parent.name)].append(path)
    if job.common:
        files[None] = [script]
    metadata: dict[str, object] = {
        "charts": len(chart_set.charts),
        "static_files_exported": report.exported,
        "static_files_unchanged": report.cached,
        "static_export_seconds": round(report.seconds, 2),
        "static_browser_start_seconds": round(report.start_seconds, 2),
        "static_render_seconds": round(report.render_seconds, 2),
        "html_seconds": round(html_seconds, 2),
        "stage_seconds": round(time.monotonic() - started, 2),
        "browser": report.browser or "none",
        "files": dg.MetadataValue.md(
            files_markdown([p for paths in files.values() for p in paths], outputs) or "none"
        ),
        "skipped_charts": dg.MetadataValue.md(skipped or "none"),
        "removed_stale_files": len(removed),
        "outputs_dir": dg.MetadataValue.path(str(outputs)),
    }
    if report.warning:
        metadata["static_export_warning"] = report.warning
    metadata.update(_charts_preview(settings, data))
    static_off = static_lib.static_export_disabled() is not None
    complete = not report.errors and (report.warning is None or static_off)
    return Made(metadata, files, complete)


def _charts_depends_on(settings: Settings) -> tuple[str, ...]:
    return (static_lib.static_export_disabled() or "static export on",)


def _charts_preview(settings: Settings, data: AnnexData) -> Metadata:
    """The last year's headline chart, shown in the UI (when its PNG is small enough)."""
    for year in reversed(data.years):
        folder = chart_lib.chart_dir(settings.outputs_dir, year)
        path = folder / f"{chart_lib.HEADLINE_CHART}_{year}.nl.png"
        if path.exists() and path.stat().st_size <= HEADLINE_PNG_LIMIT:
            encoded = base64.b64encode(path.read_bytes()).decode("ascii")
            image = f"![{path.stem}](data:image/png;base64,{encoded})"
            return {"headline_chart": dg.MetadataValue.md(image)}
    return {}


def _tables(job: Job) -> Made:
    """The CSVs of every year (the files about every year), and each of `years`' CSVs and
    workbook."""
    context, settings, data, years = job.context, job.settings, job.data, job.years
    outputs = settings.outputs_dir
    files: dict[Unit, list[Path]] = {}
    if job.common:
        files[None] = tables.write_csvs(data, outputs, years=[], every_year=True)
    for year in years:
        files[year] = [
            *tables.write_csvs(data, outputs, years=[year], every_year=False),
            tables.write_workbook(data, year, outputs, context.run.run_id),
        ]
    workbooks = [paths[-1] for year, paths in files.items() if year is not None]
    metadata = {
        "csv_files": sum(path.suffix == ".csv" for paths in files.values() for path in paths),
        "workbooks": dg.MetadataValue.md(files_markdown(workbooks, outputs) or "none"),
        "sections": ", ".join(tables.section_tables(data)),
    }
    return Made(metadata, files)


def _draft(job: Job) -> Made:
    """The annex of `years` in both languages (the draft has no file about every year)."""
    context, settings, data, years = job.context, job.settings, job.data, job.years
    outputs = settings.outputs_dir
    started = time.monotonic()
    run = draft.RunInfo(run_id=context.run.run_id, built_at=dt.datetime.now().astimezone())
    browser = _pdf_browser()
    drafts = draft.write_drafts(data, outputs, run, years, settings.raw_dir, browser)
    missing = {
        (d.year, figure_id): note
        for d in drafts
        if d.lang == "nl"
        for figure_id, note in d.missing.items()
    }
    for warning in sorted({w for d in drafts for w in d.warnings}):
        context.log.warning(warning)
    files: dict[Unit, list[Path]] = {year: [] for year in years}
    for d in drafts:
        files[d.year].extend(d.files)
    if job.common:
        files[None] = []
    paths = [p for ps in files.values() for p in ps]
    metadata: dict[str, object] = {
        "drafts": dg.MetadataValue.md(files_markdown(paths, outputs) or "none"),
        "figures_missing_in_text": dg.MetadataValue.md(
            "\n".join(f"- {y} `{fid}`: {note}" for (y, fid), note in sorted(missing.items()))
            or "none"
        ),
        "word_template": str(word.template_path(settings.raw_dir)),
        "pdf": "the last year's, printed by " + browser if browser else "none (no browser)",
        "stage_seconds": round(time.monotonic() - started, 2),
    }
    metadata.update(_draft_preview(settings, data))
    return Made(metadata, files)


def _pdf_browser() -> str | None:
    """The browser that prints the PDF: the charts' (none when static export is off)."""
    return None if static_lib.static_export_disabled() else static_lib.find_browser()


def _draft_depends_on(settings: Settings) -> tuple[str, ...]:
    """The author's text and Word template (their bytes), and whether a PDF can be printed."""
    texts = [path for path in author_files(settings.raw_dir) if path.suffix == ".md"]
    template = word.template_path(settings.raw_dir)
    return (
        *(f"{path.name}:{file_sha256(path)}" for path in texts),
        f"template:{file_sha256(template)}",
        "pdf" if _pdf_browser() else "no pdf",
    )


def _draft_preview(settings: Settings, data: AnnexData) -> Metadata:
    """The last year's Dutch draft without its appendix, shown in the UI."""
    if not data.years:
        return {}
    markdown = draft.draft_paths(settings.outputs_dir, data.years[-1], "nl")[0]
    if not markdown.exists():
        return {}
    text = markdown.read_text(encoding="utf-8")
    return {"preview_nl": dg.MetadataValue.md(text.split("## Bijlage")[0])}


def _dictionary(job: Job) -> Made:
    settings = job.settings
    paths = dictionary.write_dictionary(settings, settings.outputs_dir)
    metadata = {"files": dg.MetadataValue.md(files_markdown(paths, settings.outputs_dir))}
    return Made(metadata, {None: paths})


def _quality(job: Job) -> Made:
    paths = tables.write_quality_csvs(job.data, job.settings.outputs_dir)
    quarantine = job.data.table("quality.quarantine")
    metadata = {
        "files": dg.MetadataValue.md(files_markdown(paths, job.settings.outputs_dir)),
        "rows_quarantined": 0 if quarantine is None else len(quarantine),
    }
    return Made(metadata, {None: paths})


def _dictionary_depends_on(settings: Settings) -> tuple[str, ...]:
    """Every published table (core's too) with its comments, columns and row count."""
    return (repr(dictionary.read_dictionary(settings)),)


# In the order they are made.
OUTPUTS: list[Output] = [
    output(
        CHARTS,
        {"plotly", "html", "svg"},
        "Every chart of every year in Dutch and French: interactive HTML and print-ready SVG "
        "and PNG (static export in one browser session; skipped with a warning when no "
        "Chromium-family browser is found). outputs/<year>/charts/<chart>_<year>.<lang>.*",
        _charts,
        depends_on=_charts_depends_on,
        preview=_charts_preview,
    ),
    output(
        DICTIONARY,
        {"markdown", "html"},
        "Every published table and column with its description, from the comments in the "
        "publication, and how to open it read-only (DuckDB CLI, DBeaver, Python). "
        "outputs/data-dictionary.{md,html}",
        _dictionary,
        depends_on=_dictionary_depends_on,
        yearly=False,
    ),
    output(
        TABLES,
        {"csv", "excel"},
        "The annex tables for report authors: every annex table as CSV (all years, and per "
        "year), and one Excel workbook per year with a sheet per section and the figures, "
        "headers in Dutch and French. outputs/tables/*.csv, "
        "outputs/<year>/annex-tables-<year>.xlsx",
        _tables,
        common_reads_content=True,
    ),
    output(
        QUALITY,
        {"csv"},
        "For the data steward: the rows quarantined (file, row, column, reason; never the row "
        "itself) and the files read with their hashes and row counts, as CSV. "
        "outputs/quality/*.csv",
        _quality,
        yearly=False,
        common_reads_content=True,
        reads=("quality.",),
    ),
    output(
        DRAFT,
        {"markdown", "html", "docx", "pdf"},
        "The annex, per year, in Dutch and French: the whole skeleton of the NRC's model, every "
        "figure and governance fact filled in, the author's text from narrative/ (Markdown, a "
        "self-contained HTML page with the charts, a Word document from a replaceable "
        "template, and the last year's PDF when a browser is found), with an appendix tracing "
        "each figure to its source, the input files' hashes and the run. "
        "outputs/<year>/draft/annex-<year>.<lang>.{md,html,docx,pdf}",
        _draft,
        after=(CHARTS,),
        depends_on=_draft_depends_on,
        preview=_draft_preview,
        reads=("annex.", "quality.ingest_files"),  # the appendix lists the files read
    ),
]


@dg.multi_asset(specs=[output.spec for output in OUTPUTS], name="outputs", can_subset=True)
def outputs(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> Iterator[dg.MaterializeResult]:
    """Every output, read from the publication once (see pipelines/lib/outputs/runner.py)."""
    yield from run_outputs(context, warehouse, OUTPUTS)
