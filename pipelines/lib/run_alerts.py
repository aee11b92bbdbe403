"""What to tell the operator about a build run that did not publish: read from the run's own
events (the failed checks and steps, as `annex build` reports them), never from the data."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import dagster as dg
from dagster._core.events import DagsterEventType

from pipelines.alerts import UI_URL_VAR, Alert
from pipelines.lib.config import Settings

PUBLICATION_ASSET = dg.AssetKey(["publish", "coop_duckdb"])
# The jobs whose runs are builds: a run of theirs that ends without publishing is alerted.
BUILD_JOBS = ("annex_build", "annex_publish")
# An error message is shown whole up to this length: ours name a file, row and column in one line.
MESSAGE_CHARS = 400
MAX_PROBLEMS = 10


def published(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Whether the run replaced the publication."""
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
    ).records
    return any(
        record.event_log_entry.dagster_event.asset_key == PUBLICATION_ASSET for record in records
    )


def meant_to_publish(run: dg.DagsterRun) -> bool:
    """A build run of the whole graph, or a subset that includes the publication."""
    if run.job_name not in BUILD_JOBS:
        return False
    return run.asset_selection is None or PUBLICATION_ASSET in run.asset_selection


def problems(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """One line per failed check and failed step of the run, as the run's events say: the
    check's name, asset and how to fix it; a step's error (its cause, which names the file,
    row and column), never a traceback or an offending row."""
    lines: list[str] = []
    kinds = {
        DagsterEventType.ASSET_CHECK_EVALUATION,
        DagsterEventType.STEP_FAILURE,
        DagsterEventType.RUN_FAILURE,
    }
    run_failure = None
    for entry in instance.all_logs(run_id, of_type=kinds):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.event_specific_data
            if data.passed:
                continue
            rows = data.metadata.get("offending_rows")
            counted = f" ({rows.value} rows)" if rows is not None else ""
            lines.append(
                f"check {data.check_name} on {data.asset_key.to_user_string()} failed{counted}: "
                f"{_short(data.description or '')}"
            )
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            while error is not None and error.cause is not None:  # ours is the innermost
                error = error.cause
            said = error.message.strip() if error is not None else "unknown error"
            lines.append(f"step {event.step_key} failed: {_short(said)}")
        else:
            run_failure = event.message or "the run failed"
    if not lines and run_failure:  # the run never reached a step (code that did not load)
        lines.append(_short(run_failure))
    if len(lines) > MAX_PROBLEMS:
        lines = lines[:MAX_PROBLEMS] + [f"and {len(lines) - MAX_PROBLEMS} more"]
    return lines


def run_alert(instance: dg.DagsterInstance, run: dg.DagsterRun, what: str) -> Alert:
    """The alert for a build run that did not publish: `what` happened (failed, was stopped,
    ended without publishing)."""
    settings = Settings.from_env()
    started_by = _started_by(run)
    record = instance.get_run_record_by_id(run.run_id)
    when = ""
    if record is not None and record.start_time:
        when = datetime.fromtimestamp(record.start_time, UTC).strftime(" at %Y-%m-%d %H:%M UTC")
    publication = settings.publication_path
    kept = (
        f"the last publication ({publication}) stays in place"
        if publication.exists()
        else "nothing has been published yet"
    )
    lines = [
        f"The build run {run.run_id[:8]} of job {run.job_name} ({started_by}{when}) {what}; "
        f"{kept}.",
        "",
    ]
    found = problems(instance, run.run_id)
    if found:
        lines += ["What stopped it:"] + [f"  - {line}" for line in found] + [""]
    ui = os.environ.get(UI_URL_VAR, "").rstrip("/")
    where = f"{ui}/runs/{run.run_id}" if ui else f"the Dagster UI, Runs, run {run.run_id}"
    lines += [
        "Where to look:",
        f"  - the run's log: {where}",
        f"  - rows set aside and why: {settings.outputs_dir / 'quality' / 'quarantine.csv'}",
        "  - `annex build` on the server repeats the build and names each failed check, "
        "its rows and what to fix",
    ]
    subject = f"coop-annex: the {_kind(run)} build {what}, nothing published"
    return Alert(subject=subject, body="\n".join(lines))


def _started_by(run: dg.DagsterRun) -> str:
    if schedule := run.tags.get("dagster/schedule_name"):
        return f"started by the schedule {schedule}"
    if sensor := run.tags.get("dagster/sensor_name"):
        return f"started by the sensor {sensor}"
    return "started by hand"


def _kind(run: dg.DagsterRun) -> str:
    return "nightly" if run.tags.get("dagster/schedule_name") else "annex"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"
