"""What in the raw folder is never an export: light enough for the CLI to ask before it
imports DuckDB or Dagster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def never_an_export(name: str) -> bool:
    """A hidden file, Excel's lock file of an open workbook (`~$...`) or a README."""
    return name.startswith((".", "~$")) or name.upper().startswith("README")


def candidate_files(raw_dir: Path) -> Iterator[Path]:
    """The files under `raw_dir` that may be exports: not hidden or in a hidden folder
    (`.DS_Store`, `.git/`), not an Excel lock file, not a README."""
    if raw_dir.is_dir():
        for path in raw_dir.rglob("*"):
            parts = path.relative_to(raw_dir).parts
            if path.is_file() and not any(never_an_export(part) for part in parts):
                yield path


def has_exports(raw_dir: Path) -> bool:
    """Whether `raw_dir` holds a file that may be an export."""
    return next(candidate_files(raw_dir), None) is not None
