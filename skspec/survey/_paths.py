"""Expand inputs (files, folders, globs, lists of paths) lazily into file paths."""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Iterator

from ..io import FITS_SUFFIXES  # the files a folder contributes: one list, skspec.io's

__all__ = ["iter_paths"]

logger = logging.getLogger(__name__)

#: suffixes of a text file holding one path per line
LIST_SUFFIXES = (".txt", ".lst", ".list")


def _is_fits_name(name: str) -> bool:
    return name.lower().endswith(FITS_SUFFIXES)


class _UnreadablePath(str):
    """A path the walk could not follow (a link loop, a folder it may not list).

    A ``str`` (the path) carrying ``error``, the reason; the reader reports it
    as an ``unreadable`` row instead of opening it.
    """

    error: str

    def __new__(cls, path: str, exc: BaseException):
        self = super().__new__(cls, path)
        self.error = f"{type(exc).__name__}: {exc}"
        return self

    def __reduce__(self):  # keep ``error`` through pickling (worker pool, Dask)
        return (_unreadable, (str(self), self.error))


def _unreadable(path: str, error: str) -> _UnreadablePath:
    self = str.__new__(_UnreadablePath, path)
    self.error = error
    return self


class _Walker:
    """Walk folders once each (by device and inode) and yield each file once.

    Directory links are followed, but never into a directory already walked
    (a link loop, or two links to one folder); files are yielded by their
    real path (:func:`os.path.realpath`), so a file reached through a link
    and directly is one path. An entry that cannot be examined (a file link
    loop, a folder that cannot be listed) is yielded as an
    :class:`_UnreadablePath` and the walk goes on.
    """

    def __init__(self):
        self.walked: set[tuple[int, int]] = set()
        self.roots: list[str] = []
        self.linked: set[str] = set()

    def _under_root(self, path: str) -> bool:
        return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)

    def walk(self, folder: str) -> Iterator[str]:
        root = os.path.realpath(folder)
        self.roots.append(root)
        stack = [root]
        while stack:
            current = stack.pop()  # a real path: no links in it
            try:
                st = os.stat(current)
                if (st.st_dev, st.st_ino) in self.walked:
                    continue
                self.walked.add((st.st_dev, st.st_ino))
                entries = os.scandir(current)
            except OSError as exc:
                logger.warning("cannot list %s: %s", current, exc)
                yield _UnreadablePath(current, exc)
                continue
            subdirs = []
            with entries:
                while True:
                    try:
                        entry = next(entries)
                    except StopIteration:
                        break
                    except OSError as exc:  # the listing itself failed part-way
                        logger.warning("cannot list %s: %s", current, exc)
                        yield _UnreadablePath(current, exc)
                        break
                    path = os.path.join(current, entry.name)
                    try:
                        if entry.is_symlink():
                            target = os.path.realpath(path, strict=True)
                            if os.path.isdir(target):
                                subdirs.append(target)
                            elif _is_fits_name(entry.name):
                                yield from self._linked_file(target)
                        elif entry.is_dir(follow_symlinks=False):
                            subdirs.append(path)
                        elif _is_fits_name(entry.name):
                            yield path
                    except OSError as exc:  # a link loop, a dangling link, ...
                        if _is_fits_name(entry.name):
                            yield _UnreadablePath(path, exc)
                        else:
                            logger.warning("skipping %s: %s", path, exc)
            stack.extend(sorted(subdirs, reverse=True))

    def _linked_file(self, target: str) -> Iterator[str]:
        if _is_fits_name(os.path.basename(target)) and self._under_root(target):
            return  # the walk meets the file itself under its own name
        if target not in self.linked:
            self.linked.add(target)
            yield target


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

    Paths are real paths (:func:`os.path.realpath`): a file reached through
    a link and directly is yielded once. Links to folders are followed, but
    no folder is walked twice (by device and inode), so a link loop such as
    ``d/self -> d`` is harmless. An entry that cannot be examined (a link
    loop named like a FITS file, a folder that cannot be listed) is yielded
    too, as a ``str`` with an ``error`` attribute, so that
    :func:`predict_files` reports it as ``unreadable`` and goes on. A glob
    pattern's matches are made unique in memory (for millions of files pass
    a folder or a text file of paths instead).

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
    walker = _Walker()
    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            yield from walker.walk(item)
        elif os.path.isfile(item):
            if item.lower().endswith(LIST_SUFFIXES):
                yield from (os.path.realpath(p) for p in _read_list(item))
            else:
                yield os.path.realpath(item)
        elif glob.has_magic(item):
            yield from _glob(item)
        else:
            raise FileNotFoundError(_missing(item))


def check_inputs(inputs) -> None:
    """Fail now if an input given by name is neither a file, a folder nor a pattern.

    Only ``str``/path-like inputs and lists or tuples of them are checked
    (an iterator is left to be read lazily); the paths inside folders, text
    files and patterns are not (an unreadable one becomes a flagged row).
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if not isinstance(inputs, (list, tuple)):
        return
    for item in inputs:
        item = os.fspath(item)
        if not (os.path.exists(item) or glob.has_magic(item)):
            raise FileNotFoundError(_missing(item))


def _glob(pattern: str) -> Iterator[str]:
    """Files matching ``pattern``, each once (``**`` follows links, loops included)."""
    seen: set[str] = set()
    for path in glob.iglob(pattern, recursive=True):
        try:
            if not os.path.isfile(path):
                continue
        except OSError:  # pragma: no cover - isfile swallows most errors
            continue
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            yield real


def _missing(item: str) -> str:
    """Why ``item`` is neither a file, a folder nor a glob pattern."""
    if os.path.lexists(item):  # a link that leads nowhere usable
        try:
            os.stat(item)
        except OSError as exc:
            return f"input {item!r} cannot be followed: {exc.strerror}"
    return f"input {item!r} is not a file, a folder or a glob pattern"
