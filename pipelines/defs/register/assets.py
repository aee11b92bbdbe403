"""Share register: the newest snapshot of the four register files, into the ingestion layer."""

import dagster as dg

from pipelines.lib.assets import check_spec, evaluate_check, export_materialization, key_of
from pipelines.lib.exports import load_csv_export, not_read
from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import Warehouse
from pipelines.lib.sources import raw_folder_strays
from pipelines.lib.sources.register import (
    MEMBER_KEYS_TABLE,
    REGISTER_FILES,
    REGISTER_SPECS,
    choose_snapshot,
    key_changed,
    member_keys_version,
    refresh_member_keys,
)
from pipelines.lib.sources.register_checks import REGISTER_CHECKS
from pipelines.lib.versions import forget_version, is_current, record_version
from pipelines.sample import sample_mix


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key_of(spec.table),
            description=spec.description,
            group_name="register",
            kinds={"duckdb", "csv"},
        )
        for spec in REGISTER_SPECS.values()
    ]
    + [
        dg.AssetSpec(
            key_of(MEMBER_KEYS_TABLE),
            description="Every member's pseudonym (private: never published).",
            group_name="register",
            kinds={"duckdb"},
            deps=[key_of("ingest.cooperators")],
        )
    ],
    check_specs=[check_spec(check) for check in REGISTER_CHECKS],
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
    snapshot = choose_snapshot(folder)
    ignored = [path.name for path in snapshot.ignored]
    if ignored:
        context.log.info(f"older register snapshots ignored: {', '.join(ignored)}")
    expected = f"a register file ({', '.join(REGISTER_FILES)}: <name>.csv or <name>_YYYYMMDD.csv)"
    listed = [*snapshot.files.values(), *snapshot.ignored]
    for warning in not_read(folder, listed, settings.raw_dir, expected):
        context.log.warning(warning)
    with warehouse.connect() as con:
        for name, spec in REGISTER_SPECS.items():
            result = load_csv_export(
                con,
                spec,
                [snapshot.files[name]],
                settings.raw_dir,
                reuse=warehouse.reuse_unchanged,
            )
            yield export_materialization(
                con,
                result,
                log=context.log,
                snapshot=snapshot.stamp or "unsuffixed",
                ignored_snapshot_files=", ".join(ignored) or "none",
            )
        # the pseudonyms follow from the members and the key: versioned by both (versions.py),
        # and kept when neither changed
        version = member_keys_version(con)
        kept = warehouse.reuse_unchanged and is_current(con, MEMBER_KEYS_TABLE, version, "table")
        hashed = 0
        if not kept and key_changed(con):
            context.log.warning(
                f"the pseudonym key ({settings.pseudonym_key_path}) is not the one the last "
                "build used: every member's pseudonym changes in this publication, and "
                "pseudonyms kept from an earlier one no longer match. If the key was lost or "
                "replaced by mistake, put it back and build again"
            )
        if not kept:
            forget_version(con, MEMBER_KEYS_TABLE)  # a refresh that stops matches nothing
            hashed = refresh_member_keys(con)
            record_version(con, MEMBER_KEYS_TABLE, version)
        yield dg.MaterializeResult(
            asset_key=key_of(MEMBER_KEYS_TABLE),
            metadata=table_metadata(con, MEMBER_KEYS_TABLE, preview=False)
            | {"members_hashed": hashed, "unchanged": kept},
        )
        for check in REGISTER_CHECKS:
            yield evaluate_check(con, check)
