"""Training: HR's staff training workbooks and the course-booking tool's registrations, into the
ingestion layer; then one row per training and per session (core) and the annex tables."""

import dagster as dg

from pipelines.lib.assets import (
    Model,
    check_spec,
    evaluate_check,
    export_materialization,
    key_of,
    sql_model_assets,
)
from pipelines.lib.ingest import load_csv_export, load_workbook_export, not_read
from pipelines.lib.resources import Warehouse
from pipelines.lib.sources.training import (
    MEMBER_COURSES,
    STAFF_PARTICIPATIONS,
    STAFF_TRAINING_CHECKS,
    STAFF_TRAININGS,
    check_course_duplicates,
    check_staff_duplicates,
    member_course_files,
    staff_training_files,
)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key_of(spec.table),
            description=spec.description,
            group_name="training",
            kinds={"duckdb", "excel"},
        )
        for spec in (STAFF_TRAININGS, STAFF_PARTICIPATIONS)
    ],
    check_specs=[check_spec(check) for check in STAFF_TRAINING_CHECKS],
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
        for check in STAFF_TRAINING_CHECKS:
            yield evaluate_check(con, check)


@dg.asset(
    key=key_of(MEMBER_COURSES.table),
    description=MEMBER_COURSES.description,
    group_name="training",
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


training_models = sql_model_assets(
    "training_models",
    group="training",
    models=[
        Model("core/staff_trainings.sql", deps=[STAFF_TRAININGS.table, STAFF_PARTICIPATIONS.table]),
        Model("core/member_course_sessions.sql", deps=[MEMBER_COURSES.table]),
        Model("annex/staff_training.sql", deps=[STAFF_TRAININGS.table, STAFF_PARTICIPATIONS.table]),
        Model("annex/member_courses.sql", deps=[MEMBER_COURSES.table]),
    ],
)
