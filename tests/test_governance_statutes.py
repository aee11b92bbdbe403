"""The governance file's optional `statutes:` and `autonomy:` keys (the annex's principles 2-4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lib.ingest import ExportError
from pipelines.lib.sources.governance import flatten, parse_governance


def governance(raw: Path, text: str) -> Path:
    folder = raw / "governance"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "2024.yaml"
    path.write_text("year: 2024\n" + text, encoding="utf-8")
    return path


def test_statutes_and_autonomy_are_read_as_facts(tmp_path):
    path = governance(
        tmp_path,
        "statutes: {one_member_one_vote_article: 37, statutory_director: false}\n"
        "autonomy: {agreements_limiting_autonomy: true}\n",
    )
    facts = {
        key: (value, text)
        for key, value, text, _ in flatten(parse_governance(path, tmp_path).facts)
    }
    assert facts["statutes.one_member_one_vote_article"] == (37, None)
    assert facts["statutes.statutory_director"] == (None, "false")
    assert facts["autonomy.agreements_limiting_autonomy"] == (None, "true")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("statutes: {board_mandate_article: 0}", "statutes.board_mandate_article: must be >= 1"),
        (
            "statutes: {board_mandate_article: '24'}",
            "statutes.board_mandate_article: must be a whole number",
        ),
        ("statutes: {mandate_article: 24}", "statutes.mandate_article: unknown key"),
        (
            "autonomy: {agreements_limiting_autonomy: 1}",
            "autonomy.agreements_limiting_autonomy: must be true or false",
        ),
    ],
)
def test_a_wrong_statutes_key_names_file_and_key(tmp_path, text, message):
    path = governance(tmp_path, text)
    with pytest.raises(ExportError, match=rf"^governance/2024\.yaml: {message}"):
        parse_governance(path, tmp_path)
