"""Shared input checks of the augmentation transforms (flux, grid, per-row values)."""

from __future__ import annotations

from numbers import Real

import numpy as np

from ..utils._validation import check_spectra, check_wavelength

#: Speed of light in km/s.
C_KMS = 299792.458


def check_flux(flux, wavelength, *, allow_nan: bool = False):
    """Return ``(X, wave, squeeze, dtype)``: float64 2-D flux, grid in Å, and how to give it back.

    ``flux`` is 1-D (one spectrum) or 2-D (rows are spectra); ``wavelength``
    is checked against its columns (length, strictly increasing, finite).
    """
    arr = np.asarray(flux)
    if arr.ndim not in (1, 2):
        raise ValueError(f"flux must be 1-D or 2-D (n_samples, n_pixels), got shape {arr.shape}")
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"flux must be numeric, got dtype {arr.dtype}")
    dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    X = np.atleast_2d(arr).astype(np.float64)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"flux is empty (shape {arr.shape})")
    check_spectra(X, name="flux", allow_nan=allow_nan)
    if wavelength is None:
        raise ValueError("wavelength is required: the grid (in Angstrom) of the flux columns")
    wave = check_wavelength(wavelength, n_pixels=X.shape[1])
    return X, wave, arr.ndim == 1, dtype


def give_back(X: np.ndarray, squeeze: bool, dtype) -> np.ndarray:
    """Undo :func:`check_flux`'s promotion: the caller's dtype and dimensionality."""
    X = X.astype(dtype, copy=False)
    return X[0] if squeeze else X


def per_row(value, n_rows: int, name: str, *, low: float | None = None,
            low_closed: bool = True) -> np.ndarray:
    """Broadcast a scalar or a length-``n_rows`` array to float64 ``(n_rows,)``; check bounds."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_rows, float(arr))
    elif arr.shape != (n_rows,):
        raise ValueError(
            f"{name} must be a scalar or have one value per spectrum ({n_rows}), "
            f"got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        i = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{name} holds a non-finite value (at index {i})")
    if low is not None:
        bad = arr < low if low_closed else arr <= low
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            rel = ">=" if low_closed else ">"
            raise ValueError(f"{name} must be {rel} {low:g}, got {arr[i]:g} (at index {i})")
    return arr


def check_range(value, name: str, *, low: float | None = None, low_closed: bool = True,
                high: float | None = None, high_closed: bool = True):
    """Turn a scalar or ``(low, high)`` into a checked float pair; None stays None.

    A scalar means a fixed value (``(v, v)``). The low end may not exceed the
    high end; both must respect the bounds given.
    """
    if value is None:
        return None
    if isinstance(value, Real) and not isinstance(value, bool):
        pair = (float(value), float(value))
    else:
        try:
            pair = tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be None, a number or a (low, high) pair, got {value!r}"
            ) from None
        if len(pair) != 2:
            raise ValueError(f"{name} must be a (low, high) pair, got {value!r}")
    lo, hi = pair
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if lo > hi:
        raise ValueError(f"{name}=({lo:g}, {hi:g}): the low end exceeds the high end")
    if low is not None and (lo < low if low_closed else lo <= low):
        rel = ">=" if low_closed else ">"
        raise ValueError(f"{name}=({lo:g}, {hi:g}): values must be {rel} {low:g}")
    if high is not None and (hi > high if high_closed else hi >= high):
        rel = "<=" if high_closed else "<"
        raise ValueError(f"{name}=({lo:g}, {hi:g}): values must be {rel} {high:g}")
    return lo, hi
