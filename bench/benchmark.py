"""Time and memory of `annex build` on the sample at scale 1 and at a larger scale, as ratios.

    uv run python bench/benchmark.py               # scale 1 and 100
    uv run python bench/benchmark.py --scale 10    # a quicker look

Each build runs in its own process (as a user would run it), against its own raw and warehouse
folders under bench/out/ (generated, not committed). At each scale the warehouse is removed and
`annex build` runs twice: a first build (nothing to reuse: every static chart file is rendered,
every pseudonym hashed) and a rebuild of the same exports (what the nightly run does when little
changed). Prints wall time, peak memory (max RSS) and the ratios between the two scales; no
thresholds are asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


# Runs `annex <args>` and reports the process's own peak RSS on its last stderr line (the
# children's running maximum would mix the sample generation into the build's figure).
MEASURED = (
    "import resource, sys; from pipelines.cli import main; code = main(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of `annex <args>` in its own process, and its output."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"annex {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kib / 1024, done.stdout


def register_rows(raw: Path) -> tuple[int, int]:
    def count(name: str) -> int:
        path = next((raw / "register").glob(f"{name}*.csv"))
        with duckdb.connect() as con:
            query = "select count(*) from read_csv(?, all_varchar = true)"
            return con.execute(query, [str(path)]).fetchone()[0]

    return count("cooperators"), count("share_operations")


def measure(scale: int, out: Path) -> dict[str, float]:
    root = out / f"scale{scale}"
    env = {
        **os.environ,
        "ANNEX_RAW_DIR": str(root / "raw"),
        "ANNEX_WAREHOUSE_DIR": str(root / "warehouse"),
        "ANNEX_PSEUDONYM_KEY": str(out / "pseudonym.key"),
    }
    generated = 0.0
    if not (root / "raw" / "register").is_dir():
        generated, _, _ = run(["sample-data", "--scale", str(scale)], env)
    shutil.rmtree(root / "warehouse", ignore_errors=True)
    first, first_peak, output = run(["build"], env)
    print(f"scale {scale}, first build: {output.strip().splitlines()[-1]}")
    again, again_peak, output = run(["build"], env)
    print(f"scale {scale}, rebuild:     {output.strip().splitlines()[-1]}")
    members, operations = register_rows(root / "raw")
    return {
        "scale": scale,
        "members": members,
        "operations": operations,
        "generate_s": generated,
        "first_s": first,
        "first_peak_mib": first_peak,
        "build_s": again,
        "peak_mib": again_peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    small = measure(1, args.out)
    large = measure(args.scale, args.out)
    print()
    print(f"{'':>12} {'scale 1':>12} {'scale ' + str(args.scale):>12} {'ratio':>8}")
    for key, label in [
        ("members", "members"),
        ("operations", "operations"),
        ("first_s", "first (s)"),
        ("first_peak_mib", "peak (MiB)"),
        ("build_s", "rebuild (s)"),
        ("peak_mib", "peak (MiB)"),
    ]:
        ratio = large[key] / small[key] if small[key] else float("nan")
        print(f"{label:>12} {small[key]:>12,.1f} {large[key]:>12,.1f} {ratio:>8.1f}")
    per_op = (large["build_s"] / large["operations"]) / (small["build_s"] / small["operations"])
    print(f"\nrebuild time per operation, scale {args.scale} vs scale 1: {per_op:.2f}x")
    if large["generate_s"]:
        print(f"(sample generation at scale {args.scale}: {large['generate_s']:.1f} s)")


if __name__ == "__main__":
    main()
