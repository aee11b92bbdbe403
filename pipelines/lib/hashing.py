"""SHA-256 of the export files, computed in the background and at most once per build.

Every build hashes every export file: the hashes decide whether an export is read again, and
they are part of each row's lineage. hashlib releases the GIL on large blocks, so two files
hash side by side (~1 GB/s a thread here) while Python does something else: `annex build`
starts hashing the raw folder before it imports Dagster (~1-3 s of imports on one core), and
each export asks for its files' hashes when it is read (`sha256_of`), getting the same future.
A file is hashed again when its size, modification time or inode changed since.

This module imports nothing heavy, so that the CLI can start it first.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from pipelines.lib.rawfiles import candidate_files

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sha256")
_LOCK = threading.Lock()
_HASHES: dict[tuple[str, int, int, int], Future[str]] = {}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> Future[str]:
    """The file's SHA-256, computing (in the background) unless it is already known or being
    computed for the file as it is now."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    with _LOCK:
        future = _HASHES.get(key)
        if future is None:
            future = _HASHES[key] = _POOL.submit(file_sha256, path)
        return future


def prefetch(folder: Path) -> None:
    """Start hashing every file under `folder` that may be an export, largest first (a small
    file hashes while the other thread is still on a large one); a `.git` folder or an Excel
    lock file is no export and is not hashed."""
    files = [(path.stat().st_size, path) for path in candidate_files(folder)]
    for _, path in sorted(files, key=lambda item: -item[0]):
        sha256_of(path)
