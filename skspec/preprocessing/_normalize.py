"""Per-spectrum flux normalisation (Yang et al. 2021, eq. 1)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted, validate_data

from ..utils._validation import check_spectra, first_bad_rows

__all__ = ["FluxNormalizer"]


def _spectrum_norms(X: np.ndarray, norm: str) -> np.ndarray:
    """Norm of every row of ``X`` in float64; raises naming rows whose norm is 0 or not finite.

    The sums are accumulated in float64 whatever the input dtype: a float16
    spectrum of fluxes ~1000 or a float32 one of ~1e36 overflows its own
    dtype's sum (and the division then gives zeros).
    """
    X = np.abs(X)
    if norm == "l2":
        # scale by the peak first so that squaring float64 fluxes of order
        # 1e-170 or 1e170 neither underflows nor overflows
        peak = X.max(axis=1).astype(np.float64)
        safe = np.where(peak > 0, peak, 1)
        ratio = X / safe[:, None]
        scale = peak * np.sqrt(np.einsum("ij,ij->i", ratio, ratio))
    elif norm == "l1":
        scale = X.sum(axis=1, dtype=np.float64)
    else:  # "max"
        scale = X.max(axis=1).astype(np.float64)
    bad = ~np.isfinite(scale)
    if bad.any():
        n = int(bad.sum())
        raise ValueError(
            f"cannot normalise {n} spectrum{'s' if n > 1 else ''} "
            f"(row{'s' if n > 1 else ''} {first_bad_rows(bad)}): the {norm} norm overflows float64"
        )
    zero = ~(scale > 0)
    if zero.any():
        n = int(zero.sum())
        raise ValueError(
            f"cannot normalise {n} spectrum{'s' if n > 1 else ''} with zero flux "
            f"(row{'s' if n > 1 else ''} {first_bad_rows(zero)}): the {norm} norm is 0"
        )
    return scale


class FluxNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Divide each spectrum by its norm (the paper's flux standardisation).

    Yang et al. (2021, eq. 1) divide every spectrum by its L2 norm so that the
    overall brightness of a star (distance, extinction, flux calibration) does
    not drive the model, only the shape of the spectrum. The transformer is
    stateless: ``fit`` only records the number of pixels.

    Parameters
    ----------
    norm : {"l2", "l1", "max"}, default="l2"
        ``"l2"``: x / ||x||_2 (paper). ``"l1"``: x / sum|x|, a spectrum with
        unit mean absolute flux per pixel times n_pixels. ``"max"``: x / max|x|,
        peak flux 1.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Pixel names, when ``X`` was a DataFrame with string columns.

    See Also
    --------
    sklearn.preprocessing.Normalizer : the same operation for generic data;
        FluxNormalizer adds NaN and zero-flux checks that name the spectrum,
        and keeps float32.

    Notes
    -----
    Bad input raises a ValueError naming the offending rows: NaN or infinite
    flux, or a spectrum whose norm is zero. float32 input stays float32.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import FluxNormalizer
    >>> X = np.array([[3.0, 4.0], [1.0, 0.0]], dtype=np.float32)
    >>> FluxNormalizer().fit_transform(X)
    array([[0.6, 0.8],
           [1. , 0. ]], dtype=float32)
    >>> FluxNormalizer(norm="max").fit_transform(X)
    array([[0.75, 1.  ],
           [1.  , 0.  ]], dtype=float32)
    """

    _parameter_constraints: dict = {"norm": [StrOptions({"l2", "l1", "max"})]}

    def __init__(self, *, norm: str = "l2"):
        self.norm = norm

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` and record its number of pixels.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux.
        y : None
            Ignored.

        Returns
        -------
        self : FluxNormalizer
        """
        X = validate_data(self, X, dtype=FLOAT_DTYPES, ensure_all_finite=False)
        check_spectra(X)
        return self

    def transform(self, X):
        """Return every spectrum divided by its norm.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux.

        Returns
        -------
        X_new : ndarray of shape (n_spectra, n_pixels)
            Normalised flux, same float dtype as ``X`` (float32 stays float32).
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, ensure_all_finite=False)
        check_spectra(X)
        scale = _spectrum_norms(X, self.norm)
        if X.dtype == np.float64:
            return X / scale[:, None]
        # the norm itself may not fit X's dtype (float16 sum of 1000s): divide in float64
        return (X / scale[:, None]).astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
