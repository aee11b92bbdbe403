"""The asset graph read from sql/: a snapshot of it, so that a change to the graph shows in review,
and the conventions of the folder (dependencies parsed, checks beside their models, macros).

After a deliberate change to the graph, write the snapshot again and commit it:

    ANNEX_UPDATE_SNAPSHOTS=1 uv run pytest tests/test_graph.py
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.lib.config import SQL_DIR
from pipelines.lib.sqlfiles import (
    LAYERS,
    all_models,
    checks_of,
    load_macros,
    model_deps,
    query_reads,
    read_checks,
    tables_read,
)

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"
UPDATE_VAR = "ANNEX_UPDATE_SNAPSHOTS"


def graph_text() -> str:
    """Every asset with its group and dependencies, and every check with its severity, sorted."""
    graph = defs().resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        lines.append(f"{key.to_user_string()}  [{node.group_name}]")
        lines += [f"  <- {parent.to_user_string()}" for parent in sorted(node.parent_keys)]
        for check in sorted(node.check_keys, key=lambda c: c.name):
            spec = graph.get_check_spec(check)
            severity = "blocking" if spec.blocking else "warning"
            lines.append(f"  check {check.name} ({severity})")
            lines += [f"    reads {dep.asset_key.to_user_string()}" for dep in spec.additional_deps]
    return "\n".join(lines) + "\n"


def test_the_asset_graph_is_the_snapshot():
    text = graph_text()
    if os.environ.get(UPDATE_VAR):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == text, (
        f"the asset graph changed: review it, then {UPDATE_VAR}=1 uv run pytest {__file__}"
    )


def test_dependencies_are_the_tables_a_query_reads_ctes_comments_and_literals_aside():
    query = """
        -- from core.not_this
        /* nor core.this_one */
        with recent as (select * from core.members where joined > '2024-01-01')
        select 'annex.nor_a_literal', m.x from staging.member_spells m
        join recent r using (member_key)
        where exists (select 1 from ingest.votes v where v.member_number = m.member_number)
        union all select 1, 2 from read_csv('x.csv')
    """
    assert tables_read(query) == {"core.members", "staging.member_spells", "ingest.votes"}
    with pytest.raises(ValueError, match="name the schema of members"):
        tables_read("select * from members")
    with pytest.raises(ValueError, match="cannot parse"):
        tables_read("select from where")


def test_every_model_is_in_its_layers_group_and_reads_no_later_layer():
    models = all_models()
    assert {model.schema for model in models} == set(LAYERS)
    for model in models:
        assert model.doc["group"] == model.schema, model.source
        for dep in model_deps(model):
            schema = dep.split(".")[0]
            # a layer reads the exports and the layers before it (or itself): one step each
            assert schema == "ingest" or LAYERS.index(schema) <= LAYERS.index(model.schema), (
                model.qualified_name,
                dep,
            )


def test_check_files_guard_tables_that_exist_and_say_how_to_fix_them():
    graph = defs().resolve_asset_graph()
    keys = {key.to_user_string().replace("/", ".") for key in graph.get_all_asset_keys()}
    paths = sorted(SQL_DIR.glob("*/*.checks.sql"))
    assert paths
    names = []
    for path in paths:
        checks = read_checks(path)
        assert checks, path
        for check in checks:
            assert check.table in keys, path
            assert check.fix and check.description, check.name
            assert query_reads(check.query), check.name  # a query DuckDB parses
            names.append(check.name)
    assert len(names) == len(set(names)), "a check's name is unique"
    severities = {c.name: c.blocking for c in checks_of("annex.governance_facts")}
    assert severities == {"governance_partners_are_new_company_members": False}


def test_a_check_file_without_a_header_or_with_an_unknown_severity_is_an_error(tmp_path):
    folder = tmp_path / "core"
    folder.mkdir()
    path = folder / "years.checks.sql"
    path.write_text("select 1;")
    with pytest.raises(ValueError, match="header"):
        read_checks(path)
    path.write_text("/*\nname: x\ndescription: d\nfix: f\nseverity: fatal\n*/\nselect 1;")
    with pytest.raises(ValueError, match="severity"):
        read_checks(path)


@pytest.mark.parametrize(
    ("counts", "notes"),
    [
        # one small cell: it and the smallest other cell are withheld, never the total
        ([("total", 40), ("a", 5), ("b", 12), ("c", 20)], [None, "small", "complement", None]),
        ([("total", 40), ("a", 5), ("b", 3), ("c", 20)], [None, "small", "small", None]),
        ([("total", 9), ("a", 10), ("b", None)], [None, "complement", "small"]),
        ([("total", 30), ("a", 15), ("b", 15)], [None, None, None]),
    ],
)
def test_the_small_cell_rule_withholds_small_cells_and_their_complement(counts, notes):
    con = duckdb.connect()
    load_macros(con)
    rows = con.execute(
        "select suppress_small(n, cell = 'total', 1, (coalesce(n, 0), position)) "
        "from (select unnest(?) as cell, unnest(?) as n, unnest(range(?)) as position) "
        "order by position",
        [[c for c, _ in counts], [n for _, n in counts], len(counts)],
    ).fetchall()
    assert [row[0] for row in rows] == notes
    assert con.execute("select is_small(9), is_small(10), is_small(null)").fetchone() == (
        True,
        False,
        None,
    )
