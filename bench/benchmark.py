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
again; the file is restored afterwards), and `annex build --rebuild-all` (every export read, every
model computed and every output written again, as after a new export of each; static charts of
unchanged figures and pseudonyms of known members are still reused); then, into an empty
warehouse folder again, a first build without the static charts (`ANNEX_STATIC_CHARTS=off`, as
on a machine without a browser): the part of a first build that is not the browser's.
Prints wall time, the `annex` process's CPU time and peak memory (max RSS), the same with the
browser processes it starts for the static charts (`+ browser`: every process of the tree sampled
from /proc every 0.1 s, memory as summed PSS, so that pages they share count once, and never less
than the process's own peak; Linux only), the publication's size (after `--rebuild-all`) and the
ratios between the two scales; no thresholds are asserted. This machine's speed drifts (by a
third within an hour, and ~2.5-fold between days): compare two versions by runs taken close
together, alternately.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


@dataclass
class Run:
    """One `annex` process: its wall time, its own CPU time and peak RSS (from its rusage), and
    the CPU time and peak memory (PSS, shared pages counted once) of it with every process it
    started: the browser that draws the static charts is no child Python waits for, so its
    rusage would miss it."""

    seconds: float
    cpu: float
    peak_mib: float
    tree_cpu: float
    tree_peak_mib: float
    output: str


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _cpu_and_pss(pid: int) -> tuple[float, int] | None:
    """CPU seconds and PSS (KiB) of a process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        pss = next(
            int(line.split()[1])
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            if line.startswith("Pss:")
        )
    except (OSError, StopIteration):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), pss


class _TreeSampler(threading.Thread):
    """Samples a process tree every 0.1 s: its summed PSS, and each process's CPU time as last
    seen (a process's time is lost only for its last 0.1 s)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.done = pid, threading.Event()
        self.cpu: dict[int, float] = {}
        self.peak_kib = 0

    def run(self) -> None:
        while not self.done.wait(0.1):
            total = 0
            for pid in _descendants(self.pid):
                seen = _cpu_and_pss(pid)
                if seen is not None:
                    self.cpu[pid], pss = seen
                    total += pss
            self.peak_kib = max(self.peak_kib, total)


def run(args: list[str], env: dict[str, str]) -> Run:
    """`annex <args>`, run as the console script runs it, in its own process (its own rusage,
    not the benchmark's children's running maximum, which would mix the sample generation into
    the build's figure)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    if process.returncode != 0:
        sys.exit(f"annex {' '.join(args)} failed:\n{text}")
    cpu = usage.ru_utime + usage.ru_stime
    others = sum(seconds for pid, seconds in sampler.cpu.items() if pid != process.pid)
    return Run(
        seconds=seconds,
        cpu=cpu,
        peak_mib=usage.ru_maxrss / 1024,
        tree_cpu=cpu + others,
        tree_peak_mib=max(sampler.peak_kib / 1024, usage.ru_maxrss / 1024),
        output=text,
    )


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
        # a first build starts without a working database (a cache outside the warehouse)
        "ANNEX_WORK_DIR": str(root / "work"),
    }
    generated: Run | None = None
    stamp = root / "generator.sha256"  # the exports are those the current generator writes
    if not stamp.exists() or stamp.read_text() != generator_version():
        shutil.rmtree(root / "raw", ignore_errors=True)
        generated = run(["sample-data", "--scale", str(scale)], env)
        stamp.write_text(generator_version())
    for folder in ("warehouse", "work"):
        shutil.rmtree(root / folder, ignore_errors=True)
    runs: dict[str, Run] = {}

    def build(kind: str, *extra: str, **settings: str) -> None:
        runs[kind] = run(["build", *extra], {**env, **settings})
        print(f"scale {scale}, {kind + ':':<18} {runs[kind].output.strip().splitlines()[-1]}")

    build("first")
    build("rebuild")
    # the secretariat corrects one governance fact (the sensor's usual run): only what
    # depends on it is computed and published again
    governance = root / "raw" / "governance" / "2024.yaml"
    original = governance.read_text(encoding="utf-8")
    if "handled_cases: 3" not in original:
        sys.exit(f"{governance}: no 'handled_cases: 3' to correct")
    governance.write_text(original.replace("handled_cases: 3", "handled_cases: 4"), "utf-8")
    try:
        build("one fact")
    finally:
        governance.write_text(original, encoding="utf-8")
    build("--rebuild-all", "--rebuild-all")
    publication = (root / "warehouse" / "coop.duckdb").stat().st_size / 2**20
    document = time_document(root, out)
    # a first build again, without the static charts (the browser's part of a first build)
    for folder in ("warehouse", "work"):
        shutil.rmtree(root / folder, ignore_errors=True)
    build("first, no SVG/PNG", ANNEX_STATIC_CHARTS="off")
    members, operations = register_rows(root / "raw")
    result = {
        "scale": scale,
        "members": members,
        "operations": operations,
        "generate_s": generated.seconds if generated else 0.0,
        "publication_mib": publication,
        **document,
    }
    for kind, measured in runs.items():
        result[f"{kind} (s)"] = measured.seconds
        result[f"{kind} cpu"] = measured.cpu
        result[f"{kind} peak"] = measured.peak_mib
        result[f"{kind} tree cpu"] = measured.tree_cpu
        result[f"{kind} tree peak"] = measured.tree_peak_mib
    return result


def time_document(root: Path, out: Path) -> dict[str, float]:
    """The annex document stage alone, from the publication just built: every year in both
    languages as Markdown, HTML and Word, then the last year's PDF printed by the browser (in
    a process of its own, like a build's output step)."""
    code = (
        "import datetime as dt, json, sys, time\n"
        "from pathlib import Path\n"
        "from pipelines.lib.config import Settings\n"
        "from pipelines.lib.outputs import draft\n"
        "from pipelines.lib.outputs.static_export import find_browser\n"
        "from pipelines.lib.outputs.data import load_annex_data\n"
        "settings = Settings(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))\n"
        "data = load_annex_data(settings)\n"
        "run = draft.RunInfo('benchmark', dt.datetime.now().astimezone())\n"
        "started = time.monotonic()\n"
        "draft.write_drafts(data, settings.outputs_dir, run, data.years, settings.raw_dir)\n"
        "documents = time.monotonic() - started\n"
        "browser = find_browser()\n"
        "started = time.monotonic()\n"
        "if browser:\n"
        "    draft.write_drafts(data, settings.outputs_dir, run, data.years[-1:],\n"
        "                       settings.raw_dir, browser)\n"
        "last = time.monotonic() - started\n"
        "print(json.dumps([len(data.years), documents, last if browser else float('nan')]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(root / "raw"), str(root / "warehouse"),
         str(out / "pseudonym.key")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    years, documents, last = json_line(result.stdout)
    print(
        f"{root.name}, document stage: {years} years x 2 languages (md, html, docx) "
        f"{documents:.1f} s; the last year again with its PDF {last:.1f} s"
    )
    return {"document years": years, "document (s)": documents, "document+pdf (s)": last}


def json_line(text: str) -> list[float]:
    import json

    return json.loads(text.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    small = measure(1, args.out)
    large = measure(args.scale, args.out)
    print()
    print(f"{'':>22} {'scale 1':>12} {'scale ' + str(args.scale):>12} {'ratio':>8}")
    rows = [("members", "members"), ("operations", "operations")]
    for kind in ("first", "rebuild", "one fact", "--rebuild-all", "first, no SVG/PNG"):
        rows += [
            (f"{kind} (s)", f"{kind} (s)"),
            (f"{kind} cpu", "  CPU (s)"),
            (f"{kind} peak", "  peak (MiB)"),
            (f"{kind} tree cpu", "  + browser CPU (s)"),
            (f"{kind} tree peak", "  + browser peak (MiB)"),
        ]
    rows.append(("publication_mib", "publ. (MiB)"))
    rows += [
        ("document years", "annex years"),
        ("document (s)", "annex md+html+docx (s)"),
        ("document+pdf (s)", "last year + PDF (s)"),
    ]
    for key, label in rows:
        ratio = large[key] / small[key] if small[key] else float("nan")
        print(f"{label:>22} {small[key]:>12,.1f} {large[key]:>12,.1f} {ratio:>8.1f}")
    print()
    for kind in ("rebuild", "one fact", "--rebuild-all"):
        key = f"{kind} (s)"
        per_op = (large[key] / large["operations"]) / (small[key] / small["operations"])
        print(f"{kind} time per operation, scale {args.scale} vs scale 1: {per_op:.2f}x")
    if large["generate_s"]:
        print(f"(sample generation at scale {args.scale}: {large['generate_s']:.1f} s)")


if __name__ == "__main__":
    main()
