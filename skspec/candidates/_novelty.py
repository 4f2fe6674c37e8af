""""None of the above": how unlike every training spectrum a spectrum is."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, TransformerMixin, _fit_context, clone
from sklearn.decomposition import PCA
from sklearn.metrics import pairwise_distances_chunked
from sklearn.model_selection import GroupKFold, KFold, check_cv
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ..utils import check_spectra

__all__ = ["NoveltyDetector"]


def _block_continuum(X, width):
    """Median of blocks of ``width`` pixels, linearly interpolated between block centres."""
    n = X.shape[1]
    n_blocks = min(max(n // max(int(width), 1), 3), n)
    edges = np.linspace(0, n, n_blocks + 1).astype(int)
    centres = (edges[:-1] + edges[1:] - 1) / 2.0
    medians = np.stack([np.median(X[:, a:b], axis=1) for a, b in zip(edges[:-1], edges[1:])], axis=1)
    pixels = np.arange(n)
    return np.vstack([np.interp(pixels, centres, row) for row in medians])


class _ContinuumAndLines(TransformerMixin, BaseEstimator):
    """Split each spectrum into its continuum shape and its line pattern.

    The continuum is the median of blocks of ``width`` pixels, linearly
    interpolated between the block centres; the features are the continuum divided
    by its L2 norm, followed by the rectified flux minus one (clipped to
    [-1, 3]) times ``line_weight_``, the weight that gives both parts the same
    total variance over the training spectra. A spectrum then has to match
    a training spectrum in both its continuum and its lines to be near it.
    """

    def __init__(self, *, width=151):
        self.width = width

    def _split(self, X):
        cont = _block_continuum(X, self.width)
        floor = 1e-6 * np.abs(cont).max(axis=1, keepdims=True) + 1e-300
        cont = np.maximum(cont, floor)
        lines = np.clip(X / cont - 1.0, -1.0, 3.0)
        shape = cont / np.maximum(np.linalg.norm(cont, axis=1, keepdims=True), 1e-300)
        return shape, lines

    def fit(self, X, y=None):
        X = validate_data(self, X, dtype=np.float64)
        shape, lines = self._split(X)
        var_shape = shape.var(axis=0).sum()
        var_lines = lines.var(axis=0).sum()
        if var_lines > 0 and var_shape > 1e-9 * var_lines:
            self.line_weight_ = float(np.sqrt(var_shape / var_lines))
        else:  # one part does not vary over the training set: no reweighting
            self.line_weight_ = 1.0
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        shape, lines = self._split(X)
        return np.hstack([shape, self.line_weight_ * lines])


_CONTINUUM_STEP = 10  # every this many pixels of the log continuum is a feature
_N_CONTINUUM = 5  # principal components of the continuum shape
_MIN_PIXELS = 2  # fewest pixels "rectified" fits a continuum to


class _RectifiedMap(TransformerMixin, BaseEstimator):
    """Rectified line pattern and continuum shape, each projected on its principal components.

    Each spectrum is divided by its :class:`~skspec.preprocessing.ContinuumNormalizer`
    pseudo-continuum; the rectified flux minus one (clipped to [-2, 2]),
    smoothed over ``smoothing`` pixels, is projected on ``n_components``
    components, plus the distance off them; the log of the continuum over
    its median (every ``_CONTINUUM_STEP``-th pixel, minus its mean) on
    ``_N_CONTINUUM`` more. :meth:`transform` also returns, per spectrum, the
    part of a squared distance in the line coordinates that its own pixel
    noise explains (measured from the spread of neighbouring pixels in blocks
    of 51 pixels, as ContinuumNormalizer's ``shrink_snr`` measures it, capped at
    the noise of S/N ``min_snr``).
    """

    def __init__(self, *, wavelength=None, n_components=20, smoothing=5, min_snr=3.0,
                 random_state=None):
        self.wavelength = wavelength
        self.n_components = n_components
        self.smoothing = smoothing
        self.min_snr = min_snr
        self.random_state = random_state

    def _parts(self, X):
        """Smoothed lines, continuum shape, squared pixel noise; NaN rows where flux is all 0."""
        from scipy.ndimage import uniform_filter1d

        from ..preprocessing._continuum import _local_noise

        scale = np.median(np.abs(X), axis=1)
        scale = np.where(scale > 0, scale, np.abs(X).mean(axis=1))
        ok = scale > 0
        n, p = X.shape
        lines = np.full((n, p), np.nan)
        shape = np.full((n, len(range(0, p, _CONTINUUM_STEP))), np.nan)
        noise2 = np.full((n, p), np.nan)
        if ok.any():
            Xo = X[ok]
            cont = np.maximum(self.normalizer_.continuum(Xo), 0.01 * scale[ok, None])
            rect = np.clip(Xo / cont - 1.0, -2.0, 2.0)
            sigma = _local_noise(rect)
            if self.min_snr is not None:
                sigma = np.minimum(sigma, 1.0 / self.min_snr)
            noise2[ok] = sigma**2
            if self.smoothing > 1:
                rect = uniform_filter1d(rect, min(self.smoothing, p), axis=1, mode="nearest")
            lines[ok] = rect
            logc = np.log(cont / np.median(cont, axis=1, keepdims=True))[:, ::_CONTINUUM_STEP]
            shape[ok] = logc - logc.mean(axis=1, keepdims=True)
        return lines, shape, noise2

    def fit(self, X, y=None):
        from ..preprocessing import ContinuumNormalizer

        X = validate_data(self, X, dtype=np.float64)
        self.normalizer_ = ContinuumNormalizer(wavelength=self.wavelength).fit(X)
        return self._fit_parts(self._parts(X))

    def _fit_parts(self, parts):
        """Fit the projections on the output of :meth:`_parts` (the rectification is per spectrum)."""
        from scipy.ndimage import uniform_filter1d

        lines, shape, _ = parts
        keep = np.isfinite(lines).all(axis=1)
        if not keep.any():
            raise ValueError("no training spectrum holds any flux: X is 0 everywhere")
        n_pixels = lines.shape[1]
        n = min(self.n_components, int(keep.sum()), n_pixels)
        self.lines_pca_ = PCA(n_components=n, random_state=self.random_state).fit(lines[keep])
        m = min(_N_CONTINUUM, int(keep.sum()), shape.shape[1])
        self.continuum_pca_ = PCA(n_components=m, random_state=self.random_state).fit(shape[keep])
        # pixel noise into the line coordinates: the smoothed components' squares
        comps = self.lines_pca_.components_
        if self.smoothing > 1:
            comps = uniform_filter1d(comps, min(self.smoothing, n_pixels), axis=1, mode="nearest")
        self.noise_in_ = (comps**2).sum(axis=0)
        self.noise_off_ = np.maximum(1.0 / min(self.smoothing, n_pixels) - self.noise_in_, 0.0)
        return self

    def transform(self, X):
        """Features and the squared distance the pixel noise explains, ``(F, noise)``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._transform_parts(self._parts(X))

    def _transform_parts(self, parts):
        lines, shape, noise2 = (a.copy() for a in parts)
        bad = ~np.isfinite(lines).all(axis=1)
        lines[bad], shape[bad], noise2[bad] = 0.0, 0.0, 0.0
        Z = self.lines_pca_.transform(lines)
        off2 = ((lines - self.lines_pca_.inverse_transform(Z)) ** 2).sum(axis=1)
        off = np.sqrt(np.maximum(off2 - noise2 @ self.noise_off_, 0.0))
        F = np.hstack([Z, off[:, None], self.continuum_pca_.transform(shape)])
        F[bad] = np.nan
        return F, noise2 @ self.noise_in_


def _knn(F, reference, k, groups=None, ref_groups=None):
    """Distances (n, k) to the ``k`` nearest reference rows and their indices.

    With ``groups``, reference rows of the same group as a row are skipped.
    """
    k = min(k, reference.shape[0])
    dist, index, start = [], [], 0
    for block in pairwise_distances_chunked(F, reference, working_memory=64):
        if groups is not None:
            g = groups[start:start + block.shape[0]]
            block = np.where(g[:, None] == ref_groups[None, :], np.inf, block)
        start += block.shape[0]
        idx = np.argpartition(block, k - 1, axis=1)[:, :k]
        dist.append(np.take_along_axis(block, idx, axis=1))
        index.append(idx)
    if not dist:
        return np.empty((0, k)), np.empty((0, k), dtype=int)
    return np.vstack(dist), np.vstack(index)


def _knn_distance(F, reference, k):
    """Mean Euclidean distance of each row of ``F`` to its ``k`` nearest reference rows."""
    return _knn(F, reference, k)[0].mean(axis=1)


class NoveltyDetector(OutlierMixin, BaseEstimator):
    """Flag spectra unlike every training spectrum: k-NN distance, calibrated on held-out stars.

    The novelty score of a spectrum is the mean Euclidean distance to its
    ``n_neighbors`` nearest training spectra in a feature space:

    - ``features="flux"`` (default): each spectrum, lightly smoothed
      (``smoothing`` pixels), divided by its L2 norm (the classifier's own
      input), projected on the first ``n_components`` principal components of
      the training spectra, plus the distance off that subspace as one more
      coordinate, so that a spectrum unlike anything in training cannot hide
      in the components' null space;
    - ``features="continuum+lines"``: the continuum shape (block medians,
      L2-normalised) and the line pattern (flux over continuum minus one),
      weighted so that both parts vary as much over the training set;
    - ``features="rectified"``: each spectrum divided by its
      :class:`~skspec.preprocessing.ContinuumNormalizer` pseudo-continuum (on
      ``wavelength``); the line pattern (rectified flux minus one, clipped to
      [-2, 2], then smoothed) on ``n_components`` components plus the
      distance off them, and the shape of the continuum (its log over its
      median) on 5 more. The score is **noise-aware**: the part of the squared
      distance that the spectrum's own pixel noise explains (measured from
      the scatter of neighbouring pixels, median in blocks of 51 pixels) is
      subtracted, but never more than noise at S/N ``min_snr``, so a noisy
      star is not "unknown" for its noise alone while pure noise is.

    With ``local_scale=True`` the score is divided by the local scale of the
    training set where the spectrum lands: the mean, over its neighbours, of
    each neighbour's own distance to its ``n_neighbors`` nearest training
    spectra of *other* stars (``groups``). Hot stars have weak lines and lie
    close together, cool stars far apart; a global threshold lets a
    featureless blue spectrum (a quasar) pass as a hot star that is merely
    "closer than cool stars are to each other", a local scale does not.

    The score does not depend on any classifier, so it also catches what a
    softmax hides: a quasar or a broken spectrum gets a confident P(class)
    from any classifier. What ``skspec train`` fits, and why, is measured in
    ``benchmarks/results/novelty.md`` (``features="rectified"``,
    ``local_scale=True``, fitted with survey-augmented copies).

    The threshold is calibrated on real spectra the detector did not see:
    the training spectra are split into ``cv`` folds by star (``groups``),
    each fold is scored against the others, and ``threshold_`` is the
    ``percentile`` of those held-out scores. About ``100 - percentile`` % of
    new spectra like the training set are then flagged by mistake.

    Fit it on the spectra the classifier was trained on, plus augmented
    copies that the survey spectra resemble (reddened and noisy copies, e.g.
    :func:`skspec.pipeline.survey_augmenter`, so that a reddened or noisy O
    star is not "unknown"); pass their star as ``groups`` so that copies of a
    star stay in one fold.

    Parameters
    ----------
    features : {"flux", "continuum+lines", "rectified"}, default="flux"
        The feature space (see above).
    wavelength : array-like or Quantity of shape (n_pixels,), default=None
        Grid of the spectra (Angstrom when unitless), for the continuum fit
        of ``features="rectified"``; None uses the pixel index (the
        continuum's knots are then 200 pixels apart). Ignored otherwise.
    n_components : int or None, default=20
        Principal components of the (line) feature space, plus the distance
        off them; None uses the features themselves (not with
        ``features="rectified"``).
    smoothing : int, default=5
        Width in pixels of the running mean (1: none); it damps pixel noise,
        which the training spectra mostly lack. ``"rectified"`` smooths the
        rectified flux, the others the flux.
    n_neighbors : int, default=5
        Neighbours averaged in the score (and in the local scale).
    local_scale : bool, default=False
        Divide the score by the local scale of the training set (see above).
    min_snr : float or None, default=3.0
        ``features="rectified"`` only: the pixel noise excused in the score is
        at most that of S/N ``min_snr`` (rectified flux noise ``1 / min_snr``);
        noisier spectra count their extra noise as distance. None excuses all
        the noise; ignored by the other feature spaces.
    percentile : float in (0, 100), default=99.0
        Percentile of the held-out scores used as the threshold.
    cv : int or cross-validation splitter, default=5
        Folds for the calibration: :class:`~sklearn.model_selection.GroupKFold`
        when ``groups`` is given, else shuffled
        :class:`~sklearn.model_selection.KFold`.
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds of an int ``cv`` (no groups) and seeds the PCA.

    Attributes
    ----------
    transformer_ : estimator
        The fitted feature map (a Pipeline of the normalisation and the PCA,
        or the rectified map).
    reference_ : ndarray of shape (n_references, n_coordinates)
        Features of the training spectra (those with flux): the neighbours
        searched.
    reference_scale_ : ndarray of shape (n_references,) or None
        Local scale of each training spectrum (None without ``local_scale``).
    threshold_ : float
        Scores above it are ``unknown``.
    calibration_scores_ : ndarray of shape (n_samples,)
        Held-out score of every training spectrum.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.candidates import NoveltyDetector
    >>> from skspec.datasets import make_spectra
    >>> X, y = make_spectra(120, 200, random_state=0)
    >>> det = NoveltyDetector(n_components=5, random_state=0).fit(X)
    >>> noise = np.abs(np.random.default_rng(0).normal(1, 1, (3, 200)))
    >>> det.is_unknown(noise).tolist()
    [True, True, True]
    >>> float(det.is_unknown(X).mean()) < 0.05
    True

    On rectified flux with a local scale, a spectrum without lines (a
    featureless continuum) is unknown, a noisy star is not:

    >>> X, y, wave = make_spectra(300, 400, noise=0.002, return_wavelength=True, random_state=0)
    >>> rng = np.random.default_rng(0)
    >>> snr = rng.uniform(10, 100, (len(X), 1))
    >>> Xn = X + rng.normal(0, 1, X.shape) * np.median(X, axis=1, keepdims=True) / snr
    >>> det = NoveltyDetector(features="rectified", wavelength=wave, n_components=10,
    ...                       local_scale=True, random_state=0)
    >>> det = det.fit(np.vstack([X[:200], Xn[:200]]), groups=np.tile(np.arange(200), 2))
    >>> featureless = np.tile(np.linspace(2.0, 1.0, 400), (3, 1))
    >>> det.is_unknown(featureless).tolist()
    [True, True, True]
    >>> float(det.is_unknown(Xn[200:]).mean()) < 0.1
    True
    """

    _parameter_constraints: dict = {
        "features": [StrOptions({"continuum+lines", "flux", "rectified"})],
        "wavelength": ["array-like", None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "smoothing": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "local_scale": ["boolean"],
        "min_snr": [Interval(Real, 0, None, closed="neither"), None],
        "percentile": [Interval(Real, 0, 100, closed="neither")],
        "cv": ["cv_object"],
        "random_state": ["random_state"],
    }

    def __init__(self, *, features="flux", wavelength=None, n_components=20, smoothing=5,
                 n_neighbors=5, local_scale=False, min_snr=3.0, percentile=99.0, cv=5,
                 random_state=None):
        self.features = features
        self.wavelength = wavelength
        self.smoothing = smoothing
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.local_scale = local_scale
        self.min_snr = min_snr
        self.percentile = percentile
        self.cv = cv
        self.random_state = random_state

    def _make_transformer(self, n_samples: int, n_features: int):
        from ..preprocessing import FluxNormalizer

        if self.features == "rectified":
            if self.n_components is None:
                raise ValueError('n_components must be an int for features="rectified", got None')
            return _RectifiedMap(wavelength=self.wavelength, n_components=self.n_components,
                                 smoothing=self.smoothing, min_snr=self.min_snr,
                                 random_state=self.random_state)
        if self.features == "flux":
            steps = [("normalise", FluxNormalizer(norm="l2"))]
        else:
            steps = [("split", _ContinuumAndLines())]
        if self.n_components is not None:
            n = min(self.n_components, n_samples, n_features)
            steps.append(("pca", PCA(n_components=n, random_state=self.random_state)))
        return Pipeline(steps)

    def _check_X(self, X, reset: bool):
        X = validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=False)
        check_spectra(X)
        # "rectified" smooths after the rectification (the noise is measured before)
        if self.smoothing > 1 and getattr(self, "features", "flux") != "rectified":
            from scipy.ndimage import uniform_filter1d

            X = uniform_filter1d(X, min(self.smoothing, X.shape[1]), axis=1, mode="nearest")
        return X

    @staticmethod
    def _features(transformer, X):
        """Coordinates in the feature space (plus the distance off the PCA subspace), and
        the squared distance the spectrum's pixel noise explains (None: not measured)."""
        if isinstance(transformer, _RectifiedMap):
            return transformer.transform(X)
        if "pca" not in transformer.named_steps:
            return np.asarray(transformer.transform(X), dtype=np.float64), None
        pre = transformer[:-1].transform(X)
        pca = transformer.named_steps["pca"]
        Z = pca.transform(pre)
        off = np.linalg.norm(pre - pca.inverse_transform(Z), axis=1, keepdims=True)
        return np.hstack([Z, off]), None

    def _reference_scale(self, reference, groups):
        """Mean distance of each reference row to its nearest rows of other stars."""
        return _knn(reference, reference, self.n_neighbors, groups, groups)[0].mean(axis=1)

    def _score(self, F, noise, reference, scale):
        """Novelty score of features ``F`` against ``reference`` (``scale``: its local scale)."""
        d, idx = _knn(np.nan_to_num(F), reference, self.n_neighbors)
        if noise is None:
            score = d.mean(axis=1)
        else:  # the pixel noise's expected share of the squared distance is no evidence
            score = np.sqrt(np.maximum((d**2).mean(axis=1) - noise, 0.0))
        if scale is not None:
            score = score / np.maximum(scale[idx].mean(axis=1), 1e-12)
        # a spectrum that cannot be rectified (no flux at all) is unlike everything
        return np.where(np.isfinite(F).all(axis=1), score, np.inf)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, groups=None):
        """Fit the feature map, score each fold against the others, set the threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)
            Training spectra (real, plus any augmented copies).
        y : ignored
        groups : array-like of shape (n_samples,) or None, default=None
            Star of each spectrum: a star's spectra stay in one fold (and,
            with ``local_scale``, are not each other's neighbours in the
            local scale).

        Returns
        -------
        self
        """
        X = self._check_X(X, reset=True)
        n = X.shape[0]
        if n < 2 * self.n_neighbors:
            raise ValueError(
                f"NoveltyDetector needs at least 2 * n_neighbors = {2 * self.n_neighbors} "
                f"training spectra, got n_samples = {n}"
            )
        if groups is not None:
            groups = column_or_1d(groups)
            if len(groups) != n:
                raise ValueError(f"groups has {len(groups)} entries but X has {n} rows")
        if self.features == "rectified" and X.shape[1] < _MIN_PIXELS:
            raise ValueError(f'features="rectified" needs at least {_MIN_PIXELS} pixels to fit a '
                             f"continuum, got n_features = {X.shape[1]}")
        if self.features == "rectified" and self.wavelength is not None:
            from ..utils import check_wavelength

            check_wavelength(self.wavelength, n_pixels=X.shape[1])  # names the mismatch
        if isinstance(self.cv, Integral):
            if groups is not None:
                n_splits = min(int(self.cv), np.unique(groups).size)
                cv = GroupKFold(n_splits=n_splits)
            else:
                cv = KFold(n_splits=min(int(self.cv), n), shuffle=True, random_state=self.random_state)
            if cv.get_n_splits() < 2:
                raise ValueError("the calibration needs at least 2 stars (groups)")
        else:
            cv = check_cv(self.cv)
        ids = np.arange(n) if groups is None else groups
        scores = np.full(n, np.nan)
        template = self._make_transformer(n, X.shape[1])
        if isinstance(template, _RectifiedMap):
            # the rectification is per spectrum and learns nothing: once for all the folds
            template.fit(X)
            parts = template._parts(X)

            def fold(train, test):
                tr = clone(template)
                tr.normalizer_ = template.normalizer_
                tr._fit_parts(tuple(a[train] for a in parts))
                return (tr._transform_parts(tuple(a[train] for a in parts))[0],
                        tr._transform_parts(tuple(a[test] for a in parts)))
        else:
            def fold(train, test):
                tr = clone(template).fit(X[train])
                return self._features(tr, X[train])[0], self._features(tr, X[test])

        for train, test in cv.split(X, None, groups):
            ref, (F, noise) = fold(train, test)
            valid = np.isfinite(ref).all(axis=1)  # a spectrum without flux is no neighbour
            ref, ref_ids = ref[valid], ids[train][valid]
            if ref.shape[0] == 0:
                raise ValueError("a calibration fold holds no spectrum with flux")
            scale = self._reference_scale(ref, ref_ids) if self.local_scale else None
            scores[test] = self._score(F, noise, ref, scale)
        if np.isnan(scores).any():
            raise ValueError("cv must put every spectrum in one validation fold")
        self.calibration_scores_ = scores
        finite = scores[np.isfinite(scores)]
        if finite.size == 0:
            raise ValueError("no training spectrum could be scored: X holds no flux")
        self.threshold_ = float(np.percentile(finite, self.percentile))
        if isinstance(template, _RectifiedMap):
            self.transformer_ = template  # fitted on all of X above
            self.reference_, _ = template._transform_parts(parts)
        else:
            self.transformer_ = clone(template).fit(X)
            self.reference_, _ = self._features(self.transformer_, X)
        valid = np.isfinite(self.reference_).all(axis=1)
        self.reference_ = self.reference_[valid]
        self.reference_scale_ = (self._reference_scale(self.reference_, ids[valid])
                                 if self.local_scale else None)
        return self

    def novelty_score(self, X) -> np.ndarray:
        """Mean distance to the ``n_neighbors`` nearest training spectra (higher: more novel).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)

        Returns
        -------
        score : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        F, noise = self._features(self.transformer_, X)
        # getattr: a detector saved before local_scale existed has no reference_scale_
        return self._score(F, noise, self.reference_, getattr(self, "reference_scale_", None))

    def is_unknown(self, X) -> np.ndarray:
        """True where the novelty score is above ``threshold_``."""
        check_is_fitted(self)
        return self.novelty_score(X) > self.threshold_

    def score_samples(self, X) -> np.ndarray:
        """Minus the novelty score (sklearn's convention: higher is more normal)."""
        return -self.novelty_score(X)

    def decision_function(self, X) -> np.ndarray:
        """``threshold_ - novelty_score``: negative for unknown spectra."""
        check_is_fitted(self)
        return self.threshold_ - self.novelty_score(X)

    def predict(self, X) -> np.ndarray:
        """``-1`` for unknown spectra, ``1`` for spectra like the training set."""
        return np.where(self.is_unknown(X), -1, 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
