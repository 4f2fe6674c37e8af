"""Interstellar extinction: redden and de-redden spectra with ``dust_extinction`` laws."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._base import check_flux, give_back, per_row

__all__ = ["LAWS", "deredden", "extinction_curve", "redden"]

#: Extinction laws that can be named, from ``dust_extinction.parameter_averages``:
#: Gordon et al. (2023), Fitzpatrick (1999), Cardelli, Clayton & Mathis (1989).
LAWS = ("G23", "F99", "CCM89")


def _law_class(law: str):
    if law not in LAWS:
        raise ValueError(f"law must be one of {', '.join(map(repr, LAWS))}; got {law!r}")
    from dust_extinction import parameter_averages

    return getattr(parameter_averages, law)


def _valid_angstrom(model) -> tuple[float, float]:
    """The law's wavelength validity in Å (its ``x_range`` is in inverse microns)."""
    x_lo, x_hi = model.x_range
    return 1e4 / x_hi, 1e4 / x_lo


def extinction_curve(wavelength, *, rv=3.1, law="G23") -> np.ndarray:
    """A(lambda) / E(B-V) of an extinction law on a grid.

    Parameters
    ----------
    wavelength : array-like or Quantity of shape (n_pixels,)
        Strictly increasing grid; plain arrays are in Angstrom. Air or
        vacuum makes no difference to a curve this smooth.
    rv : float, default=3.1
        Total-to-selective extinction ratio R(V) = A(V) / E(B-V).
    law : {"G23", "F99", "CCM89"}, default="G23"
        The ``dust_extinction`` model.

    Returns
    -------
    k : ndarray of shape (n_pixels,)
        ``R(V) * A(lambda) / A(V)``: the extinction in magnitudes per unit
        E(B-V) at each pixel.

    Raises
    ------
    ValueError
        If the grid leaves the law's validity range (named in the message),
        or ``rv`` is outside the law's R(V) range.

    Examples
    --------
    >>> from skspec.augmentation import extinction_curve
    >>> k = extinction_curve([4400.0, 5500.0])      # B and V
    >>> round(float(k[0] - k[1]), 2)                # E(B-V) per unit E(B-V)
    1.0
    """
    from ..utils._validation import check_wavelength

    wave = check_wavelength(wavelength)
    return _curve(wave, float(rv), law)


def _curve(wave: np.ndarray, rv: float, law: str) -> np.ndarray:
    """The curve on ``wave``; a read-only copy of a memoised evaluation (the law is slow)."""
    return _cached_curve(law, rv, wave.tobytes())


@lru_cache(maxsize=256)
def _cached_curve(law: str, rv: float, wave_bytes: bytes) -> np.ndarray:
    wave = np.frombuffer(wave_bytes, dtype=np.float64)
    curve = _evaluate(wave, rv, law)
    curve.flags.writeable = False
    return curve


def _evaluate(wave: np.ndarray, rv: float, law: str) -> np.ndarray:
    cls = _law_class(law)
    rv_lo, rv_hi = cls.Rv_range
    if not rv_lo <= rv <= rv_hi:
        raise ValueError(f"rv={rv:g} is outside the R(V) range of law {law!r} ({rv_lo:g}-{rv_hi:g})")
    model = cls(Rv=rv)
    lo, hi = _valid_angstrom(model)
    if wave[0] < lo or wave[-1] > hi:
        raise ValueError(
            f"wavelength ({wave[0]:.1f}-{wave[-1]:.1f} A) is outside the validity of "
            f"extinction law {law!r} ({lo:.0f}-{hi:.0f} A); cut the grid or choose another law"
        )
    import astropy.units as u

    return rv * np.asarray(model(wave * u.AA), dtype=np.float64)


def _magnitudes(n_rows: int, wave: np.ndarray, ebv, rv, law: str) -> np.ndarray:
    """(n_rows, n_pixels) extinction in magnitudes; one curve per distinct R(V)."""
    ebv = per_row(ebv, n_rows, "ebv", low=0.0)
    rv = per_row(rv, n_rows, "rv", low=0.0, low_closed=False)
    mags = np.empty((n_rows, wave.size))
    for value in np.unique(rv):
        rows = rv == value
        mags[rows] = ebv[rows, None] * _curve(wave, float(value), law)[None, :]
    return mags


def redden(flux, wavelength, ebv, *, rv=3.1, law="G23"):
    """Redden spectra: multiply by the transmission ``10**(-0.4 E(B-V) k(lambda))``.

    ``k(lambda) = R(V) A(lambda) / A(V)`` is the extinction curve of ``law``
    from the ``dust_extinction`` package. The flux units do not matter: the
    transmission is a per-pixel factor.

    Parameters
    ----------
    flux : array-like of shape (n_samples, n_pixels) or (n_pixels,)
        Flux density; float32 stays float32, other dtypes become float64.
    wavelength : array-like or Quantity of shape (n_pixels,)
        Strictly increasing grid of the flux columns; plain arrays are in
        Angstrom (air or vacuum: the curve is too smooth to tell).
    ebv : float or array-like of shape (n_samples,)
        Colour excess E(B-V) in magnitudes, >= 0; one per spectrum or one for all.
    rv : float or array-like of shape (n_samples,), default=3.1
        R(V) = A(V) / E(B-V), inside the law's range (G23: 2.3-5.6; F99 and
        CCM89: 2-6).
    law : {"G23", "F99", "CCM89"}, default="G23"
        Gordon et al. (2023), Fitzpatrick (1999) or Cardelli, Clayton & Mathis (1989).

    Returns
    -------
    reddened : ndarray of the shape of ``flux``

    Raises
    ------
    ValueError
        Negative ``ebv``, ``rv`` outside the law's range, a grid outside the
        law's wavelength validity, a grid that is not strictly increasing or
        whose length differs from the spectra's, NaN or infinite flux.

    See Also
    --------
    deredden : The inverse.
    SpectrumAugmenter : Random reddening among other survey effects.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.augmentation import redden, deredden
    >>> wave = np.array([4400.0, 5500.0, 7000.0])
    >>> flat = np.ones(3)
    >>> red = redden(flat, wave, 1.0)
    >>> np.round(-2.5 * np.log10(red[0] / red[1]), 2)    # B - V colour excess
    np.float64(1.0)
    >>> np.allclose(deredden(red, wave, 1.0), flat)
    True
    """
    X, wave, squeeze, dtype = check_flux(flux, wavelength)
    X *= 10.0 ** (-0.4 * _magnitudes(X.shape[0], wave, ebv, rv, law))
    return give_back(X, squeeze, dtype)


def deredden(flux, wavelength, ebv, *, rv=3.1, law="G23"):
    """Correct spectra for extinction: divide by the transmission of :func:`redden`.

    Parameters
    ----------
    flux : array-like of shape (n_samples, n_pixels) or (n_pixels,)
        Observed flux density; float32 stays float32.
    wavelength : array-like or Quantity of shape (n_pixels,)
        Strictly increasing grid; plain arrays are in Angstrom.
    ebv : float or array-like of shape (n_samples,)
        The colour excess E(B-V) to remove, >= 0.
    rv : float or array-like of shape (n_samples,), default=3.1
        R(V) of the dust, inside the law's range.
    law : {"G23", "F99", "CCM89"}, default="G23"
        The ``dust_extinction`` model.

    Returns
    -------
    dereddened : ndarray of the shape of ``flux``

    See Also
    --------
    redden : The forward transform (and the errors both raise).

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.augmentation import deredden
    >>> out = deredden(np.ones(2), [4400.0, 5500.0], 0.5, law="CCM89")
    >>> bool(out[0] > out[1] > 1)          # the blue gains most
    True
    """
    X, wave, squeeze, dtype = check_flux(flux, wavelength)
    X *= 10.0 ** (0.4 * _magnitudes(X.shape[0], wave, ebv, rv, law))
    return give_back(X, squeeze, dtype)
