"""Read one spectrum file onto the model's grid; problems become flags, never errors.

The reading, coverage and bad-pixel rules are :func:`skspec.io.read_onto_grid`'s
(the same as training-time :func:`skspec.io.read_spectra`); this module only
turns its result or its typed error into a catalogue row.
"""

from __future__ import annotations

import numpy as np

from ..io._onto_grid import MAX_BAD_FRACTION as REFUSE_BAD_FRACTION
from ._columns import _META_COLUMNS

# Above REFUSE_BAD_FRACTION bad pixels on the grid a file gets no class
# (``nan_heavy``): skspec.io.read_onto_grid's rule, shared with read_spectra.


def _read_one(path: str, grid: np.ndarray, max_bad_fraction: float, method: str):
    """Read and resample one file: ``(row, flux or None)``; never raises.

    ``max_bad_fraction`` is the flag threshold (``nan_heavy``, still
    classified); above :data:`REFUSE_BAD_FRACTION` there is no class.
    """
    from ..io import SpectrumReadError, read_onto_grid

    row = dict.fromkeys(_META_COLUMNS)
    row["file"] = str(path)
    if getattr(path, "error", None):  # found by the walk but not examinable
        return _finish(row, None, ["unreadable"], path.error)
    try:
        spectrum = read_onto_grid(str(path), grid, method=method,
                                  flag_bad_fraction=max_bad_fraction,
                                  max_bad_fraction=max(max_bad_fraction, REFUSE_BAD_FRACTION))
    except SpectrumReadError as exc:  # typed: the class says which flag
        _describe(row, exc.meta)
        return _finish(row, None, [exc.flag], exc.reason)
    except Exception as exc:  # never fatal: any other failure is reported too
        return _finish(row, None, ["unreadable"], f"{type(exc).__name__}: {exc}")
    _describe(row, spectrum.meta)
    return _finish(row, spectrum.flux, list(spectrum.flags), "")


def _describe(row: dict, meta) -> None:
    meta = meta or {}
    row.update(
        object_id=_text(meta.get("object_id")),
        obsid=_text(meta.get("obsid")),
        format=_text(meta.get("format")),
        survey_class=_text(meta.get("class")),
        survey_subclass=_text(meta.get("subclass")),
        snr=_number(meta.get("snr")),
        bad_fraction=_number(meta.get("bad_fraction")),
    )


def _finish(row, flux, flags, error):
    row["flags"] = "|".join(flags)
    row["error"] = error
    return row, flux


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
