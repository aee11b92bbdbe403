"""Time and peak memory of the hostile inputs of issue 21, each in its own process.

    uv run python bench/hostile.py

Each case must end in under 10 s with under 1 GB of memory (raw-exports.md, "Only exports are
read"): a YAML alias bomb and a governance file nested 20,000 levels deep (read as plain data:
an error naming the file), a 14 KB workbook with a cell at XFD1048576 (an error naming the file
and the cell), a raw folder holding a 100 GB sparse backup beside one vote file (the backup is
neither hashed nor opened), and a vote file of a header and one 1 GB line (an error naming the
file, from a count made in the hashing pass). Prints; asserts nothing (the tests assert the
outcomes: tests/test_hostile_input.py).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile

CASES = {
    "YAML alias bomb": """
from pathlib import Path
from pipelines.lib.sources.governance import parse_governance
raw = Path(sys.argv[1]); path = raw / "governance" / "2024.yaml"; path.parent.mkdir()
lines = ["year: 2024", "a: &a [x, x, x, x, x, x, x, x, x]"]
lines += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
          for i in range(9)]
path.write_text("\\n".join(lines) + "\\n")
try:
    parse_governance(path, raw)
except Exception as exc:
    print(f"{path.stat().st_size} bytes -> {type(exc).__name__}: {exc}")
""",
    "YAML 20,000 levels": """
from pathlib import Path
from pipelines.lib.sources.governance import parse_governance
raw = Path(sys.argv[1]); path = raw / "governance" / "2024.yaml"; path.parent.mkdir()
path.write_text("year: " + "[" * 20000 + "]" * 20000 + "\\n")
try:
    parse_governance(path, raw)
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
""",
    "workbook cell at XFD1048576": """
from pathlib import Path
import duckdb
from openpyxl import Workbook
from pipelines.lib.ingest import load_workbook_export
from pipelines.lib.sources.training import STAFF_PARTICIPATIONS
raw = Path(sys.argv[1]); path = raw / "training" / "staff_training_2024.xlsx"
path.parent.mkdir()
book = Workbook(); sheet = book.active; sheet.title = "Deelnames"
sheet.append(["Opleidings-ID", "Personeelsnummer", "Geslacht", "Uren"])
sheet["XFD1048576"] = "x"; book.save(path)
try:
    load_workbook_export(duckdb.connect(), STAFF_PARTICIPATIONS, [path], raw)
except Exception as exc:
    print(f"{path.stat().st_size} bytes -> {type(exc).__name__}: {exc}")
""",
    "100 GB sparse non-export": """
from pathlib import Path
from pipelines.lib import hashing
raw = Path(sys.argv[1]); (raw / "assembly").mkdir()
header = "member_number,channel,voted_at,proxy_holder\\n"
(raw / "assembly" / "ga_2024-06-18.csv").write_text(header)
with open(raw / "backup.tar", "wb") as handle:
    handle.truncate(100 << 30)
hashing.prefetch(raw)
futures = [hashing.sha256_of(p) for p in hashing.candidate_files(raw)]
print(f"{len(futures)} export hashed:", [f.result()[:12] for f in futures])
""",
    "header + one 1 GB line": """
from pathlib import Path
import duckdb
from pipelines.lib.ingest import load_csv_export
from pipelines.lib.sources.assembly import VOTES
raw = Path(sys.argv[1]); path = raw / "assembly" / "ga_2024-06-18.csv"; path.parent.mkdir()
with open(path, "wb") as handle:
    handle.write(b"member_number,channel,voted_at,proxy_holder\\n")
    block = b"9" * (1 << 20)
    for _ in range(1024):
        handle.write(block)
    handle.write(b"\\n")
con = duckdb.connect(); con.execute("set enable_progress_bar = false")
con.execute("create macro pseudonym(n) as n")
STARTED = time.monotonic()  # the file is written: its reading is timed
try:
    load_csv_export(con, VOTES, [path], raw)
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
""",
}


# Around each case: its imports are not timed (the case's own lines are, from the first line
# that is not an import), and the process reports its own peak resident memory.
PRELUDE = "import resource, sys, time\n"
EPILOGUE = (
    "\nprint(f'TIMED {time.monotonic() - STARTED:.2f} '"
    "f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}')\n"
)


def timed(code: str) -> str:
    lines = code.strip("\n").splitlines()
    first = next(i for i, line in enumerate(lines) if not line.startswith(("from ", "import ")))
    if not any(line.startswith("STARTED =") for line in lines):
        lines.insert(first, "STARTED = time.monotonic()")
    return PRELUDE + "\n".join(lines) + EPILOGUE


def main() -> None:
    for name, code in CASES.items():
        with tempfile.TemporaryDirectory(prefix="annex-hostile-") as raw:
            command = [sys.executable, "-c", timed(code), raw]
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        lines = done.stdout.strip().splitlines()
        timing = [line.split() for line in lines if line.startswith("TIMED ")]
        said = " ".join(line for line in lines if not line.startswith("TIMED "))
        said = (said or (done.stderr.strip().splitlines() or [""])[-1])[:150]
        if timing:
            seconds, peak_kb = float(timing[0][1]), int(timing[0][2])
            print(f"{name:<28} {seconds:5.2f} s  peak {peak_kb / 1024:5.0f} MB  {said}")
        else:
            print(f"{name:<28} did not finish (exit {done.returncode})  {said}")


if __name__ == "__main__":
    main()
