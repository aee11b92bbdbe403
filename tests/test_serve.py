"""`annex serve`, the nightly service, started, stopped and restarted as an operator does."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

from pipelines.lib.build import run_build
from tests.listeners import http_listener

ANNEX = Path(sys.executable).parent / "annex"
AUTOMATION = {
    "nightly_annex_build",
    "raw_exports_changed",
    "alert_on_failed_build",
    "alert_on_stopped_build",
    "alert_on_unpublished_build",
}
STATE = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  schedules { name scheduleState { status } }
  sensors { name sensorState { status ticks(limit: 1) { timestamp } } } } } }
  runsOrError { ... on Runs { results { runId jobName status } } } }"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ask(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def _wait(what: str, test, seconds: float, log: Path):  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if found := test():
                return found
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"{what} not seen within {seconds} s; service log:\n{log.read_text()}")


def _start(port: int, home: Path, log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [str(ANNEX), "serve", "--port", str(port), "--home", str(home)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # as a service manager starts it: no terminal's signals
        )


def _stop_within_ten_seconds(service: subprocess.Popen) -> None:
    tree = psutil.Process(service.pid).children(recursive=True)
    assert len(tree) >= 4  # the webserver, the daemon and a code server each
    started = time.monotonic()
    service.send_signal(signal.SIGTERM)
    assert service.wait(timeout=10) == 0
    assert time.monotonic() - started < 10
    left = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, [p.cmdline() for p in left]


def _state(port: int) -> tuple[dict, list]:
    data = _ask(port, STATE)
    (repository,) = data["repositoriesOrError"]["nodes"]
    automation = {s["name"]: s["scheduleState"]["status"] for s in repository["schedules"]}
    automation |= {s["name"]: s["sensorState"] for s in repository["sensors"]}
    return automation, data["runsOrError"]["results"]


def test_the_service_keeps_its_runs_and_automation_across_a_restart_and_alerts_once(
    settings, tmp_path, monkeypatch
):
    home, log, port = tmp_path / "dagster", tmp_path / "serve.log", _free_port()
    with http_listener(seconds=900) as (url, posted):
        monkeypatch.setenv("ANNEX_ALERT_WEBHOOK_URL", url)
        service = _start(port, home, log)
        try:
            _wait("the UI", lambda: "annex serve: Dagster UI" in log.read_text(), 300, log)
            assert "telemetry:\n  enabled: false" in (home / "dagster.yaml").read_text()
            # a build on the server (raw/ holds no export: it fails) goes into the instance
            monkeypatch.setenv("DAGSTER_HOME", str(home))
            assert not run_build(settings, progress=lambda _line: None).published
            _wait("the alert", lambda: posted, 240, log)
            automation, runs = _state(port)
            assert [(r["jobName"], r["status"]) for r in runs] == [("annex_build", "FAILURE")]
        finally:
            _stop_within_ten_seconds(service)
        restarted_at = time.time()
        service = _start(port, home, log)
        try:
            _wait("the UI again", lambda: log.read_text().count("Dagster UI") == 2, 300, log)
            automation, runs_after = _state(port)
            assert runs_after == runs
            assert set(automation) == AUTOMATION
            assert automation["nightly_annex_build"] == "RUNNING"
            assert {
                automation[name]["status"] for name in AUTOMATION - {"nightly_annex_build"}
            } == {"RUNNING"}

            def alert_sensor_looked_again() -> bool:
                ticks = _state(port)[0]["alert_on_failed_build"]["ticks"]
                return bool(ticks) and ticks[0]["timestamp"] > restarted_at

            _wait(
                "the alert sensor's first look after the restart",
                alert_sensor_looked_again,
                240,
                log,
            )
        finally:
            _stop_within_ten_seconds(service)
        assert len(posted) == 1  # the failed run alerted once, not again after the restart
    alert = json.loads(posted[0])
    assert alert["subject"] == "coop-annex: the annex build failed, nothing published"
    assert "step register_snapshot failed: " in alert["body"]
    assert f"http://127.0.0.1:{port}/runs/{runs[0]['runId']}" in alert["body"]


def test_telemetry_is_off_in_the_service_instance_and_in_dg_devs_temporary_one(
    tmp_path, monkeypatch
):
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    from pipelines.lib.config import PROJECT_ROOT
    from pipelines.serve import prepare_instance

    home = tmp_path / "dagster"
    said = prepare_instance(home)
    assert said == [
        f"instance configuration written: {home / 'dagster.yaml'} "
        f"(from {PROJECT_ROOT / 'deploy' / 'dagster.yaml'})"
    ]
    assert prepare_instance(home) == []  # written once; never over the operator's own
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # the storage's folder, as the service sets
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        assert not instance.telemetry_enabled
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 1
        assert instance.run_monitoring_enabled
    # `dg dev` without DAGSTER_HOME: a temporary folder, configured from the working folder
    temporary = tmp_path / ".tmp_dagster_home_x"
    temporary.mkdir()
    ref = InstanceRef.from_dir(str(temporary), config_dir=str(PROJECT_ROOT))
    with dg.DagsterInstance.from_ref(ref) as instance:
        assert not instance.telemetry_enabled
    own = tmp_path / "own"
    own.mkdir()
    (own / "dagster.yaml").write_text("run_monitoring:\n  enabled: true\n")
    assert prepare_instance(own) == [
        f"{own / 'dagster.yaml'}: Dagster's telemetry is on; add `telemetry: {{enabled: false}}` "
        f"as in {PROJECT_ROOT / 'deploy' / 'dagster.yaml'}"
    ]


def test_a_run_the_service_left_in_progress_is_marked_failed_an_annex_build_is_not(
    tmp_path, monkeypatch
):
    import dagster as dg
    from dagster._core.remote_origin import (
        RegisteredCodeLocationOrigin,
        RemoteJobOrigin,
        RemoteRepositoryOrigin,
    )
    from dagster._core.test_utils import create_run_for_test

    from pipelines.serve import fail_interrupted_runs, prepare_instance

    home = tmp_path / "dagster"
    prepare_instance(home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    origin = RemoteJobOrigin(
        RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("coop-annex"), "__repository__"),
        "annex_build",
    )
    with dg.DagsterInstance.get() as instance:
        launched = create_run_for_test(
            instance,
            job_name="annex_build",
            status=dg.DagsterRunStatus.STARTED,
            remote_job_origin=origin,
        )
        in_process = create_run_for_test(
            instance, job_name="annex_build", status=dg.DagsterRunStatus.STARTED
        )
        said = fail_interrupted_runs()
        assert said == [
            f"run {launched.run_id[:8]} (annex_build) marked failed: the service stopped while "
            "this run was in progress (annex serve)"
        ]
        assert instance.get_run_by_id(launched.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(in_process.run_id).status == dg.DagsterRunStatus.STARTED
        assert fail_interrupted_runs() == []


def test_annex_build_with_dagster_home_makes_it_a_service_instance_telemetry_off(
    tmp_path, monkeypatch
):
    from pipelines.lib.build import _instance

    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    said: list[str] = []
    instance = _instance(said.append)
    try:
        assert not instance.telemetry_enabled
        assert said and said[0].startswith("instance configuration written: ")
    finally:
        instance.dispose()
    monkeypatch.delenv("DAGSTER_HOME")
    ephemeral = _instance(said.append)
    assert ephemeral.is_ephemeral
