"""Every output is written whole or not at all: written to a temporary name beside it, then
renamed over it, so that a reader during a build sees the old file or the new one, never half a
file (interface.md, the outputs rule). One helper for every output writer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` (hidden, same suffix: writers that go by the suffix still
    work) to write the file to; renamed over `path` when the block ends, removed if it fails."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """`path.write_text(text)`, atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding=encoding)


def write_bytes(path: Path, data: bytes) -> None:
    """`path.write_bytes(data)`, atomically."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
