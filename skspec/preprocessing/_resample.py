"""Put spectra on one wavelength grid (flux-conserving or linear), masking bad pixels."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted, validate_data

from ..utils._validation import check_wavelength, first_bad_rows

__all__ = ["WavelengthResampler", "default_grid", "resample_spectrum"]

from ..utils._resampling import (  # noqa: F401  (numpy-only core, shared with skspec.io)
    COVERAGE_TOLERANCE,
    _GRID_K,
    _GRID_LOG10_START,
    _GRID_LOG10_STEP,
    _apply_plan,
    _bin_edges,
    _check_coverage,
    _fill_bad_pixels,
    _resample_plan,
    _resample_rows,
    coverage_shortfall,
    default_grid,
    describe_shortfall,
)


def _check_no_inf(X: np.ndarray) -> None:
    inf = np.isinf(X).any(axis=1)
    if inf.any():
        raise ValueError(
            f"X contains infinite flux in row {first_bad_rows(inf)}; "
            "mark bad pixels with NaN instead"
        )


def _out_dtype(flux: np.ndarray):
    return flux.dtype if flux.dtype in (np.float32, np.float64) else np.float64


def resample_spectrum(wavelength, flux, grid, *, ivar=None, mask=None, method="flux_conserving"):
    """Resample one spectrum (or several sharing a wavelength axis) onto ``grid``.

    Bad pixels (``mask`` True, ``ivar <= 0``, non-finite flux or ivar) are
    first linearly interpolated from the good pixels beside them (constant
    beyond the last good pixel), so they never enter the result as zeros.

    Parameters
    ----------
    wavelength : array-like or Quantity of shape (n_pixels,)
        Pixel centres, strictly increasing; plain arrays are in Angstrom.
    flux : array-like of shape (n_pixels,) or (n_spectra, n_pixels)
        Flux density.
    grid : array-like or Quantity of shape (n_grid,)
        Output pixel centres, strictly increasing; plain arrays are in Angstrom.
    ivar : array-like of the shape of ``flux``, default=None
        Inverse variance; pixels with ``ivar <= 0`` are bad.
    mask : array-like of bool of the shape of ``flux``, default=None
        True marks a bad pixel.
    method : {"flux_conserving", "linear"}, default="flux_conserving"
        ``"flux_conserving"``: each output pixel is the mean flux density over
        its bin (edges half-way between pixel centres in log(lambda)), from the
        cumulative integral of the input; use it to go to coarser pixels.
        ``"linear"``: linear interpolation between input pixel centres.

    Returns
    -------
    flux_new : ndarray of shape (n_grid,) or (n_spectra, n_grid)
        float32 input stays float32; anything else becomes float64.

    Raises
    ------
    ValueError
        If the grid is not inside the spectrum's coverage (its outer pixel
        edges; the grid may reach 0.05 of its outer pixel beyond them, so that
        float32 rounding of a spectrum sampled on the grid itself passes), if the wavelength axis is not strictly increasing or does not
        match ``flux``, or if a spectrum has no good pixel.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import resample_spectrum
    >>> wave = np.arange(4000.0, 4010.0)            # 1 A pixels
    >>> flux = np.array([1, 1, 1, 1, np.nan, 3, 3, 3, 3, 3.0])
    >>> resample_spectrum(wave, flux, wave[2:-2])   # the NaN is filled from its neighbours
    array([1., 1., 2., 3., 3., 3.])
    >>> resample_spectrum(wave, flux, [4003.5, 4004.5], method="linear")
    array([1.5, 2.5])
    >>> resample_spectrum(wave, flux, [3990.0, 4001.0])
    Traceback (most recent call last):
    ...
    ValueError: the grid (...) is outside the coverage of the spectrum (3999.50-4009.50 A): 15 A (15 px) short at the blue end; ...
    """
    if method not in ("flux_conserving", "linear"):
        raise ValueError(f"method must be 'flux_conserving' or 'linear', got {method!r}")
    flux = np.asarray(flux)
    if flux.ndim not in (1, 2):
        raise ValueError(f"flux must be 1-D or 2-D, got shape {flux.shape}")
    dtype = _out_dtype(flux)
    X = np.atleast_2d(flux).astype(np.float64)
    wave = check_wavelength(wavelength, n_pixels=X.shape[1])
    grid = check_wavelength(grid, name="grid")
    bad = ~np.isfinite(X)
    for name, extra in (("ivar", ivar), ("mask", mask)):
        if extra is None:
            continue
        extra = np.atleast_2d(np.asarray(extra))
        if extra.shape != X.shape:
            raise ValueError(f"{name} has shape {np.shape(extra)} but flux has {flux.shape}")
        if name == "ivar":
            extra = extra.astype(np.float64)
            bad |= ~(extra > 0)  # ivar <= 0 or NaN
        else:
            bad |= extra.astype(bool)
    X = _fill_bad_pixels(X, wave, bad, "the spectrum")
    out = _resample_rows(X, wave, grid, method, "the spectrum").astype(dtype, copy=False)
    return out[0] if flux.ndim == 1 else out


class WavelengthResampler(TransformerMixin, BaseEstimator):
    """Resample spectra onto one wavelength grid, interpolating over bad pixels.

    Spectra from different surveys or epochs come on different pixels; this
    transformer puts them on ``grid`` so that one model can see them all.
    NaN in ``X`` marks a bad pixel (set ``X[ivar == 0] = np.nan`` before); bad
    pixels are linearly interpolated from their good neighbours before the
    resampling, never replaced by zero.

    Parameters
    ----------
    grid : array-like or Quantity of shape (n_grid,), default=None
        Output pixel centres, strictly increasing (plain arrays in Angstrom).
        None: the skspec grid of the bundled data, ``log10(lambda) = 3.5682 +
        1e-4 k``, k = 229..3010 (2782 vacuum pixels, 3900.3 to 7399.5 A).
    wavelength : array-like or Quantity of shape (n_pixels,), default=None
        Centres of the input pixels (the columns of ``X``), strictly increasing.
        None: the ``n_pixels`` columns of ``X`` are taken as equal bins in
        log(lambda) that tile exactly the wavelength range of ``grid`` (its
        outer bin edges). On a log grid with ``n_pixels == n_grid`` this is the
        identity; for other widths it rebins a spectrum already cut to the grid.
        A ``grid`` that is not log-uniform then raises: pass ``wavelength``.
    method : {"flux_conserving", "linear"}, default="flux_conserving"
        See :func:`resample_spectrum`.

    Attributes
    ----------
    n_features_in_ : int
        Number of input pixels seen in ``fit``.
    wavelength_in_ : ndarray of shape (n_features_in_,)
        Input pixel centres in Angstrom (given or inferred).
    grid_ : ndarray of shape (n_grid,)
        Output pixel centres in Angstrom.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string columns.

    See Also
    --------
    resample_spectrum : the same for one spectrum, with ``ivar`` and ``mask``.

    Notes
    -----
    The output has ``n_grid`` columns, named ``flux_<wavelength>`` by
    ``get_feature_names_out`` (as in :func:`skspec.datasets.load_obafgkm`).
    float32 input stays float32. A grid outside the input coverage, a
    ``wavelength`` whose length differs from ``X``'s columns, infinite flux or a
    spectrum with no finite pixel raise a ValueError naming the problem.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import WavelengthResampler
    >>> wave = np.linspace(4000.0, 5000.0, 201)
    >>> X = np.vstack([np.ones(201), np.linspace(1, 2, 201)]).astype(np.float32)
    >>> X[1, 100] = np.nan                                  # a bad pixel
    >>> resampler = WavelengthResampler([4200.0, 4500.0, 4800.0], wavelength=wave,
    ...                                  method="linear")
    >>> resampler.fit_transform(X)
    array([[1. , 1. , 1. ],
           [1.2, 1.5, 1.8]], dtype=float32)
    >>> resampler.get_feature_names_out()
    array(['flux_4200.00', 'flux_4500.00', 'flux_4800.00'], dtype=object)
    """

    _parameter_constraints: dict = {
        "grid": ["array-like", None],
        "wavelength": ["array-like", None],
        "method": [StrOptions({"flux_conserving", "linear"})],
    }

    def __init__(self, grid=None, *, wavelength=None, method: str = "flux_conserving"):
        self.grid = grid
        self.wavelength = wavelength
        self.method = method

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` against ``wavelength`` and ``grid`` and record the pixels.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux; NaN marks bad pixels.
        y : None
            Ignored.

        Returns
        -------
        self : WavelengthResampler
        """
        X = validate_data(self, X, dtype=FLOAT_DTYPES, ensure_all_finite=False)
        _check_no_inf(X)
        grid = default_grid() if self.grid is None else self.grid
        self.grid_ = check_wavelength(grid, name="grid")
        if self.wavelength is None:
            step = np.diff(np.log(self.grid_))
            if step.size and np.ptp(step) > 1e-3 * np.abs(step).mean():
                # columns on any other grid would be put at the wrong wavelengths (a spectrum
                # already on a linear grid moved by hundreds of Angstrom), silently
                raise ValueError(
                    "wavelength=None takes the columns of X as equal steps in log(lambda) over "
                    "grid's range, but grid is not log-uniform (its log steps vary by "
                    f"{np.ptp(step) / np.abs(step).mean():.1%}): pass wavelength=")
            edges = _bin_edges(self.grid_)
            log_edges = np.linspace(np.log(edges[0]), np.log(edges[-1]), self.n_features_in_ + 1)
            self.wavelength_in_ = np.exp(0.5 * (log_edges[1:] + log_edges[:-1]))
            self._src_edges = np.exp(log_edges)
        else:
            self.wavelength_in_ = check_wavelength(
                self.wavelength, n_pixels=self.n_features_in_
            )
            self._src_edges = _bin_edges(self.wavelength_in_)
        _check_coverage(self._src_edges, self.grid_, self.method, "the input pixels (wavelength)")
        return self

    def transform(self, X):
        """Resample every spectrum (row of ``X``) onto ``grid_``.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_features_in_)
            Flux; NaN marks bad pixels.

        Returns
        -------
        X_new : ndarray of shape (n_spectra, n_grid)
            float32 input stays float32, otherwise float64.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, ensure_all_finite=False)
        _check_no_inf(X)
        dtype = X.dtype
        Xf = np.asarray(X, dtype=np.float64)
        Xf = _fill_bad_pixels(Xf, self.wavelength_in_, np.isnan(Xf), "X")
        out = _resample_rows(
            Xf, self.wavelength_in_, self.grid_, self.method, "X", src_edges=self._src_edges
        )
        return out.astype(dtype, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the output pixels, ``flux_<wavelength in A>``.

        Parameters
        ----------
        input_features : None
            Ignored (the output pixels do not map one to one to the input).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        return np.array([f"flux_{w:.2f}" for w in self.grid_], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

