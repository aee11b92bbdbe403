from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from pipelines.lib.config import WORK_DIR_VAR, Settings

# The builds' private working folders: never the user's own state folder (one per test process;
# each warehouse has its own folder in it).
if not os.environ.get(WORK_DIR_VAR):
    os.environ[WORK_DIR_VAR] = tempfile.mkdtemp(prefix="annex-work-")
    atexit.register(shutil.rmtree, os.environ[WORK_DIR_VAR], True)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Raw folder, warehouse and pseudonym key of a test, all under tmp_path."""
    monkeypatch.setenv("ANNEX_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("ANNEX_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("ANNEX_PSEUDONYM_KEY", str(tmp_path / "pseudonym.key"))
    (tmp_path / "raw").mkdir()
    return Settings.from_env()


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The sample exports (scale 1) built and published once for the whole test session.

    Tests must treat it as read-only: open the publication with `read_publication(settings)`.
    """
    from pipelines.lib.build import run_build
    from pipelines.sample import write_sample

    root = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANNEX_RAW_DIR", str(root / "raw"))
        patch.setenv("ANNEX_WAREHOUSE_DIR", str(root / "warehouse"))
        patch.setenv("ANNEX_PSEUDONYM_KEY", str(root / "pseudonym.key"))
        settings = Settings.from_env()
        write_sample(settings.raw_dir, scale=1)
        outcome = run_build(settings, progress=lambda line: None)
        assert outcome.published and not outcome.errors, (outcome.errors, outcome.failed_checks)
    return settings
