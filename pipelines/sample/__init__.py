"""Deterministic sample raw exports, modelled on a SmartCoop-like cooperative.

`write_sample(out_dir, scale)` writes every export the pipeline reads; at scale 1 the pipeline
publishes exactly the 2024 values of the annex the sample imitates (tests/golden/golden-2024.csv).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.lib.rawfiles import candidate_files

# Beside the exports, hidden (never read as an export): the files the sample wrote, each with
# its size and modification time, so that the sample can be written again over its own files
# but never over an export put there since (`foreign_files`).
MARKER = ".sample.json"


def write_sample(out_dir: Path, scale: int = 1) -> list[Path]:
    """Write every sample export under `out_dir` (created if needed); returns the files.

    Files of the same name are written over: callers that may hold real exports ask
    `foreign_files` first. A file an earlier sample wrote there (as it wrote it) that this one
    does not write is removed, so that two samples never mix."""
    from pipelines.sample import governance, register, survey, training

    out_dir.mkdir(parents=True, exist_ok=True)
    earlier = _written(out_dir)
    # the vote files follow the register's membership timeline: build it once for both
    timeline = register.build_timeline(scale)
    files = register.write_register(out_dir, scale=scale, timeline=timeline)
    files += register.write_assemblies(out_dir, scale=scale, timeline=timeline)
    files += training.write_staff_training(out_dir, scale=scale)
    files += training.write_member_courses(out_dir, scale=scale)
    files += survey.write_survey(out_dir, scale=scale)
    files += governance.write_governance(out_dir)
    stamps = {_key(path, out_dir): _stamp(path) for path in files}
    for key, stamp in earlier.items():
        path = out_dir / key
        if key not in stamps and path.is_file() and _stamp(path) == stamp:
            path.unlink()
    (out_dir / MARKER).write_text(json.dumps({"scale": scale, "files": stamps}, indent=1))
    return files


def foreign_files(out_dir: Path) -> list[Path]:
    """The files under `out_dir` that may be exports and are not the sample's as it wrote
    them: a file it did not write, or one changed or replaced since (its size or modification
    time differs)."""
    written = _written(out_dir)
    return sorted(
        path
        for path in candidate_files(out_dir)
        if written.get(_key(path, out_dir)) != _stamp(path)
    )


def sample_mix(raw_dir: Path) -> str | None:
    """A warning when `raw_dir` holds some of the sample's exports, as it wrote them, beside
    exports that are not the sample's (real exports dropped in beside the sample that the
    README's first command wrote): the build would read both."""
    sample = [
        key
        for key, stamp in _written(raw_dir).items()
        if (raw_dir / key).is_file() and _stamp(raw_dir / key) == stamp
    ]
    foreign = foreign_files(raw_dir)
    if not sample or not foreign:
        return None
    others = [path.relative_to(raw_dir).as_posix() for path in foreign]
    more = f" and {len(others) - 3} more" if len(others) > 3 else ""
    return (
        f"the raw folder mixes {len(sample)} files of the sample (written by `annex "
        f"sample-data`, listed in {raw_dir / MARKER}) with {len(others)} "
        f"file{'s' if len(others) > 1 else ''} that {'are' if len(others) > 1 else 'is'} not "
        f"the sample's as it wrote {'them' if len(others) > 1 else 'it'} "
        f"({', '.join(others[:3])}{more}): the figures are computed from both. Before "
        "building from real exports, remove the sample's files"
    )


def _written(out_dir: Path) -> dict[str, list[int]]:
    """The files the last sample written into `out_dir` wrote, with their stamps."""
    try:
        written = json.loads((out_dir / MARKER).read_text())["files"]
    except (OSError, ValueError, KeyError):
        return {}
    return written if isinstance(written, dict) else {}


def _key(path: Path, out_dir: Path) -> str:
    return path.relative_to(out_dir).as_posix()


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]
