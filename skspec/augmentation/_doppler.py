"""Radial velocity: Doppler-shift spectra, resampled flux-conservingly onto their own grid."""

from __future__ import annotations

import numpy as np

from ..preprocessing._resample import _bin_edges
from ._base import C_KMS, check_flux, give_back, per_row

__all__ = ["doppler_shift"]


def _shift_rows(X: np.ndarray, wave: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """Each row of ``X`` seen at its radial velocity, on the same grid (float64).

    Row ``r`` becomes ``f_r(lambda / D_r)`` averaged over every output pixel,
    ``D_r`` the relativistic Doppler factor. The pixels are bins whose edges
    lie half-way between centres in log(lambda) (as in
    :func:`skspec.preprocessing.resample_spectrum`): the mean over an output
    bin comes from the cumulative integral of the input, so flux is conserved.
    Beyond the grid the edge pixel's value is held.
    """
    beta = velocity / C_KMS
    doppler = np.sqrt((1.0 + beta) / (1.0 - beta))
    edges = _bin_edges(wave)  # (n + 1,)
    n = wave.size
    cum = np.zeros((X.shape[0], n + 1))
    np.cumsum(X * np.diff(edges), axis=1, out=cum[:, 1:])
    # output bin edges seen in each row's rest frame
    q = edges[None, :] / doppler[:, None]  # (n_rows, n + 1)
    k = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, n - 1)
    rows = np.arange(X.shape[0])[:, None]
    integral = cum[rows, k] + (q - edges[k]) * X[rows, k]
    return np.diff(integral, axis=1) / np.diff(q, axis=1)


def doppler_shift(flux, wavelength, velocity):
    """Doppler-shift spectra by a radial velocity, keeping their wavelength grid.

    The spectrum moves to ``lambda * sqrt((1 + v/c) / (1 - v/c))`` and is
    resampled flux-conservingly onto the same pixels (each pixel the mean
    flux density over its bin, bins half-way between centres in
    log(lambda)). On a log-lambda grid a velocity ``v`` moves every feature by
    ``ln(D) / d(ln lambda)`` pixels. Pixels that come in from beyond the
    grid's ends take the edge pixel's value.

    Parameters
    ----------
    flux : array-like of shape (n_samples, n_pixels) or (n_pixels,)
        Flux density; float32 stays float32.
    wavelength : array-like or Quantity of shape (n_pixels,)
        Strictly increasing grid; plain arrays are in Angstrom.
    velocity : float or array-like of shape (n_samples,)
        Radial velocity in km/s (positive: receding, redshift), ``|v| < c``.

    Returns
    -------
    shifted : ndarray of the shape of ``flux``

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.augmentation import doppler_shift
    >>> wave = 10 ** (3.6 + 1e-4 * np.arange(200))    # 69 km/s per pixel
    >>> line = 1 - np.exp(-0.5 * ((np.arange(200) - 100) / 2.0) ** 2)
    >>> moved = doppler_shift(line, wave, 690.8)       # about 10 pixels
    >>> int(np.argmin(moved))
    110
    """
    X, wave, squeeze, dtype = check_flux(flux, wavelength)
    velocity = per_row(velocity, X.shape[0], "velocity")
    if (np.abs(velocity) >= C_KMS).any():
        raise ValueError(f"velocity must be below the speed of light ({C_KMS} km/s) in size")
    return give_back(_shift_rows(X, wave, velocity), squeeze, dtype)
