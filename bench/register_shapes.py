"""Reading the share register in each of its shapes, timed: the plain CSV files, Odoo's own
export and the register's workbook, from the same sample register.

    uv run python bench/register_shapes.py --scale 10 --shapes plain,xlsx     # ~420,000 members
    uv run python bench/register_shapes.py --scale 100 --shapes plain,odoo    # ~4.3 M members

Only the register's ingestion differs between the shapes (the four typed tables it writes are the
same, so every model, check and output after it costs the same): each shape's ingestion (finding
the files, reading, typing, testing and writing the four tables) runs in its own process into an
empty DuckDB file with the warehouse's settings, and the script prints its wall time, its CPU
time (all threads: on a machine that other work loads, the wall time stretches far more than the
CPU time), peak memory (max RSS) and the ratios to the plain form. The sample is written under
bench/out/ (generated).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def prepare(scale: int, shapes: list[str]) -> dict[str, Path]:
    """One raw folder per shape, each with the same sample register (written once)."""
    from pipelines.sample import register, register_shapes

    root = HERE / "out" / f"register-shapes-{scale}"
    plain = root / "plain"
    if not (plain / "register").is_dir():
        register.write_register(plain, scale=scale)
    folders = {"plain": plain}
    if "xlsx" in shapes:
        # a register kept in a workbook holds members and operations (its requests sheet is
        # optional): compared with the plain files holding the same, requests left empty
        folder = root / "plain-without-requests"
        if not (folder / "register").is_dir():
            shutil.copytree(plain / "register", folder / "register")
            for path in (folder / "register").glob("*requests_*.csv"):
                header = path.open(encoding="utf-8").readline()
                path.write_text(header, encoding="utf-8")
        folders["plain-without-requests"] = folder
    for shape in shapes:
        if shape == "plain":
            continue
        folder = root / shape
        if not (folder / "register").is_dir():
            source = folders["plain-without-requests" if shape == "xlsx" else "plain"]
            shutil.copytree(source / "register", folder / "register")
            if shape == "odoo":
                register_shapes.to_odoo(folder, "fr")
            else:
                register_shapes.to_workbook(folder, "nl", requests=False)
        folders[shape] = folder
    return folders


def measure(raw: Path) -> None:
    """Ingest the register of `raw` into an empty database (the step a build runs)."""
    import tempfile

    from pipelines.lib.ingest import load_csv_export
    from pipelines.lib.sources.register import REGISTER_SPECS
    from pipelines.lib.sources.register_odoo import load_odoo
    from pipelines.lib.sources.register_shapes import find_register
    from pipelines.lib.sources.register_workbook import load_workbook_register
    from pipelines.lib.warehouse import connect

    with tempfile.TemporaryDirectory(dir=HERE / "out") as tmp:
        started = time.perf_counter()
        cpu = time.process_time()
        with connect(Path(tmp) / "work.duckdb") as con:
            source = find_register(raw / "register", raw)
            if source.shape == "odoo":
                results = load_odoo(con, source.files, raw, reuse=False)[0]
            elif source.shape == "workbook":
                results = load_workbook_register(con, source.files[0], raw, reuse=False)[0]
            else:
                by_name = {p.name.split("_2")[0]: p for p in source.files}
                results = [
                    load_csv_export(con, spec, [by_name[name]], raw, reuse=False)
                    for name, spec in REGISTER_SPECS.items()
                ]
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    rows = {r.table.split(".")[1]: r.rows_loaded for r in results}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.2f} {cpu:.2f} {peak:.0f} {rows['cooperators']} {rows['share_operations']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--shapes", default="plain,odoo,xlsx")
    parser.add_argument("--repeat", type=int, default=2, help="runs per shape (best is shown)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(Path(args.measure))
        return
    asked = [s for s in args.shapes.split(",") if s != "plain"]
    started = time.perf_counter()
    folders = prepare(args.scale, ["plain", *asked])
    shapes = list(folders)
    print(
        f"sample register at scale {args.scale} in every shape: "
        f"{time.perf_counter() - started:.0f} s"
    )
    best: dict[str, float] = {}
    best_cpu: dict[str, float] = {}
    for _ in range(args.repeat):
        for shape in shapes:  # alternately: this machine's speed drifts
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(folders[shape])],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            seconds, cpu, peak = float(out[0]), float(out[1]), float(out[2])
            members, operations = out[3], out[4]
            best[shape] = min(best.get(shape, seconds), seconds)
            best_cpu[shape] = min(best_cpu.get(shape, cpu), cpu)
            print(
                f"{shape:>6}: {seconds:6.2f} s, CPU {cpu:6.2f} s, peak {peak:5.0f} MiB "
                f"({members} members, {operations} operations)"
            )
    for shape in asked:
        base = "plain-without-requests" if shape == "xlsx" else "plain"
        print(
            f"{shape} / {base} (best of {args.repeat}): {best[shape] / best[base]:.2f}x, "
            f"CPU {best_cpu[shape] / best_cpu[base]:.2f}x"
        )


if __name__ == "__main__":
    main()
