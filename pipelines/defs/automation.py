"""The nightly build, and a build whenever a raw export changes."""

import hashlib

import dagster as dg

from pipelines.lib.config import Settings

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

nightly = dg.ScheduleDefinition(
    name="nightly_annex_build",
    job=annex_build,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Brussels",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def raw_fingerprint(settings: Settings) -> str:
    """Changes whenever a file under the raw folder is added, removed or rewritten."""
    digest = hashlib.sha256()
    if settings.raw_dir.is_dir():
        for path in sorted(p for p in settings.raw_dir.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(
                f"{path.relative_to(settings.raw_dir)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


@dg.sensor(
    job=annex_build,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a build when a file under the raw folder changes.",
)
def raw_exports_changed(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    fingerprint = raw_fingerprint(Settings.from_env())
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason="no raw export changed")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)
