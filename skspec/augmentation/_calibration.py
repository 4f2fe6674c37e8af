"""Flux-calibration error: a smooth multiplicative distortion of the continuum."""

from __future__ import annotations

import numpy as np
from numpy.polynomial import legendre
from sklearn.utils import check_random_state

from ._base import check_flux, give_back, per_row

__all__ = ["distort_calibration"]


def _check_order(order) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"order must be an integer >= 1, got {order!r}")
    return int(order)


def _distortion(wave: np.ndarray, amplitude: np.ndarray, order: int, rng) -> np.ndarray:
    """(n_rows, n_pixels) factors ``1 + a s(lambda)``, ``s`` a random Legendre series with max |s| = 1."""
    t = 2.0 * (wave - wave[0]) / (wave[-1] - wave[0]) - 1.0
    coef = np.zeros((amplitude.size, order + 1))
    coef[:, 1:] = rng.standard_normal((amplitude.size, order))  # no constant: shape, not scale
    shape = legendre.legval(t, coef.T)  # (n_rows, n_pixels)
    peak = np.abs(shape).max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    return 1.0 + amplitude[:, None] * shape / peak


def distort_calibration(flux, wavelength, amplitude, *, order=3, random_state=None):
    """Multiply spectra by a random smooth curve: a relative flux-calibration error.

    Survey pipelines calibrate the continuum shape against a few standard
    stars per plate; what is left is a slow multiplicative error across the
    spectrum. Each spectrum here is multiplied by ``1 + a s(lambda)``, where
    ``s`` is a Legendre series of degree ``order`` in ``lambda`` (coefficients
    1 ... ``order`` drawn from a standard normal, no constant term) scaled so
    that ``max |s| = 1`` on the grid: ``a`` is the largest fractional change.

    Parameters
    ----------
    flux : array-like of shape (n_samples, n_pixels) or (n_pixels,)
        Flux density; float32 stays float32.
    wavelength : array-like or Quantity of shape (n_pixels,)
        Strictly increasing grid; plain arrays are in Angstrom.
    amplitude : float or array-like of shape (n_samples,)
        Largest fractional change ``a`` in [0, 1) per spectrum (0.1: at most
        10 %).
    order : int, default=3
        Degree of the Legendre series (1: a tilt; 3: a tilt and two bends).
    random_state : int, RandomState instance or None, default=None
        Seed of the coefficients.

    Returns
    -------
    distorted : ndarray of the shape of ``flux``

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.augmentation import distort_calibration
    >>> wave = np.linspace(3900.0, 7400.0, 500)
    >>> out = distort_calibration(np.ones((3, 500)), wave, 0.1, random_state=0)
    >>> np.round(np.abs(out - 1).max(axis=1), 6)
    array([0.1, 0.1, 0.1])
    """
    X, wave, squeeze, dtype = check_flux(flux, wavelength)
    amplitude = per_row(amplitude, X.shape[0], "amplitude", low=0.0)
    if (amplitude >= 1).any():
        raise ValueError("amplitude must be below 1 (a fractional change; 1 would zero the flux)")
    factor = _distortion(wave, amplitude, _check_order(order), check_random_state(random_state))
    return give_back(X * factor, squeeze, dtype)
