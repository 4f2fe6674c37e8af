"""Mark the rows that any imbalanced-learn over-sampler appended as synthetic."""

from __future__ import annotations

import numpy as np
from imblearn.base import BaseSampler
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import _num_samples

from ..utils import mark_synthetic

__all__ = ["MarkSynthetic"]


class MarkSynthetic(BaseSampler):
    """Run an imbalanced-learn over-sampler and mark the rows it appended.

    imbalanced-learn's over-samplers (:class:`~imblearn.over_sampling.SMOTE`,
    :class:`~imblearn.over_sampling.RandomOverSampler`, ...) return the real
    rows first and the new rows after them. This wrapper checks that, then
    records it with :func:`skspec.utils.mark_synthetic`, so that a skspec
    classifier later in the pipeline keeps the new rows out of its
    validation split, as it does for :class:`LCGAN` and :class:`SGAN`.

    Parameters
    ----------
    sampler : imbalanced-learn over-sampler, default=None
        The sampler to run (cloned at every fit);
        :class:`~imblearn.over_sampling.RandomOverSampler` when None.

    Attributes
    ----------
    sampler_ : sampler
        The fitted clone of ``sampler``.
    sampling_strategy_ : dict
        The fitted sampler's ``sampling_strategy_``.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn.over_sampling import SMOTE
    >>> from skspec.over_sampling import MarkSynthetic
    >>> from skspec.utils import get_synthetic_mask
    >>> X = np.arange(40, dtype=float).reshape(20, 2)
    >>> y = np.array([0] * 14 + [1] * 6)
    >>> X_res, y_res = MarkSynthetic(SMOTE(k_neighbors=3, random_state=0)).fit_resample(X, y)
    >>> int(get_synthetic_mask(X_res).sum())
    8
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {"sampler": [HasMethods(["fit_resample"]), None]}

    def __init__(self, sampler=None):
        super().__init__()
        self.sampler = sampler

    def fit(self, X, y, **params):
        """Fit the wrapped sampler (via ``fit_resample``); returns self."""
        self.fit_resample(X, y, **params)
        return self

    def fit_resample(self, X, y, **params):
        """Resample with the wrapped sampler and mark the appended rows.

        Returns
        -------
        X_resampled, y_resampled
            The wrapped sampler's output; ``X_resampled[len(X):]`` is marked
            synthetic.
        """
        self._validate_params()
        return self._fit_resample(X, y, **params)

    def _fit_resample(self, X, y, **params):
        if self.sampler is None:
            from imblearn.over_sampling import RandomOverSampler

            self.sampler_ = RandomOverSampler()
        else:
            self.sampler_ = clone(self.sampler)
        X_res, y_res = self.sampler_.fit_resample(X, y, **params)
        n_real, n_res = _num_samples(X), _num_samples(X_res)
        name = type(self.sampler_).__name__
        if n_res < n_real:
            raise ValueError(
                f"{name} returned {n_res} rows from {n_real}; MarkSynthetic wraps "
                "over-samplers only (they keep every real row)"
            )
        head = _safe_indexing(X_res, slice(0, n_real))
        if not _same_rows(head, X):
            raise ValueError(
                f"{name} does not return the real rows first, in order; cannot tell "
                "which rows are synthetic"
            )
        self.sampling_strategy_ = getattr(self.sampler_, "sampling_strategy_", None)
        if hasattr(self.sampler_, "n_features_in_"):
            self.n_features_in_ = self.sampler_.n_features_in_
        if isinstance(X_res, np.ndarray) or hasattr(X_res, "iloc"):
            mark_synthetic(X_res, n_real=n_real)
        return X_res, y_res


def _same_rows(head, X) -> bool:
    """True when the first rows of the output equal the input (dense or sparse)."""
    if hasattr(head, "toarray"):
        head = head.toarray()
    if hasattr(X, "toarray"):
        X = X.toarray()
    head, X = np.asarray(head), np.asarray(X)
    if head.shape != X.shape:
        return False
    if head.dtype.kind in "fc" or X.dtype.kind in "fc":
        return bool(np.array_equal(head, X, equal_nan=True))
    return bool(np.array_equal(head, X))
