"""Where things are: the raw exports, the warehouse and the pseudonym key.

Every setting comes from an environment variable with a working default, so that the same code
runs from the CLI, the Dagster UI, the nightly schedule and the tests (which point them at a
temporary folder).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = PROJECT_ROOT / "sql"

RAW_DIR_VAR = "ANNEX_RAW_DIR"
WAREHOUSE_DIR_VAR = "ANNEX_WAREHOUSE_DIR"
PSEUDONYM_KEY_VAR = "ANNEX_PSEUDONYM_KEY"

PUBLICATION_NAME = "coop.duckdb"


def default_key_path() -> Path:
    """The key file lives in the user's config folder, outside any repository."""
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config_home / "coop-annex" / "pseudonym.key"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse_dir: Path
    pseudonym_key_path: Path

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
        )

    @property
    def publication_path(self) -> Path:
        """The published warehouse: what report authors and notebooks open, read-only."""
        return self.warehouse_dir / PUBLICATION_NAME

    @property
    def build_dir(self) -> Path:
        """Private to the build: the working database, the staging copy and the lock."""
        return self.warehouse_dir / ".build"

    @property
    def work_db_path(self) -> Path:
        return self.build_dir / "work.duckdb"

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
