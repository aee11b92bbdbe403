"""What the Dagster UI shows of each table: its row count, and a preview unless private."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs
from pipelines.lib.build import run_build
from tests.builders import Register

VIEWS = ("core/members", "core/member_spells", "staging/member_states")


def test_every_table_asset_a_view_too_shows_its_row_count_and_public_ones_a_preview(settings):
    register = Register()
    for number in (1, 2, 3):
        register.member(number)
    register.subscribe("2023-03-01", 1, 2)
    register.subscribe("2023-04-01", 2, 1)
    register.subscribe("2023-05-01", 2, 1, cls="B")  # member 2 holds A and B: one more state
    register.subscribe("2024-01-10", 3, 1)
    register.write(settings.raw_dir)
    lines: list[str] = []
    assert run_build(settings, progress=lines.append, outputs=False).published
    said = {line.split("· ", 1)[1] for line in lines if "· " in line}
    assert "core/members (3 rows)" in said
    assert "core/member_spells (3 rows)" in said
    assert "staging/member_states (4 rows)" in said
    result = (
        defs()
        .resolve_job_def("annex_publish")
        .execute_in_process(
            asset_selection=[dg.AssetKey(key.split("/")) for key in VIEWS],
            instance=dg.DagsterInstance.ephemeral(),
        )
    )
    made = {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    assert {key: made[key]["dagster/row_count"].value for key in VIEWS} == {
        "core/members": 3,
        "core/member_spells": 3,
        "staging/member_states": 4,
    }
    assert "| member_key" in made["core/members"]["preview"].value
    assert "spell_no" in made["core/member_spells"]["preview"].value
    # keyed by raw member numbers: the run log, kept in the instance, never holds its rows
    assert "preview" not in made["staging/member_states"]
