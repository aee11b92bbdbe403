"""SHA-256 of the export files, computed in the background and at most once per build; and the
records of each CSV that is read.

Every build hashes every export file: the hashes decide whether an export is read again, and
they are part of each row's lineage. hashlib releases the GIL on large blocks, so two files
hash side by side (~1 GB/s a thread here) while Python does something else: `annex build`
starts hashing the raw folder's exports before it imports Dagster (~1-3 s of imports on one
core), and each export asks for its files' hashes when it is read (`sha256_of`), getting the
same future. A file is hashed again when its size, modification time or inode changed since.

A CSV that is read is also counted (`csv_records_of`, beside DuckDB's read), apart from the
reader that loads it: DuckDB's CSV reader drops a record longer than it allows without a word
(a 1 GB line, binary junk after the last row), so the build compares the two counts
(raw-exports.md, "Every record is accounted for").

This module imports nothing heavy at import time, so that the CLI can start it first.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pipelines.lib.rawfiles import candidate_files

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sha256")
_LOCK = threading.Lock()
_SCANS: dict[tuple[str, int, int, int], Future[str]] = {}
_COUNTS: dict[tuple[str, int, int, int], Future[int]] = {}
_CHUNK = 1 << 20
_QUOTE, _NEWLINE, _CR = 0x22, 0x0A, 0x0D


class RecordCounter:
    """Counts a CSV's records chunk by chunk: lines ending outside a quoted field (an even
    number of `"` before the line break; an escaped `""` counts twice), empty lines left out as
    DuckDB's reader leaves them out. Vectorised with numpy: no Python loop over the records."""

    def __init__(self) -> None:
        self.lines = 0
        self.quotes = 0  # quotes seen so far (their parity: inside a quoted field or not)
        self.pending = 0  # bytes since the last line break outside quotes
        self.last = -1  # the last byte seen

    def feed(self, chunk: bytes) -> None:
        import numpy as np  # in the hashing thread: the CLI imports this module first

        data = np.frombuffer(chunk, dtype=np.uint8)
        breaks = np.flatnonzero(data == _NEWLINE)
        # most chunks of most exports hold no quote: every line break there ends a record
        quoted = b'"' in chunk
        quotes = np.flatnonzero(data == _QUOTE) if quoted else np.empty(0, np.int64)
        if breaks.size:
            if quoted:
                ends = breaks[(self.quotes + np.searchsorted(quotes, breaks)) % 2 == 0]
            else:
                ends = breaks if self.quotes % 2 == 0 else breaks[:0]
            if ends.size:
                lengths = np.diff(ends, prepend=-1) - 1
                lengths[0] += self.pending
                before = np.where(ends > 0, data[np.maximum(ends - 1, 0)], self.last)
                empty = (lengths == 0) | ((lengths == 1) & (before == _CR))
                self.lines += int(ends.size - np.count_nonzero(empty))
                self.pending = len(chunk) - 1 - int(ends[-1])
            else:
                self.pending += len(chunk)
        else:
            self.pending += len(chunk)
        self.quotes += int(quotes.size)
        if chunk:
            self.last = chunk[-1]

    def total(self) -> int:
        """Non-empty lines, the last one counted even without its line break."""
        tail = self.pending > 1 or (self.pending == 1 and self.last != _CR)
        return self.lines + int(tail)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def count_lines(path: Path) -> int:
    """The non-empty lines of a CSV that end outside quotes (its header included)."""
    counter = RecordCounter()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            counter.feed(chunk)
    return counter.total()


def _key(path: Path) -> tuple[str, int, int, int]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)


def sha256_of(path: Path) -> Future[str]:
    """The file's SHA-256, computing (in the background) unless it is already known or being
    computed for the file as it is now."""
    key = _key(path)
    with _LOCK:
        future = _SCANS.get(key)
        if future is None:
            future = _SCANS[key] = _POOL.submit(file_sha256, path)
        return future


def csv_records_of(path: Path) -> Future[int]:
    """The records after the header of the CSV `path`, counted in the background. Asked for
    only when the file is read (an unchanged export that is not read again is not counted:
    counting costs about twice what hashing does)."""
    key = _key(path)
    with _LOCK:
        future = _COUNTS.get(key)
        if future is None:
            lines = _POOL.submit(count_lines, path)
            future = _COUNTS[key] = _derived(lines, lambda total: max(total - 1, 0))
        return future


def _derived(source: Future[int], take: Callable[[int], Any]) -> Future[Any]:
    """A future of what `take` gives of `source`'s result (or of its error)."""
    result: Future[Any] = Future()

    def done(finished: Future[int]) -> None:
        error = finished.exception()
        if error is not None:
            result.set_exception(error)
        else:
            result.set_result(take(finished.result()))

    source.add_done_callback(done)
    return result


def prefetch(folder: Path) -> None:
    """Start hashing every export under `folder`, largest first (a small file hashes while the
    other thread is still on a large one); what is not an export is neither hashed nor opened."""
    files = [(path.stat().st_size, path) for path in candidate_files(folder)]
    for _, path in sorted(files, key=lambda item: -item[0]):
        sha256_of(path)
