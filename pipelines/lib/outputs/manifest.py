"""Outputs made again only when what they show changed.

Charts, tables, drafts and the data dictionary are functions of the published content and of
the code that writes them. The nightly build mostly publishes the same content again (no new
export): writing every file again would then cost seconds and touch hundreds of identical files
in the report author's folder (a synced folder uploads them all). So each output records, in
`outputs/.outputs-manifest.json`, a key (a hash of the published content it reads, of the
publication's path, of the writing code and templates, of the libraries' versions and of what
else it depends on) and the files it wrote with their size and modification time. A later
build with the same key keeps the files, provided each is still there, unmodified; otherwise
the output is made again. A yearly output (charts, tables, drafts) has a key per year, made
from the rows of that year and earlier years (`data_digests`), and one for its files about
every year: a correction rewrites the files of its year and later years only.

What is not in the key: the publication's time. A kept draft or workbook therefore says when it
was made, and that the publication it was made from (the same file, with the same content) was
published then.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.lib import atomic
from pipelines.lib.labels import LABELS_CSV
from pipelines.lib.outputs.data import AnnexData, row_years

MANIFEST_NAME = ".outputs-manifest.json"
# the libraries whose version can change what the outputs hold
LIBRARIES = (
    "duckdb", "pandas", "plotly", "kaleido", "openpyxl", "jinja2", "markdown-it-py",
    "mdit-py-plugins",
)  # fmt: skip
_OUTPUTS_CODE = Path(__file__).resolve().parent
# the assets that call the writers (pipelines/defs/outputs) belong to the writing code too
_OUTPUT_ASSETS = _OUTPUTS_CODE.parents[1] / "defs" / "outputs.py"


def _version(library: str) -> str:
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return "none"


@functools.cache
def code_digest() -> str:
    """The writing code and templates (pipelines/lib/outputs, the output assets) and the
    libraries' versions."""
    digest = hashlib.sha256()
    code = [p for p in sorted(_OUTPUTS_CODE.rglob("*")) if p.suffix in (".py", ".j2")]
    for path in [*code, _OUTPUT_ASSETS, LABELS_CSV]:  # the words they write are code too
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for library in LIBRARIES:
        digest.update(f"{library} {_version(library)}\n".encode())
    return digest.hexdigest()


def data_digest(data: AnnexData, up_to: int | None = None, reads: tuple[str, ...] = ("",)) -> str:
    """The published content an output reads: the annex and quality tables (names, types,
    values, in their order) whose name starts with one of `reads`, with the comments; with
    `up_to`, only the rows the outputs of that year can show (`rows_up_to`: about that year,
    an earlier year or every year)."""
    units = [] if up_to is None else [up_to]
    return data_digests(data, units, reads)[up_to]


def data_digests(
    data: AnnexData, years: Sequence[int], reads: tuple[str, ...] = ("",)
) -> dict[int | None, str]:
    """`data_digest` of the whole content (key None) and up to each of `years`, hashing each
    row once."""
    digests = {unit: hashlib.sha256() for unit in [None, *years]}
    for name in sorted(n for n in data.tables if n.startswith(reads)):
        frame = data.tables[name]
        header = f"{name}\n{list(frame.columns)}\n{list(map(str, frame.dtypes))}\n".encode()
        hashes = _hash_rows(frame).to_numpy()
        about = row_years(frame)
        for unit, digest in digests.items():
            digest.update(header)
            if unit is None or about is None:
                digest.update(hashes.tobytes())
            else:
                digest.update(hashes[~(about > unit).to_numpy()].tobytes())
    comments = [sorted(data.table_comments.items()), sorted(data.column_comments.items())]
    text = json.dumps(comments, sort_keys=True, default=str).encode()
    for digest in digests.values():
        digest.update(text)
    return {unit: digest.hexdigest() for unit, digest in digests.items()}


def _hash_rows(frame: pd.DataFrame) -> pd.Series:
    """A hash per row, in order; a column of lists or maps (unhashable) is hashed as text."""
    try:
        return pd.util.hash_pandas_object(frame, index=False)
    except TypeError:
        return pd.util.hash_pandas_object(frame.astype(str), index=False)


def output_key(name: str, data_key: str, *settings: str) -> str:
    """What output `name` is made from: the content (`data_key`), the code, its `settings`."""
    parts = [name, data_key, code_digest(), *settings]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


@dataclass
class Manifest:
    """What each output was last made from, and the files it wrote (relative to `root`)."""

    root: Path
    entries: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Manifest:
        path = root / MANIFEST_NAME
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        return cls(root, entries if isinstance(entries, dict) else {})

    def kept(self, name: str, key: str) -> dict | None:
        """The last making of output `name` when it was made from `key` and every file it
        wrote is still there as it was written; None otherwise."""
        entry = self.entries.get(name)
        if not entry or entry.get("key") != key:
            return None
        for relative, stamp in entry.get("files", {}).items():
            path = self.root / relative
            if not path.is_file() or _stamp(path) != stamp:
                return None
        return entry

    def record(
        self, name: str, key: str, files: list[Path], run_id: str, save: bool = True
    ) -> None:
        """Record what output `name` was made from and its files (saved now unless `save` is
        false: the caller saves once it has recorded every unit)."""
        self.entries[name] = {
            "key": key,
            "run_id": run_id,
            "made_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "files": {path.relative_to(self.root).as_posix(): _stamp(path) for path in files},
        }
        if save:
            self.save()

    def forget(self, name: str, every_unit: bool = False, keep: set[str] = frozenset()) -> None:
        """Forget output `name` (with `every_unit`, its yearly units `name/<year>` too),
        except the entries in `keep`."""
        forgotten = [
            entry
            for entry in self.entries
            if entry not in keep
            and (entry == name or (every_unit and entry.startswith(name + "/")))
        ]
        for entry in forgotten:
            del self.entries[entry]
        if forgotten:
            self.save()

    def save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / MANIFEST_NAME
        atomic.write_text(path, json.dumps(self.entries, indent=1, sort_keys=True))
