"""AugmentationSampler: append physically augmented copies of the training spectra."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from imblearn.base import BaseSampler
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval

from ._augmenter import SpectrumAugmenter

__all__ = ["AugmentationSampler"]


class AugmentationSampler(BaseSampler):
    """Append ``n_copies`` augmented copies of every training spectrum.

    The scikit-learn way to train on survey-like spectra: in an
    imbalanced-learn :class:`~imblearn.pipeline.Pipeline` this step acts at
    ``fit`` only, so the spectra to predict pass through untouched. Each copy
    is a fresh draw of ``augmenter`` (reddening, noise, ... see
    :class:`SpectrumAugmenter`) and keeps its spectrum's label. The real
    rows come first, unchanged and in order, the copies after them: the
    imbalanced-learn over-sampler contract by which skspec tells synthetic
    rows from real ones. So ``RACNetClassifier(sampler=AugmentationSampler(...))``
    fits it on the training rows only, after holding out its real validation
    spectra, and trains on the copies without ever validating on one, as
    it does for the GAN samplers' rows.

    Parameters
    ----------
    augmenter : SpectrumAugmenter or None, default=None
        The effects and their ranges (cloned at every fit); None is
        ``SpectrumAugmenter()``: E(B-V) uniform in 0-2 (G23, R(V) 3.1) and
        S/N log-uniform in 5-100.
    n_copies : int, default=5
        Augmented copies appended per real spectrum (0 returns the input).
        Five measured better than two: with reddened copies (E(B-V) 0-2) a
        plain SVC on ``load_obafgkm()`` found 9 of 10 O stars at E(B-V) =
        1.0 and S/N 10 with five copies, 5 of 10 with two (median of 3 seeds,
        ``benchmarks/results/augmentation.md``). Training time grows with it.
    wavelength : array-like or Quantity of shape (n_pixels,), default=None
        Grid of the spectra's columns; overrides the augmenter's own.
    random_state : int, RandomState instance or None, default=None
        Seed of the copies; None takes the augmenter's ``random_state``. Every
        copy is a different draw.
    sampler : imbalanced-learn over-sampler or None, default=None
        An over-sampler run first on the real spectra (cloned at every fit),
        e.g. :class:`~skspec.over_sampling.LCGAN`: the rows it appends are
        passed through the augmenter (one draw each) and kept, after the real
        rows and before the copies. The copies are of the real spectra only.
        The sampler must return the real rows first, in order (every
        imbalanced-learn and skspec over-sampler does).

    Attributes
    ----------
    augmenter_ : SpectrumAugmenter
        The clone used.
    sampler_ : over-sampler or None
        The fitted clone of ``sampler``.
    sampling_strategy_ : dict
        Number of rows appended per class.
    n_features_in_ : int
        Pixels per spectrum seen in ``fit_resample``.

    See Also
    --------
    SpectrumAugmenter : The effects.
    skspec.neural_network.RACNetClassifier : ``augment=`` draws fresh effects every batch.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.augmentation import AugmentationSampler, SpectrumAugmenter
    >>> wave = np.geomspace(3900.0, 7400.0, 100)
    >>> X = np.ones((6, 100))
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> sampler = AugmentationSampler(SpectrumAugmenter(wave), n_copies=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res)
    ((18, 100), array([12,  6]))
    >>> bool((X_res[:6] == X).all())               # the real rows first, as given
    True

    Passing an over-sampler's new rows through the augmenter too:

    >>> from imblearn.over_sampling import RandomOverSampler
    >>> both = AugmentationSampler(SpectrumAugmenter(wave), n_copies=1, random_state=0,
    ...                            sampler=RandomOverSampler(random_state=0))
    >>> X_res, y_res = both.fit_resample(X, y)     # 6 real, 2 new class-1 rows, 6 copies
    >>> X_res.shape, both.sampling_strategy_
    ((14, 100), {np.int64(0): 4, np.int64(1): 4})
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "augmenter": [HasMethods(["augment"]), None],
        "n_copies": [Interval(Integral, 0, None, closed="left")],
        "wavelength": ["array-like", None],
        "random_state": ["random_state"],
        "sampler": [HasMethods(["fit_resample"]), None],
    }

    def __init__(self, augmenter=None, *, n_copies=5, wavelength=None, random_state=None,
                 sampler=None):
        super().__init__()
        self.augmenter = augmenter
        self.n_copies = n_copies
        self.wavelength = wavelength
        self.random_state = random_state
        self.sampler = sampler

    def _check_X_y(self, X, y, accept_sparse=None):
        # spectra are dense: a sparse matrix is refused by validate_data
        return super()._check_X_y(X, y, accept_sparse=False)

    def fit_resample(self, X, y, **params):
        """Append the augmented copies after the real spectra.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Training spectra (no NaN).
        y : array-like of shape (n_spectra,)
            Labels.

        Returns
        -------
        X_resampled : ndarray of shape (n_spectra * (n_copies + 1) + n_sampled, n_pixels)
            ``X`` first, unchanged; then the ``sampler``'s rows, augmented
            (``n_sampled``, none without a sampler); then the copies (copy
            ``k`` of spectrum ``i`` at row ``n_spectra + n_sampled + k *
            n_spectra + i``).
        y_resampled : ndarray of shape (len(X_resampled),)
        """
        return super().fit_resample(X, y, **params)

    def _fit_resample(self, X, y):
        self.augmenter_ = SpectrumAugmenter() if self.augmenter is None else clone(self.augmenter)
        seed = self.random_state
        if seed is None:
            seed = getattr(self.augmenter_, "random_state", None)
        rng = check_random_state(seed)
        parts, labels = [X], [y]
        self.sampler_ = None if self.sampler is None else clone(self.sampler)
        if self.sampler_ is not None:
            X_gen, y_gen = self._generated(X, y)
            if len(X_gen):
                X_gen = self.augmenter_.augment(X_gen, wavelength=self.wavelength, random_state=rng)
            parts.append(X_gen.astype(X.dtype, copy=False))
            labels.append(y_gen)
        for _ in range(self.n_copies):
            parts.append(self.augmenter_.augment(X, wavelength=self.wavelength, random_state=rng))
            labels.append(y)
        y_res = np.concatenate(labels)
        new, counts = np.unique(y_res[X.shape[0]:], return_counts=True)
        self.sampling_strategy_ = {label: int(c) for label, c in zip(new, counts)}
        return np.concatenate(parts), y_res

    def _generated(self, X, y):
        """The rows ``sampler_`` appends to ``(X, y)``, checked to follow the real rows."""
        X_res, y_res = self.sampler_.fit_resample(X, y)
        X_res, y_res = np.asarray(X_res), np.asarray(y_res)
        name = type(self.sampler_).__name__
        n = X.shape[0]
        if X_res.shape[0] < n or not np.array_equal(X_res[:n], X) or not np.array_equal(
                y_res[:n], y):
            raise ValueError(
                f"sampler {name} does not return the real rows first, in order; "
                "AugmentationSampler needs an over-sampler that does"
            )
        return X_res[n:], y_res[n:]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags
