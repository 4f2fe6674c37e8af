"""The resume journal: which files a catalogue already holds, and repairing a cut csv."""

from __future__ import annotations

import csv
import hashlib
import logging
import os
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

def _key(path: str) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode("utf-8", "surrogateescape"),
                                          digest_size=8).digest(), "little")


class _DoneSet:
    """Files already in a catalogue, 8 bytes each (sorted 64-bit hashes)."""

    def __init__(self, keys: np.ndarray | None = None):
        self.keys = np.unique(keys) if keys is not None else np.empty(0, np.uint64)

    def __len__(self):
        return self.keys.size

    def __contains__(self, path: str) -> bool:
        if not self.keys.size:
            return False
        k = np.uint64(_key(path))
        i = np.searchsorted(self.keys, k)
        return bool(i < self.keys.size and self.keys[i] == k)


def _repair_csv(path: Path) -> None:
    """Cut a last line left half-written by an interrupted run."""
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return
        step, pos = 65536, size
        while pos > 0:
            start = max(0, pos - step)
            fh.seek(start)
            chunk = fh.read(pos - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                fh.truncate(start + cut + 1)
                logger.warning("%s: dropped a half-written last line", path)
                return
            pos = start
        fh.truncate(0)


def _csv_done(path: Path, columns: list[str]) -> _DoneSet:
    """Check the header of an existing catalogue and hash its ``file`` column.

    Streams the file with the :mod:`csv` module (no pandas): one row at a
    time, 8 bytes kept per row.
    """
    _repair_csv(path)
    if path.stat().st_size == 0:
        return _DoneSet()
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if header != columns:
            raise _ResumeRefused(path, f"has other columns than this model's catalogue "
                                       f"({header[:12]}...)")
        keys = np.fromiter((_key(row[0]) for row in reader if row), np.uint64)
    return _DoneSet(keys)


class _ResumeRefused(ValueError):
    """An existing catalogue this run cannot resume (other model, not a catalogue)."""

    def __init__(self, path, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path} {reason}; pass another output or resume=False to replace it")
