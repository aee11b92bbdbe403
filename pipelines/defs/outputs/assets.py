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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.lib.config import Settings
from pipelines.lib.outputs import charts as chart_lib
from pipelines.lib.outputs import dictionary, draft, tables
from pipelines.lib.outputs.data import AnnexData, load_annex_data
from pipelines.lib.outputs.manifest import Manifest, data_digest, output_key
from pipelines.lib.resources import Warehouse

PUBLICATION = dg.AssetKey(["publish", "coop_duckdb"])
Metadata = dict[str, object]
GROUP = "outputs"
HEADLINE_PNG_LIMIT = 400_000  # bytes: above, the UI metadata links the file instead


class OutputError(Exception):
    """One or more outputs could not be written (the others were)."""


@dataclass
class Made:
    """What making an output gave: its metadata and its files. `complete=False` when some
    files could not be written (no browser for the static charts): it is made again next
    time, even from the same content."""

    metadata: Metadata
    files: list[Path] = field(default_factory=list)
    complete: bool = True


def _files_markdown(paths: list[Path], root: Path) -> str:
    by_folder: dict[str, list[str]] = defaultdict(list)
    for path in sorted(paths):
        relative = path.relative_to(root)
        by_folder[relative.parent.as_posix()].append(relative.name)
    return "\n".join(
        f"- `{folder}/`: " + ", ".join(f"`{name}`" for name in names)
        for folder, names in sorted(by_folder.items())
    )


CHARTS = dg.AssetKey(["outputs", "charts"])
TABLES = dg.AssetKey(["outputs", "tables"])
DRAFT = dg.AssetKey(["outputs", "annex_draft"])
DICTIONARY = dg.AssetKey(["outputs", "data_dictionary"])


def _charts(context: dg.AssetExecutionContext, settings: Settings, data: AnnexData) -> Made:
    outputs = settings.outputs_dir
    started = time.monotonic()
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
    files = [*html, chart_lib.plotly_js_path(outputs), *sorted(report.valid)]
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
    metadata.update(_charts_preview(settings, data))
    static_off = chart_lib.static_export_disabled() is not None
    complete = not report.errors and (report.warning is None or static_off)
    return Made(metadata, files, complete)


def _charts_depends_on(settings: Settings) -> tuple[str, ...]:
    return (chart_lib.static_export_disabled() or "static export on",)


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


def _tables(context: dg.AssetExecutionContext, settings: Settings, data: AnnexData) -> Made:
    outputs = settings.outputs_dir
    csvs = tables.write_csvs(data, outputs)
    workbooks = [
        tables.write_workbook(data, year, outputs, context.run.run_id) for year in data.years
    ]
    metadata = {
        "csv_files": len(csvs),
        "workbooks": dg.MetadataValue.md(_files_markdown(workbooks, outputs) or "none"),
        "sections": ", ".join(tables.section_tables(data)),
    }
    return Made(metadata, [*csvs, *workbooks])


def _draft(context: dg.AssetExecutionContext, settings: Settings, data: AnnexData) -> Made:
    outputs = settings.outputs_dir
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
    metadata.update(_draft_preview(settings, data))
    return Made(metadata, paths)


def _draft_preview(settings: Settings, data: AnnexData) -> Metadata:
    """The last year's Dutch draft without its appendix, shown in the UI."""
    if not data.years:
        return {}
    markdown, _ = draft.draft_paths(settings.outputs_dir, data.years[-1], "nl")
    if not markdown.exists():
        return {}
    text = markdown.read_text(encoding="utf-8")
    return {"preview_nl": dg.MetadataValue.md(text.split("## Bijlage")[0])}


def _dictionary(context: dg.AssetExecutionContext, settings: Settings, data: AnnexData) -> Made:
    paths = dictionary.write_dictionary(settings, settings.outputs_dir)
    return Made({"files": dg.MetadataValue.md(_files_markdown(paths, settings.outputs_dir))}, paths)


def _dictionary_depends_on(settings: Settings) -> tuple[str, ...]:
    """Every published table (core's too) with its comments, columns and row count."""
    return (repr(dictionary.read_dictionary(settings)),)


Make = Callable[[dg.AssetExecutionContext, Settings, AnnexData], Made]


@dataclass(frozen=True)
class Output:
    """An output's asset (read from the publication, and from the outputs `after` it), the
    function that makes it, and what its files depend on besides the annex and quality tables
    (`depends_on`): files made from the same are kept (see pipelines/lib/outputs/manifest.py)."""

    spec: dg.AssetSpec
    make: Make
    depends_on: Callable[[Settings], tuple[str, ...]]
    preview: Callable[[Settings, AnnexData], Metadata]  # also shown when the files are kept


def _output(
    key: dg.AssetKey,
    kinds: set[str],
    description: str,
    make: Make,
    after: tuple[dg.AssetKey, ...] = (),
    *,
    depends_on: Callable[[Settings], tuple[str, ...]] = lambda _settings: (),
    preview: Callable[[Settings, AnnexData], Metadata] = lambda _settings, _data: {},
) -> Output:
    spec = dg.AssetSpec(
        key, deps=[PUBLICATION, *after], group_name=GROUP, kinds=kinds, description=description
    )
    return Output(spec, make, depends_on, preview)


# In the order they are made.
OUTPUTS: list[Output] = [
    _output(
        CHARTS,
        {"plotly", "html", "svg"},
        "Every chart of every year in Dutch and French: interactive HTML and print-ready SVG "
        "and PNG (static export in one browser session; skipped with a warning when no "
        "Chromium-family browser is found). outputs/<year>/charts/<chart>_<year>.<lang>.*",
        _charts,
        depends_on=_charts_depends_on,
        preview=_charts_preview,
    ),
    _output(
        DICTIONARY,
        {"markdown", "html"},
        "Every published table and column with its description, from the comments in the "
        "publication, and how to open it read-only (DuckDB CLI, DBeaver, Python). "
        "outputs/data-dictionary.{md,html}",
        _dictionary,
        depends_on=_dictionary_depends_on,
    ),
    _output(
        TABLES,
        {"csv", "excel"},
        "The annex tables for report authors: every annex table as CSV (all years, and per "
        "year), and one Excel workbook per year with a sheet per section and the figures, "
        "headers in Dutch and French. outputs/tables/*.csv, "
        "outputs/<year>/annex-tables-<year>.xlsx",
        _tables,
    ),
    _output(
        DRAFT,
        {"markdown", "html"},
        "The figure-bearing parts of the annex, per year, in Dutch and French (Markdown and a "
        "self-contained HTML page with the charts), every number filled in from annex.figures, "
        "with an appendix tracing each figure to its source, the input files' hashes and the "
        "run. outputs/<year>/draft/annex-<year>.<lang>.{md,html}",
        _draft,
        after=(CHARTS,),
        preview=_draft_preview,
    ),
]


@dg.multi_asset(specs=[output.spec for output in OUTPUTS], name="outputs", can_subset=True)
def outputs(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> Iterator[dg.MaterializeResult]:
    """The outputs share one step and one read of the publication (reading it took ~0.2 s an
    output, and a step costs Dagster ~0.1 s); the asset graph still shows each. An output made
    from the same content as the files it last wrote keeps them (unless `--reread`: see
    pipelines/lib/outputs/manifest.py). An output that fails does not stop the others, except
    the draft, which shows the charts; the step fails once every output has been tried, naming
    each that failed."""
    settings = warehouse.settings
    data = load_annex_data(settings)
    manifest = Manifest.load(settings.outputs_dir)
    content = data_digest(data)
    failed: dict[dg.AssetKey, str] = {}
    remade: set[dg.AssetKey] = set()
    for output in OUTPUTS:
        spec = output.spec
        if spec.key not in context.selected_asset_keys:
            continue
        name = spec.key.to_user_string()
        upstream = {dep.asset_key for dep in spec.deps}
        missing = [key for key in upstream if key in failed]
        if missing:
            failed[spec.key] = f"not made: {missing[0].to_user_string()} failed"
            context.log.warning(f"{name} {failed[spec.key]}")
            manifest.forget(name)
            continue
        # the documents name the publication they were made from
        key = output_key(
            name, content, str(settings.publication_path), *output.depends_on(settings)
        )
        reuse = warehouse.reuse_unchanged and not upstream & remade
        kept = manifest.kept(name, key) if reuse else None
        if kept is not None:
            metadata = _kept(kept, settings) | output.preview(settings, data)
            yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)
            continue
        manifest.forget(name)  # files being rewritten are not those recorded
        try:
            made = output.make(context, settings, data)
        except Exception as exc:  # reported with the others once every output was tried
            failed[spec.key] = f"{type(exc).__name__}: {exc}"
            context.log.error(f"{name}: {failed[spec.key]}")
            continue
        remade.add(spec.key)
        if made.complete:
            manifest.record(name, key, made.files, context.run.run_id)
        yield dg.MaterializeResult(asset_key=spec.key, metadata=made.metadata)
    if failed:
        listed = "; ".join(f"{key.to_user_string()}: {why}" for key, why in failed.items())
        raise OutputError(f"{len(failed)} output(s) not written: {listed}")


def _kept(entry: dict, settings: Settings) -> Metadata:
    """The metadata of an output whose files were kept."""
    root = settings.outputs_dir
    files = [root / relative for relative in entry["files"]]
    return {
        "unchanged": True,
        "made_by_run": entry["run_id"],
        "made_at": entry["made_at"],
        "files": dg.MetadataValue.md(_files_markdown(files, root) or "none"),
    }
