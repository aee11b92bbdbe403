"""Time the chart stage on the published warehouse ($ANNEX_WAREHOUSE_DIR).

uv run python bench/charts.py [--cold] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from pipelines.lib.config import Settings
from pipelines.lib.outputs.charts import build_charts, write_html
from pipelines.lib.outputs.data import load_annex_data
from pipelines.lib.outputs.static_export import export_static


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/charts.py")
    parser.add_argument("--cold", action="store_true", help="ignore the cache: export all")
    parser.add_argument("--out", help="outputs folder (default: $ANNEX_WAREHOUSE_DIR/outputs)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    outputs = Path(args.out) if args.out else settings.outputs_dir
    started = time.monotonic()
    data = load_annex_data(settings)
    chart_set = build_charts(data)
    write_html(chart_set.charts, outputs)
    drawn = time.monotonic() - started
    report = export_static(chart_set.charts, outputs, use_cache=not args.cold, log=print)
    total = time.monotonic() - started
    per_image = report.render_seconds / report.exported if report.exported else 0.0
    print(
        f"{len(chart_set.charts)} charts ({len(data.years)} years x 2 languages) drawn and "
        f"written as HTML in {drawn:.1f} s\n"
        f"static: {report.exported} exported, {report.cached} unchanged kept, in "
        f"{report.seconds:.1f} s (browser start {report.start_seconds:.1f} s, rendering "
        f"{report.render_seconds:.1f} s = {per_image:.2f} s per file)\n"
        f"chart stage: {total:.1f} s" + (f"\n{report.warning}" if report.warning else "")
    )
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
