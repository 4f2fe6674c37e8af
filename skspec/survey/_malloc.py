"""Opt-in glibc malloc tuning for the process that classifies."""

from __future__ import annotations

_MALLOC_TUNED = False


def _tune_malloc() -> None:
    """Keep glibc from returning big freed blocks to the OS after every batch.

    A network's activations for a batch are tens of MB; when glibc serves
    them with fresh ``mmap``s (always, once ``MALLOC_TRIM_THRESHOLD_`` is set,
    as Dask's nanny does), every batch pays page faults: RAC-Net inference
    measured 1.5 to 3 times slower. Raising the mmap and trim thresholds lets
    the blocks be reused. Runs once per process; a no-op off glibc. It changes
    the whole process and cannot be undone, so callers opt in
    (``tune_malloc=True``).
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 256 * 2**20)  # M_TRIM_THRESHOLD
        if not libc.mallopt(-3, 64 * 2**20):  # M_MMAP_THRESHOLD (glibc caps it)
            libc.mallopt(-3, 32 * 2**20)
    except (OSError, AttributeError):  # not glibc
        pass
