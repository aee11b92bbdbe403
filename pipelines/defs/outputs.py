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
from pipelines.lib.hashing import file_sha256
from pipelines.lib.outputs import charts as chart_lib
from pipelines.lib.outputs import dictionary, draft, tables, word
from pipelines.lib.outputs import static_export as static_lib
from pipelines.lib.outputs.data import AnnexData, load_annex_data
from pipelines.lib.outputs.manifest import Manifest, data_digests, output_key
from pipelines.lib.rawfiles import author_files
from pipelines.lib.resources import Warehouse

PUBLICATION = dg.AssetKey(["publish", "coop_duckdb"])
Metadata = dict[str, object]
GROUP = "outputs"
HEADLINE_PNG_LIMIT = 400_000  # bytes: above, the UI metadata links the file instead


class OutputError(Exception):
    """One or more outputs could not be written (the others were)."""


Unit = int | None  # a year's files of a yearly output, or (None) the files about every year


@dataclass
class Made:
    """What making an output gave: its metadata and its files, by unit (`files[None]`: those
    about every year; `files[year]`: that year's). `complete=False` when some files could not
    be written (no browser for the static charts): it is made again next time, even from the
    same content."""

    metadata: Metadata
    files: dict[Unit, list[Path]] = field(default_factory=dict)
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


@dataclass(frozen=True)
class Job:
    """What an output is asked to make: the files of `years`, and (`common`) its files about
    every year, from the publication's `data`."""

    context: dg.AssetExecutionContext
    settings: Settings
    data: AnnexData
    years: list[int]
    common: bool


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
            _files_markdown([p for paths in files.values() for p in paths], outputs) or "none"
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
        "workbooks": dg.MetadataValue.md(_files_markdown(workbooks, outputs) or "none"),
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
        "drafts": dg.MetadataValue.md(_files_markdown(paths, outputs) or "none"),
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
    metadata = {"files": dg.MetadataValue.md(_files_markdown(paths, settings.outputs_dir))}
    return Made(metadata, {None: paths})


def _quality(job: Job) -> Made:
    paths = tables.write_quality_csvs(job.data, job.settings.outputs_dir)
    quarantine = job.data.table("quality.quarantine")
    metadata = {
        "files": dg.MetadataValue.md(_files_markdown(paths, job.settings.outputs_dir)),
        "rows_quarantined": 0 if quarantine is None else len(quarantine),
    }
    return Made(metadata, {None: paths})


def _dictionary_depends_on(settings: Settings) -> tuple[str, ...]:
    """Every published table (core's too) with its comments, columns and row count."""
    return (repr(dictionary.read_dictionary(settings)),)


Make = Callable[[Job], Made]


@dataclass(frozen=True)
class Output:
    """An output's asset (read from the publication, and from the outputs `after` it), the
    function that makes it, and what its files depend on besides the annex and quality tables
    (`depends_on`): files made from the same are kept (see pipelines/lib/outputs/manifest.py).

    A `yearly` output's files are kept or made again year by year: a year's files depend on
    the published rows of that year and earlier years only (`data_digest(data, up_to=year)`),
    so that correcting one year leaves the files of earlier years as they are. The files about
    every year depend on all the content when `common_reads_content` (the CSVs of every year),
    else on `depends_on` and the code alone (the plotly.js the charts share; the data
    dictionary, which shows the tables, columns, comments and row counts, not the values)."""

    spec: dg.AssetSpec
    make: Make
    depends_on: Callable[[Settings], tuple[str, ...]]
    preview: Callable[[Settings, AnnexData], Metadata]  # also shown when the files are kept
    yearly: bool = True
    common_reads_content: bool = False
    # the published tables the output reads (names or prefixes): its key covers those only
    reads: tuple[str, ...] = ("annex.",)


def _output(
    key: dg.AssetKey,
    kinds: set[str],
    description: str,
    make: Make,
    after: tuple[dg.AssetKey, ...] = (),
    *,
    depends_on: Callable[[Settings], tuple[str, ...]] = lambda _settings: (),
    preview: Callable[[Settings, AnnexData], Metadata] = lambda _settings, _data: {},
    yearly: bool = True,
    common_reads_content: bool = False,
    reads: tuple[str, ...] = ("annex.",),
) -> Output:
    spec = dg.AssetSpec(
        key, deps=[PUBLICATION, *after], group_name=GROUP, kinds=kinds, description=description
    )
    return Output(spec, make, depends_on, preview, yearly, common_reads_content, reads)


def _unit_name(name: str, unit: Unit) -> str:
    """The manifest's entry for a unit of an output: `outputs/tables` (the files about every
    year), `outputs/tables/2024` (that year's)."""
    return name if unit is None else f"{name}/{unit}"


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
        yearly=False,
    ),
    _output(
        TABLES,
        {"csv", "excel"},
        "The annex tables for report authors: every annex table as CSV (all years, and per "
        "year), and one Excel workbook per year with a sheet per section and the figures, "
        "headers in Dutch and French. outputs/tables/*.csv, "
        "outputs/<year>/annex-tables-<year>.xlsx",
        _tables,
        common_reads_content=True,
    ),
    _output(
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
    _output(
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
    """The outputs share one step and one read of the publication (reading it took ~0.2 s an
    output, and a step costs Dagster ~0.1 s); the asset graph still shows each. An output's
    files made from the same content as those it last wrote are kept, year by year for a
    yearly output (unless `--rebuild-all`: see pipelines/lib/outputs/manifest.py). An output that
    fails does not stop the others, except the draft, which shows the charts; the step fails
    once every output has been tried, naming each that failed."""
    settings = warehouse.settings
    data = load_annex_data(settings)
    manifest = Manifest.load(settings.outputs_dir)
    digests: dict[tuple[str, ...], dict[Unit, str]] = {}  # by the tables an output reads
    failed: dict[dg.AssetKey, str] = {}
    remade: dict[dg.AssetKey, set[Unit]] = {}
    for output in OUTPUTS:
        spec = output.spec
        if spec.key not in context.selected_asset_keys:
            continue
        name = spec.key.to_user_string()
        units: list[Unit] = [None, *data.years] if output.yearly else [None]
        upstream = {dep.asset_key for dep in spec.deps}
        missing = [key for key in upstream if key in failed]
        if missing:
            failed[spec.key] = f"not made: {missing[0].to_user_string()} failed"
            context.log.warning(f"{name} {failed[spec.key]}")
            manifest.forget(name, every_unit=True)
            continue
        depends_on = output.depends_on(settings)
        if output.reads not in digests:
            digests[output.reads] = data_digests(data, data.years, output.reads)
        content = digests[output.reads]
        # the documents name the publication they were made from
        keys = {
            unit: output_key(
                _unit_name(name, unit),
                content[unit] if unit is not None or output.common_reads_content else "",
                str(settings.publication_path),
                *depends_on,
            )
            for unit in units
        }
        # a unit is made again with the same unit (or the files about every year) upstream
        upstream_remade = set().union(*(remade.get(key, set()) for key in upstream))
        kept: dict[Unit, dict] = {}
        for unit in units:
            reuse = warehouse.reuse_unchanged and not upstream_remade & {unit, None}
            entry = manifest.kept(_unit_name(name, unit), keys[unit]) if reuse else None
            if entry is not None:
                kept[unit] = entry
        manifest.forget(name, every_unit=True, keep={_unit_name(name, u) for u in kept})
        todo = [unit for unit in units if unit not in kept]
        if not todo:
            metadata = _kept(list(kept.values()), settings) | output.preview(settings, data)
            yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)
            continue
        years = [unit for unit in todo if unit is not None]
        try:
            made = output.make(Job(context, settings, data, years, None in todo))
        except Exception as exc:  # reported with the others once every output was tried
            failed[spec.key] = f"{type(exc).__name__}: {exc}"
            context.log.error(f"{name}: {failed[spec.key]}")
            continue
        remade[spec.key] = set(todo)
        if made.complete:
            for unit in todo:
                files, run_id = made.files.get(unit, []), context.run.run_id
                manifest.record(_unit_name(name, unit), keys[unit], files, run_id, save=False)
            manifest.save()
        metadata = made.metadata
        kept_years = sorted(unit for unit in kept if unit is not None)
        if kept_years:
            metadata = metadata | {
                "years_made": ", ".join(map(str, years)) or "none",
                "years_kept": ", ".join(map(str, kept_years)),
            }
        yield dg.MaterializeResult(asset_key=spec.key, metadata=metadata)
    if failed:
        listed = "; ".join(f"{key.to_user_string()}: {why}" for key, why in failed.items())
        raise OutputError(f"{len(failed)} output(s) not written: {listed}")


def _kept(entries: list[dict], settings: Settings) -> Metadata:
    """The metadata of an output whose files were all kept (`entries`: its units')."""
    root = settings.outputs_dir
    files = [root / relative for entry in entries for relative in entry["files"]]
    last = max(entries, key=lambda entry: entry["made_at"])
    return {
        "unchanged": True,
        "made_by_run": last["run_id"],
        "made_at": last["made_at"],
        "files": dg.MetadataValue.md(_files_markdown(files, root) or "none"),
    }
