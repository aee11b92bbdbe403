"""The outputs' step: which output (and which year of it) is made again, and which is kept.

The outputs share one step and one read of the publication; each output's files are recorded
in the outputs' reuse ledger (`manifest.py`), year by year for a yearly output. The outputs
themselves (what each makes, what it depends on) are defined in pipelines/defs/outputs.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.lib.config import Settings
from pipelines.lib.outputs.data import AnnexData, load_annex_data
from pipelines.lib.outputs.manifest import Manifest, data_digests, output_key
from pipelines.lib.resources import Warehouse

PUBLICATION = dg.AssetKey(["publish", "coop_duckdb"])
Metadata = dict[str, object]
GROUP = "outputs"


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


def files_markdown(paths: list[Path], root: Path) -> str:
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


def output(
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


def unit_name(name: str, unit: Unit) -> str:
    """The manifest's entry for a unit of an output: `outputs/tables` (the files about every
    year), `outputs/tables/2024` (that year's)."""
    return name if unit is None else f"{name}/{unit}"


def run_outputs(
    context: dg.AssetExecutionContext, warehouse: Warehouse, outputs: Sequence[Output]
) -> Iterator[dg.MaterializeResult]:
    """Make (or keep) each selected output, in order, from one read of the publication (a
    step costs Dagster ~0.1 s of its own). An output's files made from the same content as
    those it last wrote are kept, year by year for a yearly output (unless `--rebuild-all`).
    An output that fails does not stop the others, except the draft, which shows the charts;
    the step fails once every output has been tried, naming each that failed."""
    settings = warehouse.settings
    data = load_annex_data(settings)
    manifest = Manifest.load(settings.outputs_dir)
    digests: dict[tuple[str, ...], dict[Unit, str]] = {}  # by the tables an output reads
    failed: dict[dg.AssetKey, str] = {}
    remade: dict[dg.AssetKey, set[Unit]] = {}
    for output in outputs:
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
                unit_name(name, unit),
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
            entry = manifest.kept(unit_name(name, unit), keys[unit]) if reuse else None
            if entry is not None:
                kept[unit] = entry
        manifest.forget(name, every_unit=True, keep={unit_name(name, u) for u in kept})
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
                manifest.record(unit_name(name, unit), keys[unit], files, run_id, save=False)
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
        "files": dg.MetadataValue.md(files_markdown(files, root) or "none"),
    }
