"""Run the whole build in this process, with step-by-step progress and an outcome to report."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.lib.config import Settings
from pipelines.lib.rawfiles import candidate_files
from pipelines.lib.resources import Warehouse
from pipelines.lib.sources.register_shapes import SOURCE_TABLE
from pipelines.lib.warehouse import build_lock

Progress = Callable[[str], None]


@dataclass
class FailedCheck:
    name: str
    asset: str
    description: str
    metadata: dict[str, str]


@dataclass
class BuildOutcome:
    published: bool
    seconds: float
    failed_checks: list[FailedCheck] = field(default_factory=list)
    passed_checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # which shape of the register was read (plain, odoo, workbook) and its files
    register_shape: str | None = None
    register_files: str = ""


_NOT_RUN = re.compile(r"^Dependencies for step (?P<step>\S+) (failed|were not executed)")


def _readable(message: str) -> str:
    """Dagster's "Dependencies for step X failed: ['a', 'a', ...] were not executed: [...]"
    as one line naming the step and, once each, the steps it waited for."""
    match = _NOT_RUN.match(message)
    if match is None:
        return message
    upstream = sorted(set(re.findall(r"'([^']+)'", message)))
    return f"{match['step']} not run: it needs {', '.join(upstream)}, which did not complete"


def _progress_logger(progress: Progress, started: float) -> dg.LoggerDefinition:
    @dg.logger(description="One line per step and check, for `annex build`.")
    def progress_logger(_init_context: dg.InitLoggerContext) -> logging.Logger:
        class StepHandler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                event = getattr(record, "dagster_event", None)
                elapsed = f"{time.monotonic() - started:6.1f}s"
                if event is None:  # what a step says: a warning, or where it is (info)
                    said = _readable(record.getMessage().split(" - ")[-1])
                    if record.levelno >= logging.WARNING:
                        progress(f"  ! {said}")
                    elif record.levelno >= logging.INFO:
                        progress(f"{elapsed}      {said}")
                    return
                kind = event.event_type_value
                if kind == "STEP_START":
                    progress(f"{elapsed}  ▶ {event.step_key}")
                elif kind == "STEP_FAILURE":
                    progress(f"{elapsed}  ✗ {event.step_key} failed")
                elif kind == "ASSET_MATERIALIZATION":
                    made = event.event_specific_data.materialization
                    rows = made.metadata.get("dagster/row_count")
                    counted = f" ({rows.value:,} rows)" if rows is not None else ""
                    reused = made.metadata.get("reused")
                    if reused is not None and reused.value:
                        counted += ", unchanged: files not read again"
                    unchanged = made.metadata.get("unchanged")
                    if unchanged is not None and unchanged.value:
                        # an output keeps its files; a model its table (its inputs are those
                        # it was made from)
                        kept = "files" if made.asset_key.path[0] == "outputs" else "table"
                        counted += f", unchanged: {kept} kept"
                    years_kept = made.metadata.get("years_kept")
                    if years_kept is not None:  # a yearly output made again for some years
                        n = len(str(years_kept.value).split(", "))
                        counted += f", files of {n} unchanged year{'s' * (n > 1)} kept"
                    progress(f"{elapsed}    · {made.asset_key.to_user_string()}{counted}")
                elif kind == "ASSET_CHECK_EVALUATION":
                    data = event.event_specific_data
                    mark = "✓" if data.passed else "✗"
                    progress(f"{elapsed}    {mark} check {data.check_name}")

        logger = logging.Logger("annex.progress", level=logging.DEBUG)
        logger.addHandler(StepHandler())
        return logger

    return progress_logger


# Raw folders whose changes are not taken for a sign that charts will change: the secretariat's
# hand-kept governance facts, corrected a fact at a time, feed no chart but through two rare
# keys (an assembly's kind, a year's survey_id); opening the browser late for those is cheaper
# than opening it needlessly after every corrected fact.
NOT_CHART_SOURCES = ("governance",)


def _exports_changed(settings: Settings) -> bool:
    """Whether a raw file that charts are drawn from is newer than the publication (or there
    is no publication): a sign that this build will export static charts."""
    publication = settings.publication_path
    if not publication.exists():
        return True
    published = publication.stat().st_mtime
    return any(  # the exports only: a backup tree or a .git folder beside them is not walked
        path.stat().st_mtime > published
        for path in candidate_files(settings.raw_dir)
        if path.relative_to(settings.raw_dir).parts[0] not in NOT_CHART_SOURCES
    )


# Errors whose message names the file and what to do: shown without their class's name.
PLAIN_ERRORS = ("ExportError", "WarehouseFolderError")


def _instance(progress: Progress) -> dg.DagsterInstance:
    """With DAGSTER_HOME set, the service's instance (CLI builds appear in the UI's run history
    too), made a service instance first when it has no configuration (telemetry off)."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    from pipelines.serve import prepare_instance

    for line in prepare_instance(Path(home).expanduser()):
        progress(line)
    return dg.DagsterInstance.get()


def run_build(
    settings: Settings | None = None,
    progress: Progress = print,
    *,
    outputs: bool = True,
    rebuild_all: bool = False,
) -> BuildOutcome:
    """Materialise, check and publish everything; never raises for a data problem.

    `outputs=False` stops at the publication (no charts, tables or draft): for quick checks.
    `rebuild_all` reads, computes, publishes and writes everything again, even what is
    unchanged since the last build.
    """
    started = time.monotonic()  # loading the definitions is part of the build's time
    from pipelines.definitions import defs  # the code location, loaded once per build
    from pipelines.lib.outputs import static_export as static

    settings = settings or Settings.from_env()
    with build_lock(settings, wait_seconds=0), contextlib.ExitStack() as browser:
        # a build that will likely export charts opens the browser while it loads and ingests
        if outputs and static.prewarm(settings.outputs_dir, lambda: _exports_changed(settings)):
            browser.callback(static.close_prewarmed)
        job = defs().resolve_job_def("annex_build" if outputs else "annex_publish")
        job = job.with_logger_defs({"progress": _progress_logger(progress, started)})
        result = job.execute_in_process(
            run_config={"loggers": {"progress": {}}},
            # with DAGSTER_HOME set, CLI builds appear in the UI's run history too
            instance=_instance(progress),
            raise_on_error=False,
            resources={
                "warehouse": Warehouse(
                    manage_lock=False,
                    raw_dir=str(settings.raw_dir),
                    warehouse_dir=str(settings.warehouse_dir),
                    pseudonym_key_path=str(settings.pseudonym_key_path),
                    work_dir=str(settings.work_root) if settings.work_root else None,
                    rebuild_all=rebuild_all,
                )
            },
        )
    outcome = BuildOutcome(published=False, seconds=time.monotonic() - started)
    for evaluation in result.get_asset_check_evaluations():
        name = evaluation.check_name
        if evaluation.passed:
            outcome.passed_checks.append(name)
        else:
            outcome.failed_checks.append(
                FailedCheck(
                    name=name,
                    asset=evaluation.asset_key.to_user_string(),
                    description=evaluation.description or "",
                    metadata={k: str(v.value) for k, v in evaluation.metadata.items()},
                )
            )
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            message = error.message.strip() if error else "unknown error"
            # Dagster wraps our exception: show the cause, which names the file and column
            while error is not None and error.cause is not None:
                error = error.cause
                message = error.message.strip()
            if error is not None and error.cls_name in PLAIN_ERRORS:  # its message says all
                message = message.split(": ", 1)[-1]
            outcome.errors.append(f"{event.step_key}: {message}")
    materialised: set[str] = set()
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            made = event.event_specific_data.materialization
            materialised.add(made.asset_key.to_user_string())
            if made.asset_key == dg.AssetKey(SOURCE_TABLE.split(".")):
                outcome.register_shape = str(made.metadata["shape"].value)
                outcome.register_files = str(made.metadata["files"].value)
    # published means the publication was replaced; a later output step may still have failed
    outcome.published = "publish/coop_duckdb" in materialised
    return outcome
