"""Time and memory of `annex build` on the sample at scale 1 and at a larger scale, as ratios.

    uv run python bench/benchmark.py               # scale 1 and 100
    uv run python bench/benchmark.py --scale 10    # a quicker look

Each build runs in its own process (as a user would run it), against its own raw and warehouse
folders under bench/out/ (generated, not committed). At each scale the warehouse is removed and
`annex build` runs four times: a first build (nothing to reuse: every export read, every static
chart file rendered, every pseudonym hashed), a rebuild of the same exports (what the nightly run
does when no export changed: the ingestion and model tables, the publication's tables and the
outputs' files are kept), a build after one governance fact was corrected (what the sensor runs
after the secretariat's edit: only what depends on the fact is computed, published and written
again; the file is restored afterwards), and `annex build --reread` (every export read, every
model computed and every output written again, as after a new export of each; static charts of
unchanged figures and pseudonyms of known members are still reused).
Prints wall time, CPU time, peak memory (max RSS), the publication's size (after `--reread`) and
the ratios between the two scales; no thresholds are asserted. This machine's speed drifts by a
third within an hour: compare two versions by runs taken close together, alternately.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS (MiB) and output of `annex <args>`, run as the
    console script runs it, in its own process (its own rusage, not the benchmark's children's
    running maximum, which would mix the sample generation into the build's figure)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    if process.returncode != 0:
        sys.exit(f"annex {' '.join(args)} failed:\n{text}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def register_rows(raw: Path) -> tuple[int, int]:
    def count(name: str) -> int:
        path = next((raw / "register").glob(f"{name}*.csv"))
        with duckdb.connect() as con:
            query = "select count(*) from read_csv(?, all_varchar = true)"
            return con.execute(query, [str(path)]).fetchone()[0]

    return count("cooperators"), count("share_operations")


def generator_version() -> str:
    """A hash of the sample generator's code (pipelines/sample)."""
    digest = hashlib.sha256()
    for path in sorted((HERE.parent / "pipelines" / "sample").rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def measure(scale: int, out: Path) -> dict[str, float]:
    root = out / f"scale{scale}"
    env = {
        **os.environ,
        "ANNEX_RAW_DIR": str(root / "raw"),
        "ANNEX_WAREHOUSE_DIR": str(root / "warehouse"),
        "ANNEX_PSEUDONYM_KEY": str(out / "pseudonym.key"),
    }
    generated = 0.0
    stamp = root / "generator.sha256"  # the exports are those the current generator writes
    if not stamp.exists() or stamp.read_text() != generator_version():
        shutil.rmtree(root / "raw", ignore_errors=True)
        generated, _, _, _ = run(["sample-data", "--scale", str(scale)], env)
        stamp.write_text(generator_version())
    shutil.rmtree(root / "warehouse", ignore_errors=True)
    first, first_cpu, first_peak, output = run(["build"], env)
    print(f"scale {scale}, first build: {output.strip().splitlines()[-1]}")
    again, again_cpu, again_peak, output = run(["build"], env)
    print(f"scale {scale}, rebuild:     {output.strip().splitlines()[-1]}")
    # the secretariat corrects one governance fact (the sensor's usual run): only what
    # depends on it is computed and published again
    governance = root / "raw" / "governance" / "2024.yaml"
    original = governance.read_text(encoding="utf-8")
    if "handled_cases: 3" not in original:
        sys.exit(f"{governance}: no 'handled_cases: 3' to correct")
    governance.write_text(original.replace("handled_cases: 3", "handled_cases: 4"), "utf-8")
    try:
        edited, edited_cpu, edited_peak, output = run(["build"], env)
    finally:
        governance.write_text(original, encoding="utf-8")
    print(f"scale {scale}, one fact:    {output.strip().splitlines()[-1]}")
    reread, reread_cpu, reread_peak, output = run(["build", "--reread"], env)
    print(f"scale {scale}, --reread:    {output.strip().splitlines()[-1]}")
    members, operations = register_rows(root / "raw")
    publication = (root / "warehouse" / "coop.duckdb").stat().st_size / 2**20
    return {
        "scale": scale,
        "members": members,
        "operations": operations,
        "generate_s": generated,
        "first_s": first,
        "first_cpu_s": first_cpu,
        "first_peak_mib": first_peak,
        "build_s": again,
        "cpu_s": again_cpu,
        "peak_mib": again_peak,
        "edited_s": edited,
        "edited_cpu_s": edited_cpu,
        "edited_peak_mib": edited_peak,
        "reread_s": reread,
        "reread_cpu_s": reread_cpu,
        "reread_peak_mib": reread_peak,
        "publication_mib": publication,
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
        ("first_cpu_s", "  CPU (s)"),
        ("first_peak_mib", "  peak (MiB)"),
        ("build_s", "rebuild (s)"),
        ("cpu_s", "  CPU (s)"),
        ("peak_mib", "  peak (MiB)"),
        ("edited_s", "one fact (s)"),
        ("edited_cpu_s", "  CPU (s)"),
        ("edited_peak_mib", "  peak (MiB)"),
        ("reread_s", "--reread (s)"),
        ("reread_cpu_s", "  CPU (s)"),
        ("reread_peak_mib", "  peak (MiB)"),
        ("publication_mib", "publ. (MiB)"),
    ]:
        ratio = large[key] / small[key] if small[key] else float("nan")
        print(f"{label:>12} {small[key]:>12,.1f} {large[key]:>12,.1f} {ratio:>8.1f}")
    print()
    for key, label in [("build_s", "rebuild"), ("edited_s", "one fact"), ("reread_s", "--reread")]:
        per_op = (large[key] / large["operations"]) / (small[key] / small["operations"])
        print(f"{label} time per operation, scale {args.scale} vs scale 1: {per_op:.2f}x")
    if large["generate_s"]:
        print(f"(sample generation at scale {args.scale}: {large['generate_s']:.1f} s)")


if __name__ == "__main__":
    main()
