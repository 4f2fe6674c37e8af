"""The worker pool that reads (and on CPU classifies) files, and bounded in-order mapping."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice

from ._classification import _classify
from ._malloc import _tune_malloc
from ._reading import _read_one

logger = logging.getLogger(__name__)

#: what a worker process was started with (grid, reading options, the decision)
_WORKER: dict = {}

# Workers start as fresh interpreters: forking the caller would copy its torch
# threads, tqdm's monitor thread and any lock they hold; spawn also leaves no
# helper process behind in the caller (forkserver would). The price: a script
# that starts a pool needs an ``if __name__ == "__main__"`` guard.
_START_METHOD = "spawn"
#: seconds between a worker's checks that its parent is alive
_WATCH_INTERVAL = 1.0


def _context():
    return multiprocessing.get_context(_START_METHOD)


def _die_with_parent(parent: int) -> None:
    """End this worker when the process that started it dies (even by SIGKILL).

    Without this a worker blocked on the task queue outlives a killed parent
    forever (the queue's pipe stays open in the workers). On Linux the kernel
    sends SIGKILL at once (``PR_SET_PDEATHSIG``); everywhere a daemon thread
    checks every second that the parent is still the parent.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover
            pass

    def watch():
        while os.getppid() == parent:
            threading.Event().wait(_WATCH_INTERVAL)
        os._exit(1)

    if os.getppid() != parent:  # died before prctl took effect
        os._exit(1)
    threading.Thread(target=watch, name="skspec-parent-watch", daemon=True).start()


def _init_worker(grid, max_bad_fraction, method, threads, parent=None, decision_bytes=None):
    """Set up a worker: it reads files, and classifies them when given ``decision_bytes``.

    A reader (``decision_bytes=None``: the model is on a GPU, or cannot be
    pickled, and classifies in the caller) imports no torch. A classifying
    worker gets the run's :class:`~skspec.survey._decision._Decision` (the
    model inside) as bytes the caller pickled once, tunes its own allocator
    (the process is skspec's, not the caller's) and runs torch with
    ``threads`` threads.
    """
    if parent is not None:
        _die_with_parent(parent)
    decision = None
    if decision_bytes is not None:
        import pickle

        decision = pickle.loads(decision_bytes)  # the caller's own bytes, pickled for this pool
    _WORKER.update(grid=grid, max_bad_fraction=max_bad_fraction, method=method,
                   decision=decision)
    if decision is not None:
        _tune_malloc()
    torch = sys.modules.get("torch")  # only if the model (or the caller's main module)
    if torch is not None:  # brought it in: a reader that imported torch would only start slower
        torch.set_num_threads(threads)


def _read_chunk(paths: list[str]) -> list:
    """``(row, flux)`` of each path, read onto the grid (a reader's task)."""
    w = _WORKER
    return [_read_one(p, w["grid"], w["max_bad_fraction"], w["method"]) for p in paths]


def _predict_chunk(paths: list[str]) -> list[dict]:
    """Catalogue rows of one batch of paths: read, then one ``predict_proba`` call.

    The caller sends exactly the batches its serial path would classify, so
    the rows are the serial rows to the last bit.
    """
    decision = _WORKER["decision"]
    return _classify(decision.model, _read_chunk(paths), decision.classes, decision)


class _ReadAhead:
    """Iterate ``items`` in a helper thread, at most ``depth`` items ahead.

    The serial path reads the next batch while the model classifies this one:
    gzip, numpy and torch release the GIL (a RAC-Net's CPU forward pass runs
    as one traced graph, :class:`~skspec.neural_network.InferenceRACNet`),
    so reading and inference overlap on two cores without a second process. An error in the thread is raised
    in the caller when it reaches that point; :meth:`close` stops the thread.
    """

    _END = object()

    def __init__(self, items: Iterable, depth: int):
        import queue

        self._queue: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(iter(items),),
                                        name="skspec-read-ahead", daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        import queue

        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, it):
        try:
            for item in it:
                if not self._put((True, item)):
                    return
        except BaseException as exc:  # handed to the caller
            self._put((False, exc))
            return
        self._put((True, self._END))

    def __iter__(self):
        while True:
            ok, item = self._queue.get()
            if not ok:
                raise item
            if item is self._END:
                return
            yield item

    def close(self) -> None:
        import queue

        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


def _bounded_map(executor, func, chunks: Iterator[list], max_in_flight: int):
    """``executor.map`` that keeps at most ``max_in_flight`` futures (in order)."""
    pending: deque = deque()
    for chunk in chunks:
        pending.append(executor.submit(func, chunk))
        if len(pending) >= max_in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
