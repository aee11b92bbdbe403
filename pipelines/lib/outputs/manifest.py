"""Outputs made again only when what they show changed.

Charts, tables, drafts and the data dictionary are functions of the published content and of
the code that writes them. The nightly build mostly publishes the same content again (no new
export): writing every file again would then cost seconds and touch hundreds of identical files
in the report author's folder (a synced folder uploads them all). So each output records, in
its reuse ledger `outputs/.outputs-manifest.json` (see pipelines/lib/reuse.py), a key (a hash
of the published content it reads, of the publication's path, of the writing code and
templates, of the libraries' versions and of what else it depends on) and the files it wrote
with their size and modification time. A later build with the same key keeps the files,
provided each is still there, unmodified; otherwise the output is made again. A yearly output
(charts, tables, drafts) has a key per year, made from the rows of that year and earlier years
(`data_digests`), and one for its files about every year: a correction rewrites the files of
its year and later years only.

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
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.lib.labels import LABELS_CSV
from pipelines.lib.outputs.data import AnnexData, row_years
from pipelines.lib.reuse import FileLedger, fingerprint

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
    return fingerprint(name, data_key, code_digest(), *settings)


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


@dataclass
class Manifest:
    """What each output was last made from, and the files it wrote (relative to `root`): the
    outputs' reuse ledger (pipelines/lib/reuse.py), an entry per output or yearly unit whose
    result lists its files with their size and modification time."""

    root: Path
    ledger: FileLedger

    @classmethod
    def load(cls, root: Path) -> Manifest:
        return cls(root, FileLedger(root / MANIFEST_NAME, autosave=False))

    def kept(self, name: str, key: str) -> dict | None:
        """The last making of output `name` (its files, run and time) when it was made from
        `key` and every file it wrote is still there as it was written; None otherwise."""
        if not self.ledger.is_current(name, key):
            return None
        made = self.ledger.entry(name).result  # type: ignore[union-attr]
        if not isinstance(made, dict):
            return None
        for relative, stamp in made.get("files", {}).items():
            path = self.root / relative
            if not path.is_file() or _stamp(path) != stamp:
                return None
        return made

    def record(
        self, name: str, key: str, files: list[Path], run_id: str, save: bool = True
    ) -> None:
        """Record what output `name` was made from and its files (saved now unless `save` is
        false: the caller saves once it has recorded every unit)."""
        made = {
            "run_id": run_id,
            "made_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "files": {path.relative_to(self.root).as_posix(): _stamp(path) for path in files},
        }
        self.ledger.record(name, key, result=made)
        if save:
            self.save()

    def forget(self, name: str, every_unit: bool = False, keep: set[str] = frozenset()) -> None:
        """Forget output `name` (with `every_unit`, its yearly units `name/<year>` too),
        except the entries in `keep`."""
        before = len(self.ledger.entries)
        self.ledger.forget_where(
            lambda entry: (
                entry in keep
                or not (entry == name or (every_unit and entry.startswith(name + "/")))
            )
        )
        if len(self.ledger.entries) != before:
            self.save()

    def save(self) -> None:
        self.ledger.save()
