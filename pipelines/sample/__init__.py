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
# Folders of files kept by hand (the secretariat's governance facts, the author's annex text),
# edited or added beside the sample as a matter of course: no export of another system.
HAND_KEPT = ("governance", "narrative")


def write_sample(
    out_dir: Path,
    scale: int = 1,
    register_shape: str = "plain",
    register_lang: str | None = None,
) -> list[Path]:
    """Write every sample export under `out_dir` (created if needed); returns the files.

    `register_shape`: the register as plain CSV files, as Odoo's own export (`odoo`, labels in
    `register_lang` en, fr or nl) or as the register's workbook (`xlsx`, in nl or fr).

    Files of the same name are written over: callers that may hold real exports ask
    `foreign_files` first. A file an earlier sample wrote there (as it wrote it) that this one
    does not write is removed, so that two samples never mix."""
    from pipelines.sample import governance, narrative, register, survey, training

    out_dir.mkdir(parents=True, exist_ok=True)
    earlier = _written(out_dir)
    # the vote files follow the register's membership timeline: build it once for both
    timeline = register.build_timeline(scale)
    files = register.write_register(out_dir, scale=scale, timeline=timeline)
    if register_shape != "plain":
        from pipelines.sample import register_shapes

        files = (
            register_shapes.to_odoo(out_dir, register_lang or "en")
            if register_shape == "odoo"
            else register_shapes.to_workbook(out_dir, register_lang or "nl")
        )
    files += register.write_assemblies(out_dir, scale=scale, timeline=timeline)
    files += training.write_staff_training(out_dir, scale=scale)
    files += training.write_member_courses(out_dir, scale=scale)
    files += survey.write_survey(out_dir, scale=scale)
    files += governance.write_governance(out_dir)
    files += narrative.write_narrative(out_dir)
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
    return _sample_and_foreign(out_dir)[1]


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
        f"sample-data`, listed in {raw_dir / MARKER}) with {len(foreign)} "
        f"file{'s' if many else ''} that {'are' if many else 'is'} not the sample's as it "
        f"wrote {'them' if many else 'it'} ({listing(foreign, raw_dir)}): the figures are "
        "computed from both. Before building from real exports, remove the sample's files"
    )


def listing(paths: list[Path], root: Path, shown: int = 3) -> str:
    """The first `shown` of `paths`, relative to `root`, and how many more."""
    names = [path.relative_to(root).as_posix() for path in paths]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _sample_and_foreign(out_dir: Path) -> tuple[list[str], list[Path]]:
    """The sample's files still as it wrote them (relative names), and the files that may be
    exports and are not (`foreign_files`), from one reading of the list and one stat each."""
    written = _written(out_dir)
    sample, foreign = [], []
    for path in candidate_files(out_dir):
        key = _key(path, out_dir)
        if written.get(key) == _stamp(path):
            sample.append(key)
        else:
            foreign.append(path)
    return sorted(sample), sorted(foreign)


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
