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
    """Check the header of an existing catalogue and hash its ``file`` column."""
    import pandas as pd

    _repair_csv(path)
    if path.stat().st_size == 0:
        return _DoneSet()
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), [])
    if header != columns:
        raise ValueError(
            f"{path} has other columns than this model's catalogue ({header[:12]}...); "
            "pass another output or resume=False to replace it"
        )
    keys = []
    for chunk in pd.read_csv(path, usecols=["file"], dtype=str, chunksize=200_000,
                             keep_default_na=False):
        keys.append(np.fromiter((_key(p) for p in chunk["file"]), np.uint64, len(chunk)))
    return _DoneSet(np.concatenate(keys) if keys else None)
