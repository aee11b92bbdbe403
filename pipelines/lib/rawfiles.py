"""Which files of the raw folder are exports, and whether one may be read: light enough for the
CLI to ask before it imports DuckDB or Dagster.

Only exports are read or hashed (raw-exports.md, "Only exports are read"): a file counts as one
by its folder and name alone (names are taken literally, never as patterns), so that a backup,
a note or a link to a device beside them costs nothing. A link that leads outside the raw folder
is an error naming it when the export is read; the raw folder itself may be a link.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path


class ExportError(Exception):
    """An export cannot be used as it is; the message names the file and the column/row/key.

    Raised outside any `except` block, or `from None`: the message carries the underlying
    error's text, and the build reports the innermost error of a chain.
    """


# What an export is named, per folder of the raw folder (relative, POSIX). The register's
# folders hold any CSV or workbook: their reader tells its shapes apart by their headers.
EXPORT_NAMES: dict[str, re.Pattern[str]] = {
    "register": re.compile(r"[^/]+\.(csv|xlsx)", re.IGNORECASE),
    "register/odoo": re.compile(r"[^/]+\.csv", re.IGNORECASE),
    "assembly": re.compile(r"ga_\d{4}-\d{2}-\d{2}\.csv"),
    "training": re.compile(r"staff_training_\d{4}\.xlsx|member_courses_\d{4}\.csv"),
    "survey": re.compile(r"\d{4}-\d{2}\S*?_(responses|codebook)\.csv"),
    "governance": re.compile(r"[^/]+\.ya?ml"),
}


def never_an_export(name: str) -> bool:
    """A hidden file, Excel's lock file of an open workbook (`~$...`) or a README."""
    return name.startswith((".", "~$")) or name.upper().startswith("README")


def is_export_name(relative: str) -> bool:
    """Whether a path relative to the raw folder (`assembly/ga_2024-06-18.csv`) is named as an
    export is."""
    folder, _, name = relative.rpartition("/")
    pattern = EXPORT_NAMES.get(folder)
    return pattern is not None and not never_an_export(name) and bool(pattern.fullmatch(name))


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda entry: entry.name)
    except OSError:  # no such folder, or not a folder
        return []


def candidate_files(raw_dir: Path) -> Iterator[Path]:
    """The files under `raw_dir` named as exports are, in name order, that can be read without
    leaving the raw folder: a regular file, or a link to one inside it. Nothing else is looked
    at (no other folder is walked, no other file opened or followed)."""
    root = raw_dir.resolve()
    for folder in EXPORT_NAMES:
        for entry in _entries(raw_dir / folder):
            path = Path(entry.path)
            if is_export_name(f"{folder}/{entry.name}") and check_export(path, root) is None:
                yield path


# The author's own files beside the exports: read by the build (a change starts one), but no
# export (never part of the sample mix, never hashed as an export)
AUTHOR_NAMES: dict[str, re.Pattern[str]] = {
    "narrative": re.compile(r"\d{4}\.(nl|fr)\.md|template\.docx"),
}


def author_files(raw_dir: Path) -> Iterator[Path]:
    """The author's text and Word template under `raw_dir`, as `candidate_files` finds exports:
    named as they are, regular files inside the raw folder, nothing else looked at."""
    root = raw_dir.resolve()
    for folder, pattern in AUTHOR_NAMES.items():
        for entry in _entries(raw_dir / folder):
            path = Path(entry.path)
            if (
                not never_an_export(entry.name)
                and pattern.fullmatch(entry.name)
                and check_export(path, root) is None
            ):
                yield path


def check_export(path: Path, raw_root: Path) -> str | None:
    """Why the export file `path` cannot be read (a sentence), or None. `raw_root` is the raw
    folder, resolved: a link to a file inside it is read, one leading out of it is not, nor is
    anything but a regular file (a device, a pipe, a folder: reading one could hang)."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling link, or a loop of links
        return "is a link to nothing (a dangling link): replace it with the export itself"
    if not real.is_relative_to(raw_root):
        return (
            "is a link to a file outside the raw folder, which the build does not follow: "
            "copy the export itself into the raw folder"
        )
    try:
        mode = real.stat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a device, a pipe or a folder): put the export itself there"
    return None


def require_export(path: Path, raw_dir: Path, display: str) -> None:
    """Raise an ExportError naming `display` when `path` may not be read (see `check_export`)."""
    reason = check_export(path, raw_dir.resolve())
    if reason is not None:
        raise ExportError(f"{display}: {reason}")


def has_exports(raw_dir: Path) -> bool:
    """Whether `raw_dir` holds a file that may be an export."""
    return next(candidate_files(raw_dir), None) is not None
