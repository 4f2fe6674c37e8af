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


def _knn_distance(F, reference, k):
    """Mean Euclidean distance of each row of ``F`` to its ``k`` nearest reference rows."""
    k = min(k, reference.shape[0])
    out = []
    for block in pairwise_distances_chunked(F, reference, working_memory=64):
        part = np.partition(block, k - 1, axis=1)[:, :k]
        out.append(part.mean(axis=1))
    return np.concatenate(out) if out else np.empty(0)


class NoveltyDetector(OutlierMixin, BaseEstimator):
    """Flag spectra unlike every training spectrum: k-NN distance, calibrated on held-out stars.

    The novelty score of a spectrum is the mean Euclidean distance to its
    ``n_neighbors`` nearest training spectra in a feature space. By default
    (``features="flux"``) each spectrum, lightly smoothed (``smoothing``
    pixels), is divided by its L2 norm (the classifier's own input) and
    projected on the first ``n_components`` principal components of the
    training spectra; the distance of the spectrum from that subspace is one
    more coordinate, so a spectrum unlike anything in training (a quasar's
    broad emission line, a noise spectrum) cannot hide in the components'
    null space. ``features="continuum+lines"`` splits each spectrum into its
    continuum shape (block medians, L2-normalised) and its line pattern
    (flux over continuum minus one, weighted so that both parts vary as much
    over the training set) first. The default was chosen on real spectra in
    ``benchmarks/results/novelty.md``. The score does not depend on any classifier, so
    it also catches what a softmax hides: a quasar or a broken spectrum gets
    a confident P(class) from any classifier, but lies far from every star.

    The threshold is calibrated on real spectra the detector did not see:
    the training stars are split into ``cv`` folds by star (``groups``), each
    fold is scored against the others, and ``threshold_`` is the
    ``percentile`` of those held-out scores. About ``100 - percentile`` % of
    new spectra of the training classes are then flagged by mistake (fewer
    in practice: the final reference set holds all the training spectra).

    Fit it on the spectra the classifier was trained on, including any
    augmented copies that the survey spectra resemble (reddened copies, for
    example, so that a reddened O star is not "unknown"); pass their star as
    ``groups`` so that copies of a star stay in one fold.

    Parameters
    ----------
    features : {"flux", "continuum+lines"}, default="flux"
        The feature space (see above).
    n_components : int or None, default=20
        Principal components of the feature space (plus the distance off
        them); None uses the features themselves.
    smoothing : int, default=5
        Width in pixels of the running mean applied first (1: none); it
        damps pixel noise, which the training spectra mostly lack.
    n_neighbors : int, default=5
        Neighbours averaged in the score.
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
    transformer_ : Pipeline
        The fitted feature map (continuum and lines or L2 normalisation,
        then PCA when ``n_components`` is set).
    reference_ : ndarray of shape (n_samples, n_components + 1)
        Features of the training spectra: the neighbours searched.
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
    """

    _parameter_constraints: dict = {
        "features": [StrOptions({"continuum+lines", "flux"})],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "smoothing": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "percentile": [Interval(Real, 0, 100, closed="neither")],
        "cv": ["cv_object"],
        "random_state": ["random_state"],
    }

    def __init__(self, *, features="flux", n_components=20, smoothing=5, n_neighbors=5,
                 percentile=99.0, cv=5, random_state=None):
        self.features = features
        self.smoothing = smoothing
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.percentile = percentile
        self.cv = cv
        self.random_state = random_state

    def _make_transformer(self, n_samples: int, n_features: int) -> Pipeline:
        from ..preprocessing import FluxNormalizer

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
        if self.smoothing > 1:
            from scipy.ndimage import uniform_filter1d

            X = uniform_filter1d(X, min(self.smoothing, X.shape[1]), axis=1, mode="nearest")
        return X

    @staticmethod
    def _features(transformer, X):
        """Coordinates in the feature space, plus the distance off the PCA subspace."""
        if "pca" not in transformer.named_steps:
            return np.asarray(transformer.transform(X), dtype=np.float64)
        pre = transformer[:-1].transform(X)
        pca = transformer.named_steps["pca"]
        Z = pca.transform(pre)
        off = np.linalg.norm(pre - pca.inverse_transform(Z), axis=1, keepdims=True)
        return np.hstack([Z, off])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, groups=None):
        """Fit the feature map, score each fold against the others, set the threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)
            Training spectra (real, plus any augmented copies).
        y : ignored
        groups : array-like of shape (n_samples,) or None, default=None
            Star of each spectrum: a star's spectra stay in one fold.

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
        scores = np.full(n, np.nan)
        template = self._make_transformer(n, X.shape[1])
        for train, test in cv.split(X, None, groups):
            tr = clone(template).fit(X[train])
            scores[test] = _knn_distance(self._features(tr, X[test]), self._features(tr, X[train]),
                                         self.n_neighbors)
        if np.isnan(scores).any():
            raise ValueError("cv must put every spectrum in one validation fold")
        self.calibration_scores_ = scores
        self.threshold_ = float(np.percentile(scores, self.percentile))
        self.transformer_ = clone(template).fit(X)
        self.reference_ = self._features(self.transformer_, X)
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
        return _knn_distance(self._features(self.transformer_, X), self.reference_, self.n_neighbors)

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
