"""The worker pool that reads files, and bounded in-order mapping over chunks."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice

from ._reading import _read_one

_WORKER_GRID: dict = {}

# Workers only run numpy/astropy (never torch or CUDA), so fork is safe where it
# exists and, unlike spawn, does not need an ``if __name__ == "__main__"`` guard
# in the user's script.
_START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _init_worker(grid, max_bad_fraction, method, threads):
    _WORKER_GRID.update(grid=grid, max_bad_fraction=max_bad_fraction, method=method)
    try:  # workers only read files: one thread each
        import torch

        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover
        pass


def _read_chunk(paths: list[str]) -> list:
    g = _WORKER_GRID
    return [_read_one(p, g["grid"], g["max_bad_fraction"], g["method"]) for p in paths]


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
