"""Share register: the newest snapshot of the four register files (or Odoo's own export, or the
register's workbook, turned into them), into the ingestion layer."""

import dagster as dg

from pipelines.lib.assets import export_materialization, ingest_spec, key_of
from pipelines.lib.ingest import load_csv_export, not_read
from pipelines.lib.metadata import table_metadata
from pipelines.lib.models import check_specs, evaluate_check
from pipelines.lib.rawfiles import sample_mix
from pipelines.lib.resources import Warehouse
from pipelines.lib.reuse import WorkLedger, table_is_current
from pipelines.lib.sources import raw_folder_strays
from pipelines.lib.sources.register import (
    MEMBER_KEYS_TABLE,
    REGISTER_FILES,
    REGISTER_SPECS,
    key_changed,
    member_keys_version,
    refresh_member_keys,
)
from pipelines.lib.sources.register_odoo import load_odoo
from pipelines.lib.sources.register_shapes import (
    ODOO_FOLDER,
    SHAPE_NAMES,
    SOURCE_TABLE,
    WORKBOOK_NAME,
    find_register,
    record_source,
)
from pipelines.lib.sources.register_workbook import load_workbook_register
from pipelines.lib.sqlfiles import checks_of

# what this step writes; their checks (sql/ingest/<table>.checks.sql) run once all are written
TABLES = [*(spec.table for spec in REGISTER_SPECS.values()), MEMBER_KEYS_TABLE, SOURCE_TABLE]


@dg.multi_asset(
    specs=[ingest_spec(spec.table, spec.description, "csv") for spec in REGISTER_SPECS.values()]
    + [
        ingest_spec(
            MEMBER_KEYS_TABLE,
            "Every member's pseudonym (private: never published).",
            deps=("ingest.cooperators",),
        ),
        ingest_spec(
            SOURCE_TABLE,
            "Which shape of the register the build read, and why exit or refusal "
            "reasons are unknown (Odoo keeps none).",
        ),
    ],
    check_specs=check_specs(TABLES),
    name="register_snapshot",
)
def register_snapshot(context: dg.AssetExecutionContext, warehouse: Warehouse):  # noqa: ANN201
    """Read the newest register snapshot; older snapshots are listed as ignored."""
    settings = warehouse.settings
    for warning in raw_folder_strays(settings.raw_dir):  # the step every build needs
        context.log.warning(warning)
    mixed = sample_mix(settings.raw_dir)
    if mixed:
        context.log.warning(mixed)
    folder = settings.raw_dir / "register"
    source = find_register(folder, settings.raw_dir)
    ignored = [path.name for path in source.ignored]
    if ignored:
        context.log.info(f"older register snapshots ignored: {', '.join(ignored)}")
    expected = (
        f"a register file ({', '.join(REGISTER_FILES)}: <name>.csv or <name>_YYYYMMDD.csv; "
        f"or {ODOO_FOLDER}/*.csv, Odoo's own export; or {WORKBOOK_NAME})"
    )
    listed = [*source.files, *source.ignored]
    for warning in not_read(folder, listed, settings.raw_dir, expected):
        context.log.warning(warning)
    context.log.info(f"register read from {SHAPE_NAMES[source.shape]}")
    with warehouse.connect() as con:
        exits_note = refusals_note = None
        if source.shape == "odoo":
            results, exits_note, refusals_note = load_odoo(
                con, source.files, settings.raw_dir, reuse=warehouse.reuse_unchanged
            )
        elif source.shape == "workbook":
            results, refusals_note = load_workbook_register(
                con, source.files[0], settings.raw_dir, reuse=warehouse.reuse_unchanged
            )
        else:
            by_name = {
                path.name.split(".")[0].removesuffix(f"_{source.stamp}"): path
                for path in source.files
            }
            results = [
                load_csv_export(
                    con,
                    spec,
                    [by_name[name]],
                    settings.raw_dir,
                    reuse=warehouse.reuse_unchanged,
                )
                for name, spec in REGISTER_SPECS.items()
            ]
        for result in results:
            yield export_materialization(
                con,
                result,
                log=context.log,
                register_shape=source.shape,
                snapshot=source.stamp or "unsuffixed",
                ignored_snapshot_files=", ".join(ignored) or "none",
            )
        files = sorted({name for result in results for name in result.files})
        record_source(con, source.shape, files, exits_note, refusals_note)
        for note in (exits_note, refusals_note):
            if note:
                context.log.warning(f"{note}: the figures that need it are left empty")
        yield dg.MaterializeResult(
            asset_key=key_of(SOURCE_TABLE),
            metadata={"shape": source.shape, "files": ", ".join(files)},
        )
        # the pseudonyms follow from the members and the key: versioned by both (reuse.py),
        # and kept when neither changed
        version = member_keys_version(con)
        kept = warehouse.reuse_unchanged and table_is_current(con, MEMBER_KEYS_TABLE, version)
        hashed = 0
        if not kept and key_changed(con):
            context.log.warning(
                f"the pseudonym key ({settings.pseudonym_key_path}) is not the one the last "
                "build used: every member's pseudonym changes in this publication, and "
                "pseudonyms kept from an earlier one no longer match. If the key was lost or "
                "replaced by mistake, put it back and build again"
            )
        if not kept:
            WorkLedger(con).forget(MEMBER_KEYS_TABLE)  # a refresh that stops matches nothing
            hashed = refresh_member_keys(con)
            WorkLedger(con).record(MEMBER_KEYS_TABLE, version)
        yield dg.MaterializeResult(
            asset_key=key_of(MEMBER_KEYS_TABLE),
            metadata=table_metadata(con, MEMBER_KEYS_TABLE, preview=False)
            | {"members_hashed": hashed, "unchanged": kept},
        )
        for table in TABLES:
            for check in checks_of(table):
                yield evaluate_check(con, check)
