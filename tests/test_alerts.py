"""Alerts: a build that does not publish tells the operator, through a configured channel."""

from __future__ import annotations

import json
import logging

import dagster as dg

from pipelines.alerts import Alert, send_alert
from pipelines.definitions import defs
from tests.builders import Register
from tests.listeners import http_listener, smtp_listener

ALERT = Alert(subject="coop-annex: the nightly build failed", body="check x failed")


def test_a_failing_nightly_run_sends_exactly_one_alert_naming_the_check(settings, monkeypatch):
    register = Register()
    register.member(1)
    register.subscribe("2023-03-01", 1, 1)
    register.sell_back("2023-06-01", 1, 3, reason="resignation")  # more than held: blocked
    register.write(settings.raw_dir)
    definitions = defs()
    sensor = definitions.resolve_sensor_def("alert_on_failed_build")
    with http_listener() as (url, posted), dg.instance_for_test() as instance:
        monkeypatch.setenv("ANNEX_ALERT_WEBHOOK_URL", url)
        monkeypatch.setenv("ANNEX_UI_URL", "http://127.0.0.1:3000")

        def tick(cursor: str | None) -> str | None:
            with dg.build_sensor_context(
                instance=instance, cursor=cursor, definitions=definitions
            ) as context:
                sensor.evaluate_tick(context)
                return context.cursor

        cursor = tick(None)  # the sensor starts from now
        result = definitions.resolve_job_def("annex_build").execute_in_process(
            instance=instance,
            tags={"dagster/schedule_name": "nightly_annex_build"},
            raise_on_error=False,
        )
        assert not result.success
        cursor = tick(cursor)
        tick(cursor)  # looked at again: nothing new to say
        assert len(posted) == 1
    alert = json.loads(posted[0])
    assert alert["subject"] == "coop-annex: the nightly build failed, nothing published"
    body = alert["body"]
    assert body.startswith(
        f"The build run {result.run_id[:8]} of job annex_build (started by the schedule "
        "nightly_annex_build at "
    )
    assert "nothing has been published yet." in body
    assert (
        "  - check holdings_never_negative on staging/member_operations failed (1 rows): " in body
    )
    assert f"  - the run's log: http://127.0.0.1:3000/runs/{result.run_id}" in body
    assert "quality/quarantine.csv" in body
    for personal in ("Name1", "85.07.30-033.61", "m1@example.org", "Traceback"):
        assert personal not in body


def test_an_alert_is_e_mailed_through_the_configured_smtp_server():
    with smtp_listener() as (port, received):
        said = send_alert(
            ALERT,
            {
                "ANNEX_ALERT_SMTP_HOST": "127.0.0.1",
                "ANNEX_ALERT_SMTP_PORT": str(port),
                "ANNEX_ALERT_EMAIL_TO": "it@coop.example, board@coop.example",
                "ANNEX_ALERT_EMAIL_FROM": "annex@coop.example",
            },
        )
    assert said == [
        f"alert e-mailed to it@coop.example, board@coop.example through 127.0.0.1:{port}"
    ]
    assert len(received) == 1
    message = received[0].decode()
    assert "Subject: coop-annex: the nightly build failed" in message
    assert "To: it@coop.example, board@coop.example" in message
    assert "check x failed" in message


def test_no_channel_configured_says_so_in_one_line_and_goes_on(caplog):
    with caplog.at_level(logging.WARNING, logger="annex.alerts"):
        said = send_alert(ALERT, {})
    assert said == [
        "no alert channel configured (set ANNEX_ALERT_WEBHOOK_URL, or ANNEX_ALERT_SMTP_HOST and "
        "ANNEX_ALERT_EMAIL_TO; see docs/operations.md): coop-annex: the nightly build failed"
    ]
    assert [record.getMessage() for record in caplog.records] == said


def test_a_channel_that_does_not_answer_or_is_misconfigured_is_logged_not_raised():
    with http_listener(seconds=0.1) as (url, _):
        pass  # closed: nothing listens there any more
    said = send_alert(
        ALERT,
        {
            "ANNEX_ALERT_WEBHOOK_URL": url,
            "ANNEX_ALERT_SMTP_HOST": "127.0.0.1",
            "ANNEX_ALERT_SMTP_PORT": "twenty-five",
        },
    )
    port = url.split(":")[2].split("/")[0]
    assert said[0].startswith(f"alert not posted to the webhook http://127.0.0.1:{port}: ")
    assert "s3cr3t-token" not in said[0]  # a webhook's path is often its secret
    assert said[1] == (
        "alert not e-mailed: ANNEX_ALERT_SMTP_PORT='twenty-five': write a port number, e.g. 587"
    )


def test_a_stopped_build_alerts_and_a_subset_that_was_not_to_publish_does_not(
    settings, monkeypatch
):
    from pipelines.lib.run_alerts import meant_to_publish

    definitions = defs()
    job = definitions.resolve_job_def("annex_build")
    sensor = definitions.resolve_sensor_def("alert_on_stopped_build")
    with http_listener() as (url, posted), dg.instance_for_test() as instance:
        monkeypatch.setenv("ANNEX_ALERT_WEBHOOK_URL", url)

        def tick(cursor: str | None) -> str | None:
            with dg.build_sensor_context(
                instance=instance, cursor=cursor, definitions=definitions
            ) as context:
                sensor.evaluate_tick(context)
                return context.cursor

        cursor = tick(None)
        run = instance.create_run_for_job(
            job_def=job, tags={"dagster/sensor_name": "raw_exports_changed"}
        )
        instance.report_run_canceled(run)
        tick(cursor)
        assert len(posted) == 1
        charts_only = instance.create_run_for_job(
            job_def=job, asset_selection=frozenset({dg.AssetKey(["outputs", "charts"])})
        )
    alert = json.loads(posted[0])
    assert alert["subject"] == "coop-annex: the annex build was stopped, nothing published"
    assert alert["body"].startswith(
        f"The build run {run.run_id[:8]} of job annex_build (started by the sensor "
        "raw_exports_changed"
    )
    assert meant_to_publish(run)
    assert not meant_to_publish(charts_only)
