"""Training: HR's staff training workbooks and the course-booking tool's registrations, into the
ingestion layer."""

import dagster as dg

from pipelines.lib.assets import export_materialization, ingest_spec, key_of
from pipelines.lib.ingest import load_csv_export, load_workbook_export, not_read
from pipelines.lib.models import check_specs, evaluate_check
from pipelines.lib.resources import Warehouse
from pipelines.lib.sources.training import (
    MEMBER_COURSES,
    STAFF_PARTICIPATIONS,
    STAFF_TRAININGS,
    check_course_duplicates,
    check_staff_duplicates,
    member_course_files,
    staff_training_files,
)
from pipelines.lib.sqlfiles import checks_of


@dg.multi_asset(
    specs=[
        ingest_spec(spec.table, spec.description, "excel")
        for spec in (STAFF_TRAININGS, STAFF_PARTICIPATIONS)
    ],
    check_specs=check_specs([STAFF_TRAININGS.table, STAFF_PARTICIPATIONS.table]),
    name="staff_training_workbooks",
)
def staff_training_workbooks(context: dg.AssetExecutionContext, warehouse: Warehouse):  # noqa: ANN201
    """Both sheets of every `training/staff_training_YYYY.xlsx`."""
    settings = warehouse.settings
    files = staff_training_files(settings.raw_dir)
    # the folder's files are these workbooks and the member course files (the next step)
    read = [*files, *member_course_files(settings.raw_dir)]
    expected = (
        "a staff training workbook (staff_training_YYYY.xlsx) nor a member course file "
        "(member_courses_YYYY.csv)"
    )
    for warning in not_read(settings.raw_dir / "training", read, settings.raw_dir, expected):
        context.log.warning(warning)
    with warehouse.connect() as con:
        results = [
            load_workbook_export(
                con, spec, files, settings.raw_dir, reuse=warehouse.reuse_unchanged
            )
            for spec in (STAFF_TRAININGS, STAFF_PARTICIPATIONS)
        ]
        check_staff_duplicates(con)
        for result in results:
            yield export_materialization(con, result, log=context.log)
        for spec in (STAFF_TRAININGS, STAFF_PARTICIPATIONS):
            for check in checks_of(spec.table):
                yield evaluate_check(con, check)


@dg.asset(
    key=key_of(MEMBER_COURSES.table),
    description=MEMBER_COURSES.description,
    group_name="ingest",
    kinds={"duckdb", "csv"},
)
def member_course_registrations(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Every `training/member_courses_YYYY.csv`."""
    settings = warehouse.settings
    with warehouse.connect() as con:
        result = load_csv_export(
            con,
            MEMBER_COURSES,
            member_course_files(settings.raw_dir),
            settings.raw_dir,
            reuse=warehouse.reuse_unchanged,
        )
        check_course_duplicates(con)
        return export_materialization(con, result, log=context.log, keyed=False)
