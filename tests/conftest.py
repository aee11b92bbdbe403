from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lib.config import Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Raw folder, warehouse and pseudonym key of a test, all under tmp_path."""
    monkeypatch.setenv("ANNEX_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("ANNEX_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("ANNEX_PSEUDONYM_KEY", str(tmp_path / "pseudonym.key"))
    (tmp_path / "raw").mkdir()
    return Settings.from_env()
