"""Two checkouts of the project, side by side, on the same exports: wall time of `annex build`
in each, runs alternated so that the machine's drift falls on both alike.

    uv run python bench/compare.py BEFORE_DIR AFTER_DIR [--repeat 2] [--scale 100]

Each checkout runs its own `.venv/bin/python -m pipelines.cli build` in its own folder. The
exports are written once (by the first checkout's generator) under bench/out/compare/, and the
same files are read by both. Cases: the sample's first build without static charts
(`ANNEX_STATIC_CHARTS=off`), a rebuild with no change, and the first build at `--scale`.
Prints each run, then the median per case and checkout and their ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def annex(checkout: Path, args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [str(checkout / ".venv" / "bin" / "python"), "-m", "pipelines.cli", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{checkout}: annex {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return seconds


def environment(root: Path, raw: Path, name: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ANNEX_RAW_DIR": str(raw),
        "ANNEX_WAREHOUSE_DIR": str(root / name / "warehouse"),
        "ANNEX_WORK_DIR": str(root / name / "work"),
        "ANNEX_PSEUDONYM_KEY": str(root / "pseudonym.key"),
        **extra,
    }


def fresh(root: Path, name: str) -> None:
    for folder in ("warehouse", "work"):
        shutil.rmtree(root / name / folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "compare")
    args = parser.parse_args()
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    root = args.out.resolve()
    raws = {1: root / "raw-scale1", args.scale: root / f"raw-scale{args.scale}"}
    for scale, raw in raws.items():
        if not raw.exists():
            env = environment(root, raw, "generate")
            annex(
                checkouts["before"], ["sample-data", "--scale", str(scale), "--out", str(raw)], env
            )
    times: dict[tuple[str, str], list[float]] = {}

    def record(case: str, name: str, seconds: float) -> None:
        times.setdefault((case, name), []).append(seconds)
        print(f"{case:<34} {name:<7} {seconds:7.1f} s", flush=True)

    for _ in range(args.repeat):
        for name, checkout in checkouts.items():
            off = environment(root, raws[1], name, ANNEX_STATIC_CHARTS="off")
            fresh(root, name)
            record("sample first build, no static charts", name, annex(checkout, ["build"], off))
            record("sample rebuild, no change", name, annex(checkout, ["build"], off))
        for name, checkout in checkouts.items():
            fresh(root, name)
            env = environment(root, raws[args.scale], name)
            record(f"scale {args.scale} first build", name, annex(checkout, ["build"], env))
    print(
        f"\n{'median of ' + str(args.repeat):<34} {'before':>8} {'after':>8} {'after/before':>13}"
    )
    for case in dict.fromkeys(case for case, _ in times):
        before = statistics.median(times[case, "before"])
        after = statistics.median(times[case, "after"])
        print(f"{case:<34} {before:7.1f}s {after:7.1f}s {after / before:12.2f}x")


if __name__ == "__main__":
    main()
