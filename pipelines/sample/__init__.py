"""Deterministic sample raw exports, modelled on a SmartCoop-like cooperative.

`write_sample(out_dir, scale)` writes every export the pipeline reads; at scale 1 the pipeline
publishes exactly the 2024 values of the annex the sample imitates (tests/golden/golden-2024.csv).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.lib.rawfiles import SAMPLE_MARKER, file_stamp, sample_written


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
    `pipelines.lib.rawfiles.foreign_files` first. A file an earlier sample wrote there (as it
    wrote it) that this one does not write is removed, so that two samples never mix."""
    from pipelines.sample import assembly, governance, narrative, register, survey, training

    out_dir.mkdir(parents=True, exist_ok=True)
    earlier = sample_written(out_dir)
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
    files += assembly.write_assemblies(out_dir, scale=scale, timeline=timeline)
    files += training.write_staff_training(out_dir, scale=scale)
    files += training.write_member_courses(out_dir, scale=scale)
    files += survey.write_survey(out_dir, scale=scale)
    files += governance.write_governance(out_dir)
    files += narrative.write_narrative(out_dir)
    stamps = {path.relative_to(out_dir).as_posix(): file_stamp(path) for path in files}
    for key, stamp in earlier.items():
        path = out_dir / key
        if key not in stamps and path.is_file() and file_stamp(path) == stamp:
            path.unlink()
    (out_dir / SAMPLE_MARKER).write_text(json.dumps({"scale": scale, "files": stamps}, indent=1))
    return files
