"""Bad pixels: mask runs of pixels and fill them the way skspec's readers do."""

from __future__ import annotations

import numpy as np

from ..preprocessing._resample import _fill_bad_pixels
from ._base import check_flux, give_back, per_row

__all__ = ["LAMOST_JOIN", "mask_pixels"]

#: Where LAMOST's blue and red arms meet (the dichroic), in Angstrom: pixels
#: here are often masked or badly joined.
LAMOST_JOIN = (5700.0, 5900.0)


def _mask_rows(X: np.ndarray, wave: np.ndarray, start: np.ndarray, stop: np.ndarray):
    bad = (wave[None, :] >= start[:, None]) & (wave[None, :] <= stop[:, None])
    return _fill_bad_pixels(X, wave, bad, "flux")


def mask_pixels(flux, wavelength, start, stop):
    """Treat the pixels in ``[start, stop]`` as bad and fill them as the readers do.

    The readers (:func:`skspec.io.read_spectra` through
    :func:`skspec.preprocessing.resample_spectrum`) replace a masked pixel by
    linear interpolation between the nearest good pixels on either side
    (the nearest good value beyond the last one); this applies the same rule
    to a run of pixels, e.g. LAMOST's arm join (``LAMOST_JOIN``).

    Parameters
    ----------
    flux : array-like of shape (n_samples, n_pixels) or (n_pixels,)
        Flux density; float32 stays float32.
    wavelength : array-like or Quantity of shape (n_pixels,)
        Strictly increasing grid; plain arrays are in Angstrom.
    start, stop : float or array-like of shape (n_samples,)
        Wavelength limits (Angstrom) of the masked run, per spectrum or for all.

    Returns
    -------
    filled : ndarray of the shape of ``flux``

    Raises
    ------
    ValueError
        If ``start > stop``, or a run covers every pixel of a spectrum.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.augmentation import mask_pixels
    >>> wave = np.arange(5690.0, 5920.0, 20.0)
    >>> mask_pixels(np.arange(12.0), wave, 5700.0, 5900.0)   # a line: nothing changes
    array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.])
    >>> mask_pixels([1.0, 1, 5, 1, 1], [1.0, 2, 3, 4, 5], 2.5, 3.5)  # a spike is gone
    array([1., 1., 1., 1., 1.])
    """
    X, wave, squeeze, dtype = check_flux(flux, wavelength)
    start = per_row(start, X.shape[0], "start")
    stop = per_row(stop, X.shape[0], "stop")
    if (start > stop).any():
        i = int(np.flatnonzero(start > stop)[0])
        raise ValueError(f"start ({start[i]:g}) exceeds stop ({stop[i]:g}) at row {i}")
    return give_back(_mask_rows(X, wave, start, stop), squeeze, dtype)
