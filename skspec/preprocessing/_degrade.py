"""Degrade spectra to survey conditions: lower resolving power and Gaussian noise."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy import sparse
from scipy.special import erf
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import FLOAT_DTYPES, check_array, check_is_fitted, validate_data

from ..utils._validation import check_spectra, check_wavelength

__all__ = ["SpectrumDegrader", "degrade"]

_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))
_TRUNCATE = 4.0  # kernel half-width in sigmas
# the second moment of a unit Gaussian cut at +-_TRUNCATE, renormalised
_TRUNCATED_VARIANCE = 1.0 - 2.0 * _TRUNCATE * np.exp(-0.5 * _TRUNCATE**2) / (
    np.sqrt(2.0 * np.pi) * float(erf(_TRUNCATE / np.sqrt(2.0))))
_MOMENT_TOL = 1e-3  # a row whose spread falls short by more is widened


def _resolution_kernel(wave: np.ndarray, resolution: float, input_resolution: float | None):
    """Sparse (n_pix, n_pix) matrix whose rows are unit-sum Gaussian kernels.

    Row ``i`` has sigma ``lambda_i / (R * 2.355)`` (in quadrature with the
    input resolution when given), evaluated on the actual pixel centres and
    weighted by pixel width, so any increasing grid works (log-uniform or not).
    A Gaussian narrower than about a pixel, sampled at pixel centres, has
    less spread than its sigma (R 2000 -> 1800 on a 1.15 A grid kept 70 % of
    the variance, so the output came out at R 1853): such rows are widened
    until their second moment is that of the continuous kernel.
    """
    sigma = wave / (resolution * _FWHM_PER_SIGMA)
    if input_resolution is not None:
        sigma_in = wave / (input_resolution * _FWHM_PER_SIGMA)
        sigma = np.sqrt(sigma**2 - sigma_in**2)
    width = np.gradient(wave)
    target = _TRUNCATED_VARIANCE * sigma**2
    centre, cols, weights = _kernel_rows(wave, width, sigma)
    # rows whose kernel the grid's ends cut stay as they are (no width would restore them)
    interior = (wave - 10 * _TRUNCATE * sigma >= wave[0]) & (wave + 10 * _TRUNCATE * sigma <= wave[-1])
    falls_short = _second_moment(wave, centre, cols, weights) < (1 - _MOMENT_TOL) * target
    short = np.flatnonzero(interior & falls_short)
    if short.size:
        # bisect the width of the rows that fall short (those rows only): the sampled
        # second moment grows with the width, and the continuous kernel's is reached by 10 sigma
        low, high = sigma[short], 10.0 * sigma[short]
        for _ in range(30):
            mid = np.sqrt(low * high)
            small = _second_moment(wave, *_kernel_rows(wave, width, mid, short)) < target[short]
            low, high = np.where(small, mid, low), np.where(small, high, mid)
        sigma = sigma.copy()
        sigma[short] = np.sqrt(low * high)
        _, cols, weights = _kernel_rows(wave, width, sigma)
    n = len(wave)
    rows = np.broadcast_to(np.arange(n)[:, None], cols.shape)
    keep = weights > 0
    return sparse.csr_matrix((weights[keep], (rows[keep], cols[keep])), shape=(n, n))


def _kernel_rows(wave, width, sigma, pixels=None):
    """Centre pixels, columns and unit-sum weights ``(n_rows, n_taps)`` of Gaussians.

    One row per pixel in ``pixels`` (default: every pixel), of width ``sigma``
    (one value per row).
    """
    n = len(wave)
    centre = np.arange(n) if pixels is None else np.asarray(pixels)
    lo = np.searchsorted(wave, wave[centre] - _TRUNCATE * sigma, side="left")
    hi = np.searchsorted(wave, wave[centre] + _TRUNCATE * sigma, side="right")
    half = int(max((centre - lo).max(), (hi - 1 - centre).max(), 0))
    cols = centre[:, None] + np.arange(-half, half + 1)[None, :]
    inside = (cols >= 0) & (cols < n)
    cols = np.clip(cols, 0, n - 1)
    z = (wave[cols] - wave[centre][:, None]) / sigma[:, None]
    weights = np.where(inside & (np.abs(z) <= _TRUNCATE), np.exp(-0.5 * z**2) * width[cols], 0.0)
    weights /= weights.sum(axis=1, keepdims=True)
    return centre, cols, weights


def _second_moment(wave, centre, cols, weights):
    """Each row's spread about its centre pixel, in wavelength squared."""
    return np.sum(weights * (wave[cols] - wave[centre][:, None]) ** 2, axis=1)


def _degrade(X, snr, resolution, wave, input_resolution, rng):
    out = X.astype(np.float64)
    if resolution is not None:
        kernel = _resolution_kernel(wave, resolution, input_resolution)
        out = np.asarray((kernel @ out.T).T)
    if snr is not None:
        out = add_noise(out, snr, rng)
    return out.astype(X.dtype, copy=False)


def add_noise(X: np.ndarray, snr, rng) -> np.ndarray:
    """Gaussian noise of standard deviation ``median(|flux|) / snr``, one sigma per row.

    The one noise model of skspec: :func:`degrade`, :class:`SpectrumDegrader`,
    :class:`skspec.augmentation.SpectrumAugmenter` (and through it
    ``RACNetClassifier``'s training augmentation) all call this.
    ``snr`` is a scalar or one value per row; ``rng`` a RandomState. Returns a
    new float64 array.
    """
    X = np.asarray(X, dtype=np.float64)
    sigma = np.median(np.abs(X), axis=1) / np.asarray(snr, dtype=np.float64)
    return X + rng.standard_normal(X.shape) * sigma[:, None]


def _check_resolution_args(resolution, wavelength, input_resolution, n_pixels):
    if resolution is None:
        return None
    if wavelength is None:
        raise ValueError(
            f"resolution={resolution} needs the wavelength grid (wavelength=...), "
            "to turn lambda/R into pixels"
        )
    if input_resolution is not None and input_resolution <= resolution:
        raise ValueError(
            f"input_resolution={input_resolution} must be higher than the target "
            f"resolution={resolution}: a spectrum cannot be sharpened"
        )
    return check_wavelength(wavelength, n_pixels=n_pixels)


_DEGRADE_PARAMS = {
    "snr": [Interval(Real, 0, None, closed="neither"), None],
    "resolution": [Interval(Real, 0, None, closed="neither"), None],
    "wavelength": ["array-like", None],
    "input_resolution": [Interval(Real, 0, None, closed="neither"), None],
    "random_state": ["random_state"],
}


@validate_params({"X": ["array-like"], **_DEGRADE_PARAMS}, prefer_skip_nested_validation=True)
def degrade(X, *, snr=None, resolution=None, wavelength=None, input_resolution=None,
            random_state=None):
    """Convolve spectra to resolving power ``resolution`` and add noise for ``snr``.

    First, when ``resolution`` is given, each pixel is replaced by a Gaussian
    average with FWHM = lambda / R over its neighbours (in quadrature with
    ``input_resolution`` when that is known). Then, when ``snr`` is given,
    Gaussian noise with standard deviation ``median(|flux|) / snr``, one value
    per spectrum, is added: the convention of the measured plain baselines in
    ``shared/data/README.md``.

    Parameters
    ----------
    X : array-like of shape (n_spectra, n_pixels)
        Flux; float32 stays float32.
    snr : float or None, default=None
        Target signal-to-noise ratio per pixel; None adds no noise.
    resolution : float or None, default=None
        Target resolving power R = lambda / FWHM (LAMOST: about 1800); None
        keeps the resolution.
    wavelength : array-like or Quantity of shape (n_pixels,), default=None
        Wavelength grid (Angstrom when unitless); needed with ``resolution``.
    input_resolution : float or None, default=None
        Resolving power the spectra already have. None treats them as
        infinitely sharp (the kernel is then slightly too wide).
    random_state : int, RandomState instance or None, default=None
        Seed of the noise.

    Returns
    -------
    X_degraded : ndarray of shape (n_spectra, n_pixels)
        Same dtype as ``X`` when it is floating point, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import degrade
    >>> X = np.ones((2000, 50), dtype=np.float32)
    >>> Xd = degrade(X, snr=10, random_state=0)
    >>> Xd.dtype, round(float(Xd.std()), 2)
    (dtype('float32'), 0.1)
    """
    X = check_array(X, dtype=FLOAT_DTYPES, ensure_all_finite=False)
    check_spectra(X)
    wave = _check_resolution_args(resolution, wavelength, input_resolution, X.shape[1])
    return _degrade(X, snr, resolution, wave, input_resolution, check_random_state(random_state))


class SpectrumDegrader(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Transformer that degrades spectra to a target S/N and resolving power.

    The bundled spectra are library quality (high S/N); survey spectra are
    not. ``transform`` applies :func:`degrade` (Gaussian convolution to
    ``resolution``, then noise of standard deviation ``median(|flux|) / snr``
    per spectrum). ``fit`` only checks the input.

    Where to put it. In a pipeline, a transformer acts on the training data
    in ``fit`` and on the evaluation data in ``predict``/``score``. To degrade
    **only the evaluation data** (train on clean spectra, test on noisy ones)
    set ``degrade_training=False``: ``fit_transform`` then passes the training
    spectra through unchanged and only ``transform`` degrades. Or call
    :func:`degrade` on ``X_test`` yourself before ``predict``. Put it before
    any normaliser so that the noise is relative to the flux as observed.

    Parameters
    ----------
    snr : float or None, default=10
        Target signal-to-noise ratio per pixel; None adds no noise.
    resolution : float or None, default=None
        Target resolving power lambda / FWHM (LAMOST: about 1800); None keeps
        the resolution. Needs ``wavelength``.
    wavelength : array-like or Quantity of shape (n_pixels,), default=None
        Wavelength grid (Angstrom when unitless).
    input_resolution : float or None, default=None
        Resolving power the spectra already have (None: infinitely sharp).
    degrade_training : bool, default=True
        If False, ``fit_transform`` returns the training spectra unchanged so
        that a pipeline degrades the evaluation data only.
    random_state : int, RandomState instance or None, default=None
        Seed of the noise. With an int, every ``transform`` call draws the
        same noise for inputs of the same shape.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels seen in ``fit``.
    wavelength_ : ndarray of shape (n_features_in_,) or None
        The checked wavelength grid in Angstrom.

    See Also
    --------
    degrade : The same as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.datasets import make_spectra
    >>> from skspec.preprocessing import SpectrumDegrader
    >>> X, y, wave = make_spectra(20, 256, return_wavelength=True, random_state=0)
    >>> degrader = SpectrumDegrader(snr=5, resolution=1800, wavelength=wave, random_state=0)
    >>> Xd = degrader.fit_transform(X)
    >>> Xd.shape, Xd.dtype
    ((20, 256), dtype('float32'))
    >>> test_only = SpectrumDegrader(snr=5, degrade_training=False, random_state=0)
    >>> bool(np.array_equal(test_only.fit_transform(X), X))
    True
    """

    _parameter_constraints: dict = {
        **_DEGRADE_PARAMS,
        "degrade_training": ["boolean"],
    }

    def __init__(self, *, snr=10, resolution=None, wavelength=None, input_resolution=None,
                 degrade_training=True, random_state=None):
        self.snr = snr
        self.resolution = resolution
        self.wavelength = wavelength
        self.input_resolution = input_resolution
        self.degrade_training = degrade_training
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # the noise of a row depends on its position in the batch, so transform
        # is not invariant to sample order or subsets (it is seeded, though)
        tags.non_deterministic = self.snr is not None
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` and the wavelength grid; nothing is learnt.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Spectra.
        y : None
            Ignored.

        Returns
        -------
        self : SpectrumDegrader
        """
        X = validate_data(self, X, dtype=FLOAT_DTYPES, ensure_all_finite=False)
        check_spectra(X)
        self.wavelength_ = _check_resolution_args(
            self.resolution, self.wavelength, self.input_resolution, X.shape[1]
        )
        return self

    def transform(self, X):
        """Degrade ``X``.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Spectra.

        Returns
        -------
        X_degraded : ndarray of shape (n_spectra, n_pixels)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, ensure_all_finite=False)
        check_spectra(X)
        rng = check_random_state(self.random_state)
        return _degrade(X, self.snr, self.resolution, self.wavelength_, self.input_resolution, rng)

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then degrade ``X`` (or return it unchanged if not ``degrade_training``).

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Spectra.
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        X_out : ndarray of shape (n_spectra, n_pixels)
        """
        self.fit(X, y)
        if self.degrade_training:
            return self.transform(X)
        return validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, ensure_all_finite=False)

