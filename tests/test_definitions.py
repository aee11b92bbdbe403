"""The Dagster code location: a snapshot of the asset graph and its automation."""

from __future__ import annotations

import os
import time

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.automation import QUIET_SECONDS
from pipelines.lib.build import run_build
from pipelines.lib.warehouse import connect
from tests.builders import Register
from tests.helpers import build


def test_every_asset_has_a_group_and_kind_and_is_in_one_job():
    definitions = defs()
    specs = list(definitions.resolve_all_asset_specs())
    assert specs
    for spec in specs:
        assert spec.group_name and spec.group_name != "default", spec.key
        assert spec.kinds, spec.key
    keys = {spec.key.to_user_string() for spec in specs}
    assert {
        "ingest/cooperators",
        "ingest/share_operations",
        "ingest/votes",
        "core/member_spells",
        "core/member_counts",
        "annex/membership_flows",
        "annex/figures",
        "publish/coop_duckdb",
    } <= keys


def test_nightly_schedule_runs_by_default_at_two_in_brussels():
    schedule = defs().resolve_schedule_def("nightly_annex_build")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Brussels"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_job_runs_every_step_in_one_process():
    job = defs().resolve_job_def("annex_build")
    assert job.executor_def is dg.in_process_executor


def test_sensor_requests_a_run_when_a_raw_file_changed_and_the_folder_is_quiet(settings):
    sensor = defs().resolve_sensor_def("raw_exports_changed")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    export = settings.raw_dir / "assembly" / "ga_2024-06-18.csv"
    export.parent.mkdir()

    def written(text: str, seconds_ago: float) -> None:
        export.write_text(text)
        stamp = time.time() - seconds_ago
        os.utime(export, (stamp, stamp))

    written("member_number\n1\n", seconds_ago=QUIET_SECONDS + 5)
    first = sensor(dg.build_sensor_context(cursor=None))
    assert len(first.run_requests) == 1
    again = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert not again.run_requests
    written("member_number\n1\n2\n", seconds_ago=1)  # still being copied, perhaps
    copying = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert not copying.run_requests
    assert "waiting until the raw folder has been quiet" in copying.skip_reason.skip_message
    written("member_number\n1\n2\n3\n", seconds_ago=QUIET_SECONDS + 1)
    changed = sensor(dg.build_sensor_context(cursor=first.cursor))
    assert len(changed.run_requests) == 1
    assert changed.cursor != first.cursor
    # the secretary opens a workbook in place: Excel writes its lock file beside it
    (settings.raw_dir / "assembly" / "~$ga_2024-06-18.xlsx").write_bytes(b"\0")
    (settings.raw_dir / ".DS_Store").write_bytes(b"\0")
    opened = sensor(dg.build_sensor_context(cursor=changed.cursor))
    assert not opened.run_requests
    assert "waiting" not in (opened.skip_reason.skip_message if opened.skip_reason else "")


def test_nightly_build_waits_while_a_raw_export_is_being_copied(settings):
    schedule = defs().resolve_schedule_def("nightly_annex_build")
    export = settings.raw_dir / "register" / "cooperators.csv"
    export.parent.mkdir()
    export.write_text("cooperator_register_number\n1\n")  # written just now
    with dg.build_schedule_context() as context:
        waiting = schedule.evaluate_tick(context)
    assert not waiting.run_requests
    assert "waiting until the raw folder has been quiet" in waiting.skip_message
    for seconds_ago in (QUIET_SECONDS + 1, -3600):  # quiet; a clock an hour ahead says nothing
        stamp = time.time() - seconds_ago
        os.utime(export, (stamp, stamp))
        with dg.build_schedule_context() as context:
            assert len(schedule.evaluate_tick(context).run_requests) == 1


def test_blocking_checks_guard_the_publication():
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    blocking = {key.name for key in graph.asset_check_keys if graph.get_check_spec(key).blocking}
    assert {
        "member_numbers_unique",
        "operation_numbers_unique",
        "operation_members_known",
        "holdings_never_negative",
        "membership_flows_reconcile",
        "categories_sum_to_members",
    } <= blocking
    upstream = graph.get(dg.AssetKey(["publish", "coop_duckdb"])).parent_keys
    assert dg.AssetKey(["annex", "figures"]) in upstream


def test_one_model_of_a_shared_step_can_be_made_alone(settings):
    """The models of a domain share a step, but a subset run makes only the selected one."""
    register = Register()
    register.member(1)
    register.subscribe("2023-03-01", 1, 2)
    assert build(settings, register).published
    with connect(settings.work_db_path) as con:
        con.execute("drop table annex.members_by_category")
        before = con.execute("select count(*) from annex.membership_flows").fetchone()
    result = (
        defs()
        .resolve_job_def("annex_publish")
        .execute_in_process(
            asset_selection=[dg.AssetKey(["annex", "members_by_category"])],
            instance=dg.DagsterInstance.ephemeral(),  # the warehouse comes from ANNEX_* here
        )
    )
    assert result.success
    made = {
        event.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION"
    }
    assert made == {"annex/members_by_category"}
    with connect(settings.work_db_path) as con:
        rows = con.execute("select year, category, members from annex.members_by_category")
        assert (2023, "A", 1) in rows.fetchall()
        assert con.execute("select count(*) from annex.membership_flows").fetchone() == before


def test_a_build_that_stops_names_each_step_not_run_and_what_it_waited_for(settings):
    lines: list[str] = []
    outcome = run_build(settings, progress=lines.append, outputs=False)  # raw/ holds no export
    assert not outcome.published
    assert any("register_snapshot" in error for error in outcome.errors), outcome.errors
    assert "  ! staging_models not run: it needs register_snapshot, which did not complete" in lines
    not_run = [line for line in lines if "not run" in line]
    assert not_run and all(line.count("register_snapshot") <= 1 for line in not_run), not_run
