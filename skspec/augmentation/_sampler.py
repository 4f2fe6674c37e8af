"""AugmentationSampler: append physically augmented copies of the training spectra."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from imblearn.base import BaseSampler
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval

from ..utils import mark_synthetic
from ._augmenter import SpectrumAugmenter

__all__ = ["AugmentationSampler"]


class AugmentationSampler(BaseSampler):
    """Append ``n_copies`` augmented copies of every training spectrum, marked synthetic.

    The scikit-learn way to train on survey-like spectra: in an
    imbalanced-learn :class:`~imblearn.pipeline.Pipeline` this step acts at
    ``fit`` only, so the spectra to predict pass through untouched. Each copy
    is a fresh draw of ``augmenter`` (reddening, noise, ... see
    :class:`SpectrumAugmenter`) and keeps its spectrum's label. The real
    rows come first, the copies after them, and the copies are marked
    synthetic (:func:`skspec.utils.mark_synthetic`), so a skspec classifier
    right after this step keeps them out of its validation split, as it does
    for the GAN samplers' rows.

    Parameters
    ----------
    augmenter : SpectrumAugmenter or None, default=None
        The effects and their ranges (cloned at every fit); None is
        ``SpectrumAugmenter()``: E(B-V) uniform in 0-2 (G23, R(V) 3.1) and
        S/N log-uniform in 5-100.
    n_copies : int, default=1
        Augmented copies appended per real spectrum (0 returns the input).
    wavelength : array-like or Quantity of shape (n_pixels,), default=None
        Grid of the spectra's columns; overrides the augmenter's own.
    random_state : int, RandomState instance or None, default=None
        Seed of the copies; None takes the augmenter's ``random_state``. Every
        copy is a different draw.

    Attributes
    ----------
    augmenter_ : SpectrumAugmenter
        The clone used.
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
    >>> from skspec.utils import get_synthetic_mask
    >>> wave = np.geomspace(3900.0, 7400.0, 100)
    >>> X = np.ones((6, 100))
    >>> y = np.array([0, 0, 0, 0, 1, 1])
    >>> sampler = AugmentationSampler(SpectrumAugmenter(wave), n_copies=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res)
    ((18, 100), array([12,  6]))
    >>> int(get_synthetic_mask(X_res).sum())
    12
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "augmenter": [HasMethods(["augment"]), None],
        "n_copies": [Interval(Integral, 0, None, closed="left")],
        "wavelength": ["array-like", None],
        "random_state": ["random_state"],
    }

    def __init__(self, augmenter=None, *, n_copies=1, wavelength=None, random_state=None):
        super().__init__()
        self.augmenter = augmenter
        self.n_copies = n_copies
        self.wavelength = wavelength
        self.random_state = random_state

    def _check_X_y(self, X, y, accept_sparse=None):
        # spectra are dense: a sparse matrix is refused by validate_data
        return super()._check_X_y(X, y, accept_sparse=False)

    def fit_resample(self, X, y, **params):
        """Append the augmented copies and mark them synthetic.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Training spectra (no NaN).
        y : array-like of shape (n_spectra,)
            Labels.

        Returns
        -------
        X_resampled : ndarray of shape (n_spectra * (n_copies + 1), n_pixels)
            ``X`` first, then the copies (copy ``k`` of spectrum ``i`` at row
            ``(k + 1) * n_spectra + i``); the copies are marked synthetic.
        y_resampled : ndarray of shape (n_spectra * (n_copies + 1),)
        """
        X_res, y_res = super().fit_resample(X, y, **params)
        if isinstance(X_res, np.ndarray):
            mark_synthetic(X_res, n_real=self._n_real)
        return X_res, y_res

    def _fit_resample(self, X, y):
        self.augmenter_ = SpectrumAugmenter() if self.augmenter is None else clone(self.augmenter)
        seed = self.random_state
        if seed is None:
            seed = getattr(self.augmenter_, "random_state", None)
        rng = check_random_state(seed)
        self._n_real = X.shape[0]
        copies = [self.augmenter_.augment(X, wavelength=self.wavelength, random_state=rng)
                  for _ in range(self.n_copies)]
        labels, counts = np.unique(y, return_counts=True)
        self.sampling_strategy_ = {label: int(c) * self.n_copies for label, c in zip(labels, counts)}
        X_res = np.concatenate([X, *copies]) if copies else X.copy()
        y_res = np.concatenate([y] * (self.n_copies + 1))
        return X_res, y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags
