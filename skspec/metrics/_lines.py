"""Equivalent widths of the lines that tell O stars apart, real versus generated."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from ..io._base import air_to_vacuum
from ..utils._validation import check_wavelength

__all__ = ["O_STAR_LINES", "compare_equivalent_widths", "equivalent_widths"]


# name: (air wavelength in Angstrom, half-width of the line window in Angstrom)
_AIR = {  # in order of wavelength
    "H gamma": (4340.47, 15.0),
    "He I 4471": (4471.48, 6.0),
    "He II 4541": (4541.59, 6.0),
    "He II 4686": (4685.71, 6.0),
    "H beta": (4861.33, 15.0),
    "He I 4922": (4921.93, 6.0),
}
#: The lines that tell O stars apart: vacuum centre (Angstrom) and half-width of
#: the line window. He II 4541/4686 appear only in O stars; He I 4471/4922 peak
#: in B stars; the Balmer lines H gamma and H beta are strong in both. The one
#: table used by the equivalent widths and by :mod:`skspec.plotting`.
O_STAR_LINES = {name: (round(float(air_to_vacuum(air)), 2), hw) for name, (air, hw) in _AIR.items()}


def _resolve_lines(lines):
    if lines is None:
        return dict(O_STAR_LINES)
    if isinstance(lines, dict):
        return {str(k): (float(c), float(h)) for k, (c, h) in lines.items()}
    unknown = [name for name in lines if name not in O_STAR_LINES]
    if unknown:
        raise ValueError(f"unknown lines {unknown}; known: {list(O_STAR_LINES)} (or pass a dict)")
    return {name: O_STAR_LINES[name] for name in lines}


@validate_params(
    {
        "X": ["array-like"],
        "wavelength": "no_validation",
        "lines": [list, tuple, dict, None],
        "band": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def equivalent_widths(X, wavelength, *, lines=None, band=10.0) -> dict:
    """Equivalent width of each line in each spectrum, with a local linear continuum.

    For a line at vacuum centre ``c`` with window half-width ``h``, the
    continuum is a straight line fitted (least squares, per spectrum) to the
    pixels of the side bands ``[c - h - band, c - h)`` and ``(c + h, c + h +
    band]``, and ``EW = sum((1 - F / F_cont) * pixel_width)`` over ``[c - h, c
    + h]``. Positive for absorption, negative for emission, in Angstrom. This
    is a pseudo-EW for comparing sets of spectra (real against generated),
    not a calibrated abundance measure: blends inside the window count.

    Parameters
    ----------
    X : array-like of shape (n_spectra, n_pixels)
        Flux (any normalisation; the continuum fit removes the scale).
    wavelength : array-like or Quantity of shape (n_pixels,)
        Vacuum wavelengths (Angstrom when unitless).
    lines : list of names, dict or None, default=None
        Names from :data:`O_STAR_LINES` (He II 4541, He II 4686, He I 4471,
        He I 4922, H beta, H gamma; None: all) or a dict ``name: (vacuum
        centre, half-width)`` in Angstrom.
    band : float, default=10.0
        Width of each continuum side band in Angstrom.

    Returns
    -------
    widths : dict of str to ndarray of shape (n_spectra,)

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import equivalent_widths
    >>> wave = np.linspace(4400, 4550, 1500)
    >>> flux = 1 - 0.5 * np.exp(-0.5 * ((wave - 4472.73) / 1.2) ** 2)
    >>> ew = equivalent_widths(flux[None, :], wave, lines=["He I 4471"])
    >>> round(float(ew["He I 4471"][0]), 2)  # 0.5 * 1.2 * sqrt(2 pi)
    1.5
    """
    X = check_array(X, dtype=np.float64)
    wave = check_wavelength(wavelength, n_pixels=X.shape[1])
    width = np.gradient(wave)
    out = {}
    for name, (centre, half) in _resolve_lines(lines).items():
        lo, hi = centre - half, centre + half
        if lo - band < wave[0] or hi + band > wave[-1]:
            raise ValueError(
                f"line {name!r} needs {lo - band:.1f} to {hi + band:.1f} A, the grid covers "
                f"{wave[0]:.1f} to {wave[-1]:.1f} A"
            )
        core = (wave >= lo) & (wave <= hi)
        side = ((wave >= lo - band) & (wave < lo)) | ((wave > hi) & (wave <= hi + band))
        if side.sum() < 2 or core.sum() < 1:
            raise ValueError(f"line {name!r}: too few pixels in the window or side bands")
        design = np.column_stack([np.ones(side.sum()), wave[side] - centre])
        coef, *_ = np.linalg.lstsq(design, X[:, side].T, rcond=None)  # (2, n_spectra)
        continuum = coef[0][:, None] + coef[1][:, None] * (wave[core] - centre)[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            depth = 1.0 - X[:, core] / continuum
        out[name] = (depth * width[core]).sum(axis=1)
    return out


@validate_params(
    {
        "X_real": ["array-like"],
        "X_generated": ["array-like"],
        "wavelength": "no_validation",
        "lines": [list, tuple, dict, None],
        "band": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def compare_equivalent_widths(X_real, X_generated, wavelength, *, lines=None, band=10.0) -> dict:
    """Mean and spread of each line's equivalent width, real against generated.

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_pixels)
        Real spectra of the class.
    X_generated : array-like of shape (n_generated, n_pixels)
        Generated spectra of the class.
    wavelength : array-like or Quantity of shape (n_pixels,)
        Vacuum wavelengths.
    lines : list of names, dict or None, default=None
        See :func:`equivalent_widths`.
    band : float, default=10.0
        Continuum side-band width in Angstrom.

    Returns
    -------
    table : dict
        One entry per line: ``real_mean``, ``real_std``, ``generated_mean``,
        ``generated_std`` (Angstrom) and ``standardised_difference`` =
        (generated mean - real mean) / real std (NaN if the real std is 0).
        Plain floats, ready for JSON.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import compare_equivalent_widths
    >>> wave = np.linspace(4400, 4550, 1500)
    >>> depth = np.random.default_rng(0).uniform(0.3, 0.6, (20, 1))
    >>> flux = 1 - depth * np.exp(-0.5 * ((wave - 4472.73) / 1.2) ** 2)
    >>> table = compare_equivalent_widths(flux, flux, wave, lines=["He I 4471"])
    >>> table["He I 4471"]["standardised_difference"]
    0.0
    """
    real = equivalent_widths(X_real, wavelength, lines=lines, band=band)
    gen = equivalent_widths(X_generated, wavelength, lines=lines, band=band)
    table = {}
    for name in real:
        r, g = real[name], gen[name]
        r_std = float(np.std(r, ddof=1)) if len(r) > 1 else float("nan")
        table[name] = {
            "real_mean": float(np.mean(r)),
            "real_std": r_std,
            "generated_mean": float(np.mean(g)),
            "generated_std": float(np.std(g, ddof=1)) if len(g) > 1 else float("nan"),
            "standardised_difference": (
                float((np.mean(g) - np.mean(r)) / r_std) if r_std > 0 else float("nan")
            ),
        }
    return table
