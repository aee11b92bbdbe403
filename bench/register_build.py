"""A whole `annex build` on the sample with its register in the plain form and in another
shape (issue 23: within 2x), runs alternated so that the machine's drift falls on both alike.

    uv run python bench/register_build.py --scale 10 --shape xlsx --pairs 3   # ~426,000 members
    uv run python bench/register_build.py --scale 100 --shape odoo --pairs 2  # ~4.3 M members

The sample is written once per shape under bench/out/register-build-SCALE/ (`annex sample-data
--register SHAPE`); each build starts from an empty warehouse and work folder, with
`ANNEX_STATIC_CHARTS=off` (the charts do not depend on the register's shape). Prints each pair
and its ratio, then the medians; checks that both shapes publish the same figures, asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from compare import HERE, annex, environment, fresh

CHECKOUT = HERE.parent


def figures(warehouse: Path) -> list[tuple[object, ...]]:
    import duckdb

    with duckdb.connect(str(warehouse / "coop.duckdb"), read_only=True) as con:
        return con.execute(
            "select year, figure_id, value, value_text, note from annex.figures order by all"
        ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--shape", choices=["odoo", "xlsx"], default="xlsx")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    root = HERE / "out" / f"register-build-{args.scale}"
    shapes = ["plain", args.shape]
    for shape in shapes:
        raw = root / f"raw-{shape}"
        if not (raw / "register").is_dir():
            print(f"writing the sample at scale {args.scale}, register {shape}...", flush=True)
            command = ["sample-data", "--scale", str(args.scale), "--out", str(raw)]
            annex(CHECKOUT, [*command, "--register", shape], environment(root, raw, "generate"))
    seconds: dict[str, list[float]] = {shape: [] for shape in shapes}
    for pair in range(1, args.pairs + 1):
        for shape in shapes:
            fresh(root, shape)
            env = environment(root, root / f"raw-{shape}", shape, ANNEX_STATIC_CHARTS="off")
            seconds[shape].append(annex(CHECKOUT, ["build"], env))
        plain, other = seconds["plain"][-1], seconds[args.shape][-1]
        print(
            f"pair {pair}: plain {plain:6.1f} s  {args.shape} {other:6.1f} s  "
            f"{other / plain:5.2f}x",
            flush=True,
        )
    plain, other = (statistics.median(seconds[shape]) for shape in shapes)
    print(f"median:  plain {plain:6.1f} s  {args.shape} {other:6.1f} s  {other / plain:5.2f}x")
    same = figures(root / "plain" / "warehouse") == figures(root / args.shape / "warehouse")
    print("figures: the same in both shapes" if same else "figures: DIFFER between the shapes")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
