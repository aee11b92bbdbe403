"""What the report author takes, written from the published warehouse once it is published.

Every asset here reads `coop.duckdb` read-only (never the working database), so the outputs show
exactly what was published, closed years included. Files go under $ANNEX_WAREHOUSE_DIR/outputs:
charts (HTML, SVG, PNG), CSV and Excel tables, the annex draft (NL and FR, Markdown and HTML),
and the data dictionary. See docs/report-author.md.
"""

import base64
import datetime as dt
import time
from collections import defaultdict
from pathlib import Path

import dagster as dg

from pipelines.lib.outputs import charts as chart_lib
from pipelines.lib.outputs import dictionary, draft, tables
from pipelines.lib.outputs.data import load_annex_data
from pipelines.lib.resources import Warehouse

PUBLICATION = dg.AssetKey(["publish", "coop_duckdb"])
GROUP = "outputs"
HEADLINE_PNG_LIMIT = 400_000  # bytes: above, the UI metadata links the file instead


def _files_markdown(paths: list[Path], root: Path) -> str:
    by_folder: dict[str, list[str]] = defaultdict(list)
    for path in sorted(paths):
        relative = path.relative_to(root)
        by_folder[relative.parent.as_posix()].append(relative.name)
    return "\n".join(
        f"- `{folder}/`: " + ", ".join(f"`{name}`" for name in names)
        for folder, names in sorted(by_folder.items())
    )


@dg.asset(
    key=["outputs", "charts"],
    deps=[PUBLICATION],
    group_name=GROUP,
    kinds={"plotly", "html", "svg"},
    description="Every chart of every year in Dutch and French: interactive HTML and "
    "print-ready SVG and PNG (static export in one browser session; skipped with a warning "
    "when no Chromium-family browser is found). outputs/<year>/charts/<chart>_<year>.<lang>.*",
)
def charts(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings
    outputs = settings.outputs_dir
    started = time.monotonic()
    data = load_annex_data(settings)
    chart_set = chart_lib.build_charts(data)
    html = chart_lib.write_html(chart_set.charts, outputs)
    html_seconds = time.monotonic() - started
    report = chart_lib.export_static(chart_set.charts, outputs, log=context.log.info)
    if report.warning:
        context.log.warning(report.warning)
    for error in report.errors:
        context.log.error(f"static export: {error}")
    removed = chart_lib.remove_stale(outputs, chart_set.charts, data.years, report.valid)
    skipped = "\n".join(
        f"- {year} `{name}`: {why}" for (name, year), why in sorted(chart_set.skipped.items())
    )
    files = html + sorted(report.valid)
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
        "files": dg.MetadataValue.md(_files_markdown(files, outputs) or "none"),
        "skipped_charts": dg.MetadataValue.md(skipped or "none"),
        "removed_stale_files": len(removed),
        "outputs_dir": dg.MetadataValue.path(str(outputs)),
    }
    if report.warning:
        metadata["static_export_warning"] = report.warning
    headline = _headline_png(outputs, data.years)
    if headline is not None:
        encoded = base64.b64encode(headline.read_bytes()).decode("ascii")
        metadata["headline_chart"] = dg.MetadataValue.md(
            f"![{headline.stem}](data:image/png;base64,{encoded})"
        )
    return dg.MaterializeResult(metadata=metadata)


def _headline_png(outputs: Path, years: list[int]) -> Path | None:
    for year in reversed(years):
        path = chart_lib.chart_dir(outputs, year) / f"{chart_lib.HEADLINE_CHART}_{year}.nl.png"
        if path.exists() and path.stat().st_size <= HEADLINE_PNG_LIMIT:
            return path
    return None


@dg.asset(
    key=["outputs", "tables"],
    deps=[PUBLICATION],
    group_name=GROUP,
    kinds={"csv", "excel"},
    description="The annex tables for report authors: every annex table as CSV (all years, and "
    "per year), and one Excel workbook per year with a sheet per section and the figures, "
    "headers in Dutch and French. outputs/tables/*.csv, outputs/<year>/annex-tables-<year>.xlsx",
)
def author_tables(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings
    outputs = settings.outputs_dir
    data = load_annex_data(settings)
    csvs = tables.write_csvs(data, outputs)
    workbooks = [
        tables.write_workbook(data, year, outputs, context.run.run_id) for year in data.years
    ]
    return dg.MaterializeResult(
        metadata={
            "csv_files": len(csvs),
            "workbooks": dg.MetadataValue.md(_files_markdown(workbooks, outputs) or "none"),
            "sections": ", ".join(tables.section_tables(data)),
        }
    )


@dg.asset(
    key=["outputs", "annex_draft"],
    deps=[PUBLICATION, dg.AssetKey(["outputs", "charts"])],
    group_name=GROUP,
    kinds={"markdown", "html"},
    description="The figure-bearing parts of the annex, per year, in Dutch and French "
    "(Markdown and a self-contained HTML page with the charts), every number filled in from "
    "annex.figures, with an appendix tracing each figure to its source, the input files' "
    "hashes and the run. outputs/<year>/draft/annex-<year>.<lang>.{md,html}",
)
def annex_draft(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings
    outputs = settings.outputs_dir
    data = load_annex_data(settings)
    run = draft.RunInfo(run_id=context.run.run_id, built_at=dt.datetime.now().astimezone())
    drafts = draft.write_drafts(data, outputs, run)
    missing = {
        (d.year, figure_id): note
        for d in drafts
        if d.lang == "nl"
        for figure_id, note in d.missing.items()
    }
    paths = [p for d in drafts for p in draft.draft_paths(outputs, d.year, d.lang)]
    metadata: dict[str, object] = {
        "drafts": dg.MetadataValue.md(_files_markdown(paths, outputs) or "none"),
        "figures_missing_in_text": dg.MetadataValue.md(
            "\n".join(f"- {y} `{fid}`: {note}" for (y, fid), note in sorted(missing.items()))
            or "none"
        ),
    }
    if data.years:
        last = data.years[-1]
        text = next(d.markdown for d in drafts if d.year == last and d.lang == "nl")
        metadata["preview_nl"] = dg.MetadataValue.md(text.split("## Bijlage")[0])
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=["outputs", "data_dictionary"],
    deps=[PUBLICATION],
    group_name=GROUP,
    kinds={"markdown", "html"},
    description="Every published table and column with its description, from the comments in "
    "the publication, and how to open it read-only (DuckDB CLI, DBeaver, Python). "
    "outputs/data-dictionary.{md,html}",
)
def data_dictionary(warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings
    paths = dictionary.write_dictionary(settings, settings.outputs_dir)
    return dg.MaterializeResult(
        metadata={"files": dg.MetadataValue.md(_files_markdown(paths, settings.outputs_dir))}
    )
