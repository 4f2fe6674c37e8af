"""Pseudo-continuum rectification: a smooth spline fit with asymmetric sigma clipping."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted, validate_data

from ..utils._validation import check_spectra, check_wavelength, first_bad_rows

__all__ = ["ContinuumNormalizer"]

_MAD_TO_SIGMA = 1.4826
_MIN_SIGMA = 1e-3  # floor of the clipping sigma, in units of the median flux
_NOISE_CLIP = 2.0  # never clip within this many noise sigmas below the fit
_MIN_CONTINUUM = 0.01  # continuum floor, relative to the median |flux|
_CHUNK = 256  # spectra fitted at once (the per-fit arrays stay in cache: faster than 1024)
_SMOOTH = 1e-4  # P-spline penalty weight, relative to the pixels per basis function
_ABOVE_ALL = np.int64(0x7FF0000000000001)  # above the int64 bits of every float64 in [0, inf]
_NOISE_BLOCK = 51  # pixels per block in which the local noise of a rectified spectrum is measured


def _design_matrix(x: np.ndarray, knot_spacing: float, degree: int) -> np.ndarray:
    """Dense B-spline basis (n_pixels, n_basis) with uniform knots about ``knot_spacing`` apart."""
    from scipy.interpolate import BSpline

    span = x[-1] - x[0]
    n_pieces = max(1, int(round(span / knot_spacing)))
    # a handful of pixels cannot pin a cubic: lower the degree (a constant below 8 pixels)
    degree = min(degree, x.size // 4 - 1)
    if degree < 1:
        return np.ones((x.size, 1))
    # fewer pieces when there are few pixels, so that every basis function sees data
    n_pieces = max(1, min(n_pieces, (x.size - 1) // (degree + 1)))
    inner = np.linspace(x[0], x[-1], n_pieces + 1)
    knots = np.concatenate([[x[0]] * degree, inner, [x[-1]] * degree])
    return BSpline.design_matrix(x, knots, degree).toarray()


def _masked_median(a: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Median of each row of ``a >= 0`` over the pixels where ``keep`` is True (inf where none).

    One ``np.partition`` at the same ranks for every row instead of a sort:
    of each row's dropped pixels, the first half (in pixel order) is set
    below every value and the rest above, so the kept values' middle always
    sits at the ranks ``m // 2 + (n - 1) // 2`` and ``m // 2 + n // 2`` (``n``
    kept, ``m`` dropped), whatever ``n``. The partition runs on the bit
    patterns as int64, which order non-negative floats as the floats do and
    partition faster. The values returned are those of a full sort.
    """
    n_rows, n_pix = a.shape
    n = np.count_nonzero(keep, axis=1)
    m = n_pix - n
    dropped = ~keep
    below = dropped & (np.cumsum(dropped, axis=1, dtype=np.int32) <= (m // 2)[:, None])
    # kept: the value's bits; dropped: -1 (below) or above inf's bits; by arithmetic on
    # the masks, several times faster than masked assignment with scattered masks
    key = np.ascontiguousarray(a).view(np.int64) * keep
    key += (dropped ^ below) * _ABOVE_ALL
    key -= below
    lo_rank, hi_rank = m // 2 + (n - 1) // 2, m // 2 + n // 2
    ranks = np.unique(np.concatenate([lo_rank, hi_rank]).clip(0, n_pix - 1))
    key.partition(ranks, axis=1)
    rows = np.arange(n_rows)
    values = key.view(np.float64)
    lo, hi = values[rows, lo_rank.clip(0, n_pix - 1)], values[rows, hi_rank.clip(0, n_pix - 1)]
    lo[n == 0] = hi[n == 0] = np.inf  # (there they hold a sentinel's bits)
    return 0.5 * (lo + hi)


def _local_noise(rect: np.ndarray) -> np.ndarray:
    """Per-pixel noise of each rectified row: 1 / the local S/N of its continuum.

    The robust spread of neighbouring-pixel differences (MAD / sqrt 2: lines
    are smooth over a pixel, the noise is not) in blocks of ``_NOISE_BLOCK``
    pixels, interpolated linearly between the blocks' centres. Block medians,
    not a running median: O(n_pixels) per spectrum, a few times faster on
    survey batches, and the noise varies slowly along a spectrum.
    """
    n_rows, n_pix = rect.shape
    if n_pix < 2:
        return np.zeros_like(rect)
    step = np.abs(np.diff(rect, axis=1))
    blocks = np.array_split(np.arange(n_pix - 1), max(1, (n_pix - 1) // _NOISE_BLOCK))
    sigma = np.stack([np.median(step[:, b], axis=1) for b in blocks], axis=1)
    sigma *= _MAD_TO_SIGMA / np.sqrt(2.0)
    if len(blocks) == 1:
        return np.repeat(sigma, n_pix, axis=1)
    centres = np.array([b.mean() + 0.5 for b in blocks])  # a difference sits between pixels
    pix = np.arange(n_pix, dtype=np.float64)
    right = np.clip(np.searchsorted(centres, pix), 1, len(blocks) - 1)
    t = np.clip((pix - centres[right - 1]) / (centres[right] - centres[right - 1]), 0.0, 1.0)
    return (1.0 - t) * sigma[:, right - 1] + t * sigma[:, right]


class _SortedMedian:
    """Medians of fixed rows ``a >= 0`` over changing masks, from one sort.

    ``median(rows, keep)`` equals ``_masked_median(a[rows], keep)``: the
    kept values are found in each row's sorted order by a running count of
    the kept pixels, without sorting again.
    """

    def __init__(self, a: np.ndarray):
        n_rows, n_pix = a.shape
        order = np.argsort(a, axis=1)
        self.sorted = np.take_along_axis(a, order, axis=1)
        self.order = order  # a flat take per row below is several times faster than take_along_axis
        self.flat = (order + n_pix * np.arange(n_rows)[:, None]).ravel()

    def full(self) -> np.ndarray:
        """The median of every row over all its pixels (as ``np.median``)."""
        n_pix = self.sorted.shape[1]
        return 0.5 * (self.sorted[:, (n_pix - 1) // 2] + self.sorted[:, n_pix // 2])

    def median(self, rows, keep: np.ndarray) -> np.ndarray:
        """Row ``k`` of the result: the median of ``a[rows[k]]`` over ``keep[k]`` (rows None: all)."""
        n_pix = keep.shape[1]
        if rows is None:
            flat, values = self.flat, self.sorted
        else:
            flat = (self.order[rows] + n_pix * np.arange(len(rows))[:, None]).ravel()
            values = self.sorted[rows]
        kept = np.ascontiguousarray(keep).ravel().take(flat).reshape(keep.shape)
        count = np.cumsum(kept, axis=1, dtype=np.int32)
        n = count[:, -1]
        # the k-th kept value (from 0) is at the first position whose count is k + 1
        lo = np.count_nonzero(count <= ((n - 1) // 2)[:, None], axis=1).clip(max=n_pix - 1)
        hi = np.count_nonzero(count <= (n // 2)[:, None], axis=1).clip(max=n_pix - 1)
        r = np.arange(len(n))
        return np.where(n > 0, 0.5 * (values[r, lo] + values[r, hi]), np.inf)


class _BandedGram:
    """``B^T W B`` of a B-spline basis for many weight rows at once, from its band only.

    At each pixel only ``degree + 1`` basis functions are non-zero, so the
    pixels are grouped by the first of them and each group adds its
    ``(degree + 1)^2`` products (upper triangle, mirrored) to the Gram
    matrix: a fraction of the multiplications of ``w @ (B_i * B_j)`` over
    every overlapping pair ``(i, j)``.
    """

    def __init__(self, basis: np.ndarray):
        n_pix, n_basis = basis.shape
        nonzero = basis != 0
        first = np.argmax(nonzero, axis=1)
        last = n_basis - 1 - np.argmax(nonzero[:, ::-1], axis=1)
        width = int((last - first).max()) + 1
        start = np.minimum(first, n_basis - width)
        pairs = [(i, j) for i in range(width) for j in range(i, width)]
        mirror = [k for k, (i, j) in enumerate(pairs) if i != j]
        self.n_basis, self.groups, self.windows = n_basis, [], []
        for s in np.unique(start):
            pixels = np.flatnonzero(start == s)
            if pixels[-1] - pixels[0] + 1 == pixels.size:  # contiguous (a sorted grid): a view
                pixels = slice(pixels[0], pixels[-1] + 1)
            window = basis[pixels, s:s + width]
            products = np.stack([window[:, i] * window[:, j] for i, j in pairs], axis=1)
            upper = np.array([(s + i) * n_basis + s + j for i, j in pairs], dtype=np.intp)
            lower = np.array([(s + pairs[k][1]) * n_basis + s + pairs[k][0] for k in mirror], dtype=np.intp)
            self.groups.append((pixels, products, upper, lower, np.array(mirror, dtype=np.intp)))
            self.windows.append((pixels, slice(s, s + width), window))

    def add_to(self, gram: np.ndarray, w: np.ndarray) -> None:
        """``gram[r] += B^T diag(w[r]) B`` for each row ``r``."""
        flat = gram.reshape(len(gram), self.n_basis * self.n_basis)
        for pixels, products, upper, lower, mirror in self.groups:
            part = w[:, pixels] @ products
            flat[:, upper] += part
            flat[:, lower] += part[:, mirror]

    def project(self, wy: np.ndarray) -> np.ndarray:
        """``wy @ B`` from the band of ``B``, shape (rows, n_basis)."""
        out = np.zeros((len(wy), self.n_basis))
        for pixels, columns, window in self.windows:
            out[:, columns] += wy[:, pixels] @ window
        return out


def _fit_continuum(y, x, knot_spacing, degree, lower, upper, n_clip):
    """Continuum of each row of ``y`` (float64, scaled to about 1), and the pixels it kept.

    Weighted least squares on one shared B-spline basis, all rows at once;
    after each fit, pixels more than ``lower`` sigma below or ``upper`` sigma
    above it are dropped (sigma from the MAD of the kept residuals), until
    the kept set stops changing or ``n_clip`` fits were made.
    """
    basis = _design_matrix(x, knot_spacing, degree)
    n_pix, n_basis = basis.shape
    # a weak penalty on the coefficients' second differences (a P-spline) keeps a
    # coefficient whose pixels were all clipped (a deep line at an edge) from running off
    diff2 = np.diff(np.eye(n_basis), n=2, axis=0)
    penalty = _SMOOTH * (n_pix / n_basis) * diff2.T @ diff2 + 1e-9 * np.eye(n_basis)
    banded = _BandedGram(basis)
    basis_t = np.ascontiguousarray(basis.T)
    n_rows = y.shape[0]
    keep = np.ones(y.shape, dtype=bool)
    fit = np.empty_like(y)
    active = np.arange(n_rows)  # rows whose kept set still changes
    # the pixel-to-pixel noise (MAD of first differences / sqrt 2; lines are smooth
    # over a pixel): on noisy spectra the MAD of the kept residuals shrinks to the
    # noise and clipping at 1 sigma below would lift the fit well above the
    # continuum (by ~0.5 sigma each round), so no pixel within _NOISE_CLIP noise
    # sigmas below the fit (upper sigmas above it) is dropped
    steps = _SortedMedian(np.abs(np.diff(y, axis=1)))  # sorted once, re-masked each fit
    noise = _MAD_TO_SIGMA * steps.full() / np.sqrt(2.0)
    for _ in range(n_clip):
        every = active.size == n_rows  # no copies while every row is still clipping
        ya, ka = (y, keep) if every else (y[active], keep[active])
        w = ka.astype(np.float64)
        # normal equations of the active rows at once: (B^T W B + P) c = B^T W y
        gram = np.broadcast_to(penalty, (active.size, n_basis, n_basis)).copy()
        banded.add_to(gram, w)
        rhs = banded.project(w * ya)
        coef = np.linalg.solve(gram, rhs[..., None])[..., 0]
        if every:
            fa = np.matmul(coef, basis_t, out=fit)
        else:
            fa = coef @ basis_t
            fit[active] = fa
        resid = ya - fa
        sigma = _MAD_TO_SIGMA * _masked_median(np.abs(resid), ka)
        # noise-free model spectra would shrink sigma to 0 and clip without end:
        # residuals under 0.1 % of the (median-scaled) flux are never clipped
        sigma = np.maximum(sigma, _MIN_SIGMA)[:, None]
        # the noise, re-measured on the kept pixels only (between lines), once clipped
        dk = ka[:, 1:] & ka[:, :-1]
        noise_k = _MAD_TO_SIGMA * steps.median(None if every else active, dk) / np.sqrt(2.0)
        floor = np.where(np.count_nonzero(dk, axis=1) > n_basis, noise_k, noise[active])[:, None]
        low = np.maximum(lower * sigma, _NOISE_CLIP * floor)
        high = np.maximum(upper * sigma, upper * floor)
        new_keep = (resid > -low) & (resid < high)
        # never drop below what the spline needs; such rows keep their last kept set
        too_few = np.count_nonzero(new_keep, axis=1) < 2 * n_basis
        new_keep[too_few] = ka[too_few]
        changed = (new_keep != ka).any(axis=1)
        if every:
            keep = new_keep
        else:
            keep[active] = new_keep
        active = active[changed]
        if active.size == 0:
            break
    return fit, keep


class ContinuumNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Divide each spectrum by a pseudo-continuum fitted through its line-free pixels.

    The continuum is a cubic B-spline in wavelength (uniform knots about
    ``knot_spacing`` apart) fitted by least squares, refitted after dropping
    the pixels more than ``lower`` sigma below it (absorption lines) or
    ``upper`` sigma above it (emission, cosmic rays); sigma is the robust
    (MAD) scatter of the kept pixels, but never less than the pixel-to-pixel
    noise: no pixel within 2 noise sigmas below the fit is dropped, so noisy
    spectra (S/N 10) are not lifted above their continuum. The clipping is asymmetric
    (``lower < upper``): each refit climbs out of the absorption lines, so the
    fit ends near the upper envelope of the spectrum. Stiff knots (the default
    is 200 A apart) keep it from following the broad Balmer wings of hot stars.
    The result is continuum-rectified flux (continuum ~ 1), insensitive to
    reddening and flux calibration but for the line depths.

    ``fit`` learns nothing (each spectrum gets its own continuum); it checks
    the input and the grid.

    Measured against the MKCLASS authors' own rectification of the 112 MKCLASS
    standards (``load_mk_standards(rectified=True)``):
    ``benchmarks/results/continuum.md``.

    Parameters
    ----------
    wavelength : array-like or Quantity of shape (n_pixels,), default=None
        Wavelength grid (Angstrom when unitless). None uses the pixel index,
        and ``knot_spacing`` is then in pixels.
    knot_spacing : float, default=200.0
        Approximate distance between spline knots, in Angstrom (pixels when
        ``wavelength`` is None). Larger is stiffer.
    degree : int, default=3
        Degree of the spline.
    lower : float, default=1.0
        Pixels more than ``lower`` sigma below the fit are dropped.
    upper : float, default=3.0
        Pixels more than ``upper`` sigma above the fit are dropped.
    n_clip : int, default=20
        Most fits per spectrum (the first without clipping). A row stops
        early when its kept pixels stop changing; on high-S/N spectra the
        clipping keeps climbing slowly toward the upper envelope (a few
        pixels per fit after 20 fits), and the result changes little from 20
        to 50 fits (``benchmarks/results/continuum.md``).
    shrink_snr : float or None, default=None
        Pull noise-dominated pixels to the continuum: the rectified flux's
        departure from 1 is multiplied by ``1 / (1 + (shrink_snr / snr)**4)``,
        where ``snr`` is the local S/N of the continuum (measured from the
        spread of neighbouring pixels in blocks of 51 pixels). A pixel at
        ``snr = shrink_snr`` keeps half its departure, one at 3 x ``shrink_snr``
        99 %; where the continuum is far below the noise (the blue end of a
        reddened cool star at S/N 10) the pixels, which would otherwise be
        noise divided by almost nothing, come out as 1. None: no shrinkage.
        The recommended pipeline uses 1 (``benchmarks/results/survey_targets.md``).

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels seen in ``fit``.
    wavelength_ : ndarray of shape (n_features_in_,)
        The grid in Angstrom (the pixel index when ``wavelength`` is None).

    See Also
    --------
    FluxNormalizer : Scale each spectrum by one number (keeps the continuum).

    Notes
    -----
    The rectified lines of a noisy spectrum come out shallower than those of
    the same spectrum without noise. Pixels within 2 noise sigmas below the fit
    are never clipped, so at low S/N the pixels of shallow lines stay in the fit
    and pull it down. Measured against the MKCLASS authors' rectification of
    the clean standards (``benchmarks/results/continuum.md``, "Under noise"),
    the absorption kept is 63-79 % for O-B stars from S/N 50 down to 10. For
    F-G stars it is 60 % at S/N 50, 40 % at S/N 20 and 30 % at S/N 10. On the
    bundled K stars it is about 33 % at S/N 10, against their own clean
    rectification. So a classifier fed rectified survey spectra should be
    trained on noisy ones too: the recommended pipeline's augmentation does
    this. Line depths read off rectified low-S/N spectra of cool stars are too
    shallow. :func:`skspec.metrics.measure_lines` fits its own local
    continuum to each line's side bands instead.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import ContinuumNormalizer
    >>> wave = np.linspace(3900.0, 5500.0, 800)
    >>> continuum = 2.0 + (wave - 3900.0) / 1600.0           # a sloped continuum
    >>> line = 1.0 - 0.5 * np.exp(-0.5 * ((wave - 4471.5) / 3.0) ** 2)
    >>> X = (continuum * line)[None, :]
    >>> Xr = ContinuumNormalizer(wavelength=wave).fit_transform(X)
    >>> round(float(np.median(Xr)), 3), round(float(Xr.min()), 2)   # continuum 1, depth kept
    (1.0, 0.5)
    """

    _parameter_constraints: dict = {
        "wavelength": ["array-like", None],
        "knot_spacing": [Interval(Real, 0, None, closed="neither")],
        "degree": [Interval(Integral, 1, 5, closed="both")],
        "lower": [Interval(Real, 0, None, closed="neither")],
        "upper": [Interval(Real, 0, None, closed="neither")],
        "n_clip": [Interval(Integral, 1, None, closed="left")],
        "shrink_snr": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, *, wavelength=None, knot_spacing=200.0, degree=3, lower=1.0, upper=3.0,
                 n_clip=20, shrink_snr=None):
        self.wavelength = wavelength
        self.knot_spacing = knot_spacing
        self.degree = degree
        self.lower = lower
        self.upper = upper
        self.n_clip = n_clip
        self.shrink_snr = shrink_snr

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` and the grid; nothing is learnt.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Spectra.
        y : None
            Ignored.

        Returns
        -------
        self : ContinuumNormalizer
        """
        X = validate_data(self, X, dtype=FLOAT_DTYPES)
        check_spectra(X)
        if self.wavelength is None:
            self.wavelength_ = np.arange(X.shape[1], dtype=np.float64)
        else:
            self.wavelength_ = check_wavelength(self.wavelength, n_pixels=X.shape[1])
        return self

    def continuum(self, X):
        """The fitted pseudo-continuum of each spectrum, in the units of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Spectra.

        Returns
        -------
        continuum : ndarray of shape (n_spectra, n_pixels)
            Same dtype as ``X`` when it is floating point.

        Raises
        ------
        ValueError
            Naming the rows: a spectrum whose flux is zero everywhere.
        """
        X = self._check_input(X)
        return self._continuum(X).astype(X.dtype, copy=False)

    def _check_input(self, X):
        """``X`` checked against the fit (pixels, dtype, finite spectra)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        check_spectra(X)
        return X

    def _continuum(self, X):
        X64 = X.astype(np.float64)
        scale = np.median(np.abs(X64), axis=1)
        scale = np.where(scale > 0, scale, np.mean(np.abs(X64), axis=1))
        zero = ~(scale > 0)
        if zero.any():
            raise ValueError(
                f"cannot fit a continuum to {int(zero.sum())} spectrum(s) whose flux is "
                f"0 everywhere (row {first_bad_rows(zero)})"
            )
        out = np.empty_like(X64)
        for start in range(0, X64.shape[0], _CHUNK):  # bounded memory on survey batches
            rows = slice(start, start + _CHUNK)
            fit, _ = _fit_continuum(
                X64[rows] / scale[rows, None], self.wavelength_, self.knot_spacing, self.degree,
                self.lower, self.upper, self.n_clip,
            )
            out[rows] = fit * scale[rows, None]
        return out

    def transform(self, X):
        """Divide ``X`` by its pseudo-continuum.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Spectra.

        Returns
        -------
        X_rectified : ndarray of shape (n_spectra, n_pixels)
            Continuum ~ 1; same dtype as ``X`` when it is floating point.

        Where the fitted continuum falls below 1 % of the spectrum's median
        absolute flux (no flux at all there: the blue end of a heavily
        reddened cool star, noise about zero), it is held at that level, so
        those pixels come out as (large) noise instead of a division by zero,
        or, with ``shrink_snr``, close to 1.

        Raises
        ------
        ValueError
            Naming the rows: a spectrum whose flux is zero everywhere, or
            whose fitted continuum is not positive over most of it (negative
            flux, e.g. a bad sky subtraction: there is no continuum to divide by).
        """
        X = self._check_input(X)
        cont = self._continuum(X)
        bad = ~(np.median(cont, axis=1) > 0)
        if bad.any():
            raise ValueError(
                f"the fitted continuum is not positive in {int(bad.sum())} spectrum(s) "
                f"(row {first_bad_rows(bad)}): rectification needs positive flux"
            )
        floor = _MIN_CONTINUUM * np.median(np.abs(X), axis=1, keepdims=True)
        floor = np.where(floor > 0, floor, np.mean(np.abs(X), axis=1, keepdims=True))
        rect = X / np.maximum(cont, floor)
        if self.shrink_snr is not None:
            rect = rect.astype(np.float64, copy=False)
            weight = 1.0 / (1.0 + (self.shrink_snr * _local_noise(rect)) ** 4)
            rect = 1.0 + weight * (rect - 1.0)
        return rect.astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags
