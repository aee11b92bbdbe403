"""Deterministic sample raw exports, modelled on a SmartCoop-like cooperative.

`write_sample(out_dir, scale)` writes every export the pipeline reads; at scale 1 the pipeline
publishes exactly the 2024 values of the annex the sample imitates (tests/golden/golden-2024.csv).
"""

from __future__ import annotations

from pathlib import Path


def write_sample(out_dir: Path, scale: int = 1) -> list[Path]:
    """Write every sample export under `out_dir` (created if needed); returns the files."""
    from pipelines.sample import governance, register, survey, training

    out_dir.mkdir(parents=True, exist_ok=True)
    # the vote files follow the register's membership timeline: build it once for both
    timeline = register.build_timeline(scale)
    files = register.write_register(out_dir, scale=scale, timeline=timeline)
    files += register.write_assemblies(out_dir, scale=scale, timeline=timeline)
    files += training.write_staff_training(out_dir, scale=scale)
    files += training.write_member_courses(out_dir, scale=scale)
    files += survey.write_survey(out_dir, scale=scale)
    files += governance.write_governance(out_dir)
    return files
