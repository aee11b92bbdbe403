"""Which files of the raw folder are exports, and whether one may be read: light enough for the
CLI to ask before it imports DuckDB or Dagster.

Only exports are read or hashed (raw-exports.md, "Only exports are read"): a file counts as one
by its folder and name alone (names are taken literally, never as patterns), so that a backup,
a note or a link to a device beside them costs nothing. A link that leads outside the raw folder
is an error naming it when the export is read; the raw folder itself may be a link.
"""

from __future__ import annotations

import json
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


# Beside the exports, hidden (never read as an export): the files `annex sample-data` wrote,
# each with its size and modification time, so that the sample can be written again over its
# own files but never over an export put there since, and a build can tell them apart.
SAMPLE_MARKER = ".sample.json"
# Folders of files kept by hand (the secretariat's governance facts, the author's annex text),
# edited or added beside the sample as a matter of course: no export of another system.
HAND_KEPT = ("governance", "narrative")


def sample_written(raw_dir: Path) -> dict[str, list[int]]:
    """The files the last sample written into `raw_dir` wrote (relative names), with their
    stamps (`file_stamp`), as its marker lists them."""
    try:
        written = json.loads((raw_dir / SAMPLE_MARKER).read_text())["files"]
    except (OSError, ValueError, KeyError):
        return {}
    return written if isinstance(written, dict) else {}


def file_stamp(path: Path) -> list[int]:
    """A file's size and modification time, as the sample's marker records them."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def foreign_files(raw_dir: Path) -> list[Path]:
    """The files under `raw_dir` that may be exports and are not the sample's as it wrote
    them: a file it did not write, or one changed or replaced since (its size or modification
    time differs)."""
    return _sample_and_foreign(raw_dir)[1]


def sample_mix(raw_dir: Path) -> str | None:
    """A warning when `raw_dir` holds some of the sample's exports, as it wrote them, beside
    exports that are not the sample's (real exports dropped in beside the sample that the
    README's first command wrote): the build would read both. A hand-kept file (under
    `HAND_KEPT`), edited or added, is no such export."""
    sample, foreign = _sample_and_foreign(raw_dir)
    foreign = [path for path in foreign if path.relative_to(raw_dir).parts[0] not in HAND_KEPT]
    if not sample or not foreign:
        return None
    many = len(foreign) > 1
    return (
        f"the raw folder mixes {len(sample)} files of the sample (written by `annex "
        f"sample-data`, listed in {raw_dir / SAMPLE_MARKER}) with {len(foreign)} "
        f"file{'s' if many else ''} that {'are' if many else 'is'} not the sample's as it "
        f"wrote {'them' if many else 'it'} ({listing(foreign, raw_dir)}): the figures are "
        "computed from both. Before building from real exports, remove the sample's files"
    )


def listing(paths: list[Path], root: Path, shown: int = 3) -> str:
    """The first `shown` of `paths`, relative to `root`, and how many more."""
    names = [path.relative_to(root).as_posix() for path in paths]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _sample_and_foreign(raw_dir: Path) -> tuple[list[str], list[Path]]:
    """The sample's files still as it wrote them (relative names), and the files that may be
    exports and are not (`foreign_files`), from one reading of the list and one stat each."""
    written = sample_written(raw_dir)
    sample, foreign = [], []
    for path in candidate_files(raw_dir):
        key = path.relative_to(raw_dir).as_posix()
        if written.get(key) == file_stamp(path):
            sample.append(key)
        else:
            foreign.append(path)
    return sorted(sample), sorted(foreign)
