"""Input checks that name the problem and where it is (row, pixel, file)."""

from __future__ import annotations

import numpy as np

__all__ = ["as_float32_spectra", "check_spectra", "check_wavelength", "first_bad_rows"]


def first_bad_rows(bad_rows: np.ndarray, limit: int = 5) -> str:
    """Format the indices of the first offending rows for an error message."""
    idx = np.flatnonzero(bad_rows)
    shown = ", ".join(str(i) for i in idx[:limit])
    more = f" and {idx.size - limit} more" if idx.size > limit else ""
    return f"{shown}{more}"


def check_spectra(X, *, name: str = "X", allow_nan: bool = False) -> None:
    """Raise a ValueError naming the rows of ``X`` that hold NaN or inf flux.

    ``X`` must already be a 2-D numeric ndarray (run it through
    :func:`sklearn.utils.validation.validate_data` first, with
    ``ensure_all_finite=False`` so that this function can name the rows).

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.utils import check_spectra
    >>> check_spectra(np.array([[1.0, 2.0], [np.nan, 1.0]]))
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN or infinite flux in 1 spectrum (row 1); ...
    """
    if allow_nan:
        bad = np.isinf(X).any(axis=1)
    else:
        bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        n = int(bad.sum())
        noun = "spectrum" if n == 1 else "spectra"
        rows = "row" if n == 1 else "rows"
        raise ValueError(
            f"{name} contains NaN or infinite flux in {n} {noun} "
            f"({rows} {first_bad_rows(bad)}); mask or interpolate bad pixels "
            "first (e.g. skspec.preprocessing.WavelengthResampler with ivar)"
        )


def _rows_phrase(bad: np.ndarray) -> str:
    n = int(bad.sum())
    return f"{n} {'spectrum' if n == 1 else 'spectra'} ({'row' if n == 1 else 'rows'} {first_bad_rows(bad)})"


def as_float32_spectra(X, *, name: str = "X") -> np.ndarray:
    """Cast finite spectra to float32, refusing flux beyond float32's range.

    The networks compute in float32; a float64 flux above about 3.4e38 in
    absolute value would become inf there and the results NaN. ``X`` must
    already have passed :func:`check_spectra`.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.utils._validation import as_float32_spectra
    >>> as_float32_spectra(np.array([[1.0, 2.0]])).dtype
    dtype('float32')
    >>> as_float32_spectra(np.array([[1.0, 2.0], [1e39, 1.0]]))
    Traceback (most recent call last):
    ...
    ValueError: X holds flux beyond the float32 range (|flux| > 3.4e+38) in 1 spectrum (row 1); ...
    """
    X32 = np.asarray(X).astype(np.float32, copy=False)
    bad = ~np.isfinite(X32).all(axis=1)
    if bad.any():
        raise ValueError(
            f"{name} holds flux beyond the float32 range (|flux| > {np.finfo(np.float32).max:.2g}) in "
            f"{_rows_phrase(bad)}; the networks compute in float32: rescale the flux first "
            "(e.g. skspec.preprocessing.FluxNormalizer)"
        )
    return X32


def check_wavelength(wavelength, *, n_pixels: int | None = None, name: str = "wavelength") -> np.ndarray:
    """Validate a wavelength axis and return it as float64 Ångström.

    Accepts an array-like in Å or an :class:`astropy.units.Quantity` in any
    spectral unit (converted with ``u.spectral()``). The axis must be 1-D,
    finite and strictly increasing, and, when ``n_pixels`` is given, match it.

    Examples
    --------
    >>> import astropy.units as u
    >>> from skspec.utils import check_wavelength
    >>> check_wavelength([0.4, 0.5] * u.um)
    array([4000., 5000.])
    >>> check_wavelength([5000.0, 4000.0])
    Traceback (most recent call last):
    ...
    ValueError: wavelength must be strictly increasing; it is not at index 1 (5000.0 -> 4000.0)
    """
    if hasattr(wavelength, "unit"):
        import astropy.units as u

        wavelength = u.Quantity(wavelength).to_value(u.AA, equivalencies=u.spectral())
    wave = np.asarray(wavelength, dtype=np.float64)
    if wave.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {wave.shape}")
    if wave.size < 2:
        raise ValueError(f"{name} needs at least 2 pixels, got {wave.size}")
    if not np.isfinite(wave).all():
        i = int(np.flatnonzero(~np.isfinite(wave))[0])
        raise ValueError(f"{name} holds a non-finite value at index {i}")
    step = np.diff(wave)
    if (step <= 0).any():
        i = int(np.flatnonzero(step <= 0)[0])
        raise ValueError(
            f"{name} must be strictly increasing; it is not at index {i + 1} "
            f"({wave[i]} -> {wave[i + 1]})"
        )
    if n_pixels is not None and wave.size != n_pixels:
        raise ValueError(f"{name} has {wave.size} pixels but the spectra have {n_pixels}")
    return wave
