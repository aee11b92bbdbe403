"""Where things are: the raw exports, the warehouse, the build's private working state and the
pseudonym key.

Every setting comes from an environment variable with a working default, so that the same code
runs from the CLI, the Dagster UI, the nightly schedule and the tests (which point them at a
temporary folder).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = PROJECT_ROOT / "sql"

RAW_DIR_VAR = "ANNEX_RAW_DIR"
WAREHOUSE_DIR_VAR = "ANNEX_WAREHOUSE_DIR"
PSEUDONYM_KEY_VAR = "ANNEX_PSEUDONYM_KEY"
WORK_DIR_VAR = "ANNEX_WORK_DIR"

PUBLICATION_NAME = "coop.duckdb"


def default_key_path() -> Path:
    """The key file lives in the user's config folder, outside any repository."""
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config_home / "coop-annex" / "pseudonym.key"


def default_work_root() -> Path:
    """The build's private working state lives in the user's state folder, never beside the
    publication that authors open, copy and sync (interface.md, "Private working state")."""
    state_home = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state_home / "coop-annex"


def work_root_from_env() -> Path:
    return Path(os.environ.get(WORK_DIR_VAR) or default_work_root()).expanduser().resolve()


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse_dir: Path
    pseudonym_key_path: Path
    # ANNEX_WORK_DIR: the private folder holding one working folder per warehouse
    work_root: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            raw_dir=Path(os.environ.get(RAW_DIR_VAR) or PROJECT_ROOT / "raw")
            .expanduser()
            .resolve(),
            warehouse_dir=Path(os.environ.get(WAREHOUSE_DIR_VAR) or PROJECT_ROOT / "warehouse")
            .expanduser()
            .resolve(),
            pseudonym_key_path=Path(
                os.environ.get(PSEUDONYM_KEY_VAR) or default_key_path()
            ).expanduser(),
            work_root=work_root_from_env(),
        )

    @property
    def publication_path(self) -> Path:
        """The published warehouse: what report authors and notebooks open, read-only."""
        return self.warehouse_dir / PUBLICATION_NAME

    @property
    def build_dir(self) -> Path:
        """The build's own files beside the publication: the lock, the staging copy of the
        publication (on its filesystem, so that the replace is atomic) and its manifest. Nothing
        in it maps members to pseudonyms."""
        return self.warehouse_dir / ".build"

    @property
    def work_dir(self) -> Path:
        """This warehouse's private working folder (mode 0700): the working database, DuckDB's
        spill files and temporary copies of exports. One per warehouse folder, named after it,
        under ANNEX_WORK_DIR (default: the user's state folder)."""
        root = self.work_root or work_root_from_env()
        digest = hashlib.sha256(str(self.warehouse_dir).encode()).hexdigest()[:12]
        return root / f"{self.warehouse_dir.name}-{digest}"

    @property
    def work_db_path(self) -> Path:
        """The working database: a cache of what the exports give, with member numbers and
        their pseudonyms; never published, never in the warehouse folder."""
        return self.work_dir / "work.duckdb"

    @property
    def scratch_dir(self) -> Path:
        """Temporary copies of exports (a transcoded CSV): emptied at each build's start, so
        that a killed build's copies live until the next build at the latest."""
        return self.work_dir / "tmp"

    @property
    def spill_dir(self) -> Path:
        """DuckDB's spill files of the build (they may hold person-level rows)."""
        return self.work_dir / "spill"

    @property
    def outputs_dir(self) -> Path:
        return self.warehouse_dir / "outputs"

    def pseudonym_key(self) -> bytes:
        """The HMAC key, created (random, 32 bytes, mode 600) on first use."""
        path = self.pseudonym_key_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
        text = path.read_text().strip()
        try:
            key = bytes.fromhex(text)
        except ValueError as exc:
            raise ValueError(f"{path}: the pseudonym key must be hexadecimal") from exc
        if len(key) < 16:
            raise ValueError(f"{path}: the pseudonym key must hold at least 16 bytes")
        return key
