"""What in the raw folder is never an export: light enough for the CLI to ask before it
imports DuckDB or Dagster."""

from __future__ import annotations

from pathlib import Path


def never_an_export(name: str) -> bool:
    """A hidden file, Excel's lock file of an open workbook (`~$...`) or a README."""
    return name.startswith((".", "~$")) or name.upper().startswith("README")


def has_exports(raw_dir: Path) -> bool:
    """Whether `raw_dir` holds a file that may be an export: not hidden or in a hidden folder
    (`.DS_Store`, `.git/`), not an Excel lock file, not a README."""
    return raw_dir.is_dir() and any(
        path.is_file()
        and not any(never_an_export(part) for part in path.relative_to(raw_dir).parts)
        for path in raw_dir.rglob("*")
    )
