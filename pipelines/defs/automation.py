"""The nightly build, a build whenever a raw export changes, and an alert when a build does
not publish."""

import hashlib
import time

import dagster as dg

from pipelines.alerts import send_alert
from pipelines.lib.config import Settings
from pipelines.lib.rawfiles import author_files, candidate_files
from pipelines.lib.run_alerts import BUILD_JOBS, meant_to_publish, published, run_alert

annex_build = dg.define_asset_job(
    "annex_build",
    selection=dg.AssetSelection.all(),
    description="Ingest every export, build and check every figure, publish the warehouse.",
    executor_def=dg.in_process_executor,
)

annex_publish = dg.define_asset_job(
    "annex_publish",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("outputs"),
    description="Everything up to the published warehouse, without charts, tables and draft.",
    executor_def=dg.in_process_executor,
)

# A raw file changed less than this long ago may still be being copied: a build reading it half
# written would fail, or worse, publish the figures of a file cut at a line's end.
QUIET_SECONDS = 60


def raw_state(settings: Settings) -> tuple[str, float | None]:
    """A fingerprint that changes whenever a file under the raw folder that may be an export is
    added, removed or rewritten; and the time of the newest such file's last change (None: no
    file). Excel's lock file of a workbook opened in place, a `.git` folder or a README change
    nothing the build reads, so they neither start a build nor hold one back."""
    digest = hashlib.sha256()
    newest: float | None = None
    for path in sorted([*candidate_files(settings.raw_dir), *author_files(settings.raw_dir)]):
        stat = path.stat()
        digest.update(
            f"{path.relative_to(settings.raw_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
        )
        newest = stat.st_mtime if newest is None else max(newest, stat.st_mtime)
    return digest.hexdigest(), newest


def built_since_last_change(settings: Settings) -> bool:
    """Whether the publication was written after every change to the raw folder: no file that
    may be an export written, copied in (its inode's change time) or removed (its folder's
    modification time) since. Then the raw folder is as the last build left it."""
    try:
        published = settings.publication_path.stat().st_mtime
    except FileNotFoundError:
        return False
    if not settings.raw_dir.is_dir():
        return False
    changed = [settings.raw_dir.stat().st_mtime]
    for path in [*candidate_files(settings.raw_dir), *author_files(settings.raw_dir)]:
        stat = path.stat()
        changed += [stat.st_mtime, stat.st_ctime, path.parent.stat().st_mtime]
    return max(changed) < published


def _copying(newest: float | None) -> str | None:
    """Why to wait, when a raw file changed less than QUIET_SECONDS ago; else None. A time
    further in the future than that (a share with a skewed clock) says nothing: no wait."""
    since = time.time() - newest if newest is not None else QUIET_SECONDS
    if not -QUIET_SECONDS < since < QUIET_SECONDS:
        return None
    return (
        f"a raw file changed {since:.0f} s ago: waiting until the raw folder has been quiet "
        f"for {QUIET_SECONDS} s (a copy may still be running)"
    )


@dg.schedule(
    name="nightly_annex_build",
    job=annex_build,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Brussels",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Builds everything every night; skipped while a raw export is being copied "
    "(the sensor then starts the build once the raw folder is quiet).",
)
def nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    waiting = _copying(raw_state(Settings.from_env())[1])
    return dg.SkipReason(waiting) if waiting else dg.RunRequest()


@dg.sensor(
    job=annex_build,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a build when a file under the raw folder changed, once the folder has "
    f"been quiet for {QUIET_SECONDS} s (a copy may still be running before).",
)
def raw_exports_changed(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    settings = Settings.from_env()
    fingerprint, newest = raw_state(settings)
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason="no raw export changed")
    if newest is None:  # a build would only say so
        return dg.SensorResult(
            skip_reason=f"no export in {settings.raw_dir} (docs/raw-exports.md)", cursor=fingerprint
        )
    # a first look (a new instance): the folder as the last build left it needs no build
    if context.cursor is None and built_since_last_change(settings):
        return dg.SensorResult(
            skip_reason="the raw folder is as the last build left it (no export written, "
            f"added or removed since {settings.publication_path} was published)",
            cursor=fingerprint,
        )
    waiting = _copying(newest)
    if waiting:  # the cursor stays: the next evaluation looks again
        return dg.SensorResult(skip_reason=waiting)
    # no run key: a folder put back as it was some builds ago is a change to build too
    return dg.SensorResult(
        run_requests=[dg.RunRequest(tags={"annex/raw_state": fingerprint[:16]})],
        cursor=fingerprint,
    )


def _alert(context: dg.RunStatusSensorContext, run: dg.DagsterRun, what: str) -> None:
    for said in send_alert(run_alert(context.instance, run, what)):
        context.log.info(said)


@dg.run_failure_sensor(
    name="alert_on_failed_build",
    monitor_all_code_locations=True,  # `annex build` on the server records runs of no location
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts the operator (docs/operations.md) when a build fails: a step that "
    "stopped, or a blocking check that held the publication back.",
)
def alert_on_failed_build(context: dg.RunFailureSensorContext) -> None:
    if context.dagster_run.job_name in BUILD_JOBS:
        _alert(context, context.dagster_run, "failed")


@dg.run_status_sensor(
    name="alert_on_stopped_build",
    run_status=dg.DagsterRunStatus.CANCELED,
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts the operator when a build is stopped before it published.",
)
def alert_on_stopped_build(context: dg.RunStatusSensorContext) -> None:
    if context.dagster_run.job_name in BUILD_JOBS:
        _alert(context, context.dagster_run, "was stopped")


@dg.run_status_sensor(
    name="alert_on_unpublished_build",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts the operator when a build that was to publish ended without doing so.",
)
def alert_on_unpublished_build(context: dg.RunStatusSensorContext) -> None:
    run = context.dagster_run
    if meant_to_publish(run) and not published(context.instance, run.run_id):
        _alert(context, run, "ended without publishing")
