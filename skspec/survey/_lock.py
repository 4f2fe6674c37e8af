"""One writer per catalogue: an exclusive lock on ``<catalogue>.lock``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
try:
    import msvcrt
except ImportError:
    msvcrt = None


class CatalogueLockedError(RuntimeError):
    """Another run is writing this catalogue."""


def _try_lock(fd: int) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    if msvcrt is not None:  # pragma: no cover - Windows
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    logger.warning("no file locking on this platform: do not run two writers on one catalogue")
    return True  # pragma: no cover


class CatalogueLock:
    """Hold ``<catalogue>.lock`` exclusively while a run writes the catalogue.

    The lock is :func:`fcntl.flock` (``msvcrt.locking`` on Windows), so the
    operating system releases it when the process dies, even by SIGKILL: a
    killed run never blocks the next one. The lock file holds the writer's
    process id, for the message a second writer gets; it is removed on
    :meth:`release`.
    """

    def __init__(self, catalogue):
        self.path = Path(catalogue).with_name(Path(catalogue).name + ".lock")
        self._fd = None

    def acquire(self) -> CatalogueLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            if not _try_lock(fd):
                try:
                    holder = os.read(fd, 32).decode("ascii", "replace").strip()
                finally:
                    os.close(fd)
                who = f" (process {holder})" if holder else ""
                catalogue = self.path.with_name(self.path.name[:-len(".lock")])
                raise CatalogueLockedError(
                    f"{catalogue} is being written by another run{who}: wait for it to end, "
                    f"or write another catalogue (lock file {self.path})"
                )
            try:  # the previous holder may have removed the file we locked
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.path)  # while still holding it: no one locks a stale file
        except OSError:  # pragma: no cover
            pass
        os.close(self._fd)
        self._fd = None
