"""Expand inputs (files, folders, globs, lists of paths) lazily into file paths."""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Iterator

__all__ = ["iter_paths"]

logger = logging.getLogger(__name__)

#: suffixes of the files a folder contributes
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz", ".fits.bz2", ".fits.fz")
#: suffixes of a text file holding one path per line
LIST_SUFFIXES = (".txt", ".lst", ".list")


def _is_fits_name(name: str) -> bool:
    return name.lower().endswith(FITS_SUFFIXES)


def _walk(folder: str) -> Iterator[str]:
    """FITS files under ``folder``, recursively, without listing it into memory."""
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = os.scandir(current)
        except OSError as exc:
            logger.warning("cannot list %s: %s", current, exc)
            continue
        with entries:
            subdirs = []
            for entry in entries:
                if entry.is_dir():
                    subdirs.append(entry.path)
                elif _is_fits_name(entry.name):
                    yield entry.path
        stack.extend(sorted(subdirs, reverse=True))


def _read_list(path: str) -> Iterator[str]:
    base = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line if os.path.isabs(line) else os.path.join(base, line)


def iter_paths(inputs) -> Iterator[str]:
    """Expand ``inputs`` lazily into absolute file paths.

    Each input is a FITS file, a folder (its FITS files, recursively, in
    directory order: files named ``*.fits``, ``*.fit``, ``*.fts``, optionally
    ``.gz``/``.bz2``/``.fz``), a glob pattern (``"dr7/**/*.fits.gz"``) or a
    text file ending in ``.txt``/``.lst``/``.list`` with one path per line
    (relative paths are relative to the text file; ``#`` starts a comment).
    Any other existing file is yielded as is (it is reported if unreadable).
    Nothing is listed into memory, so ten million files are fine.

    Examples
    --------
    >>> from skspec.datasets import load_lamost_samples
    >>> from skspec.survey import iter_paths
    >>> import os
    >>> folder = os.path.dirname(load_lamost_samples().filenames[0])
    >>> sum(1 for _ in iter_paths([folder]))
    7
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            yield from (os.path.abspath(p) for p in _walk(item))
        elif os.path.isfile(item):
            if item.lower().endswith(LIST_SUFFIXES):
                yield from (os.path.abspath(p) for p in _read_list(item))
            else:
                yield os.path.abspath(item)
        elif glob.has_magic(item):
            yield from (os.path.abspath(p) for p in glob.iglob(item, recursive=True)
                        if os.path.isfile(p))
        else:
            raise FileNotFoundError(f"input {item!r} is not a file, a folder or a glob pattern")
