"""Over-sampling inside ``RACNetClassifier.fit``: the sampler sees training rows only.

The one mechanism by which skspec keeps synthetic rows out of validation:
``RACNetClassifier(sampler=...)`` first draws its real validation spectra
(:class:`RealValidSplit`, by star when ``groups`` are given), then fits a
clone of the sampler on the remaining (training) rows only, and knows which
rows are synthetic because an over-sampler returns its input rows first,
unchanged and in order, and appends the new rows after them (the contract of
every imbalanced-learn over-sampler, checked here). Nothing is recorded
outside the call, so no transformer, copy or cache can lose it.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone


def resample_training_rows(sampler, X: np.ndarray, y: np.ndarray):
    """Fit a clone of ``sampler`` on ``(X, y)``; return ``(X_res, y_res, n_new, fitted)``.

    ``X_res[:len(X)]`` are the input rows, ``X_res[len(X):]`` the ``n_new``
    synthetic ones. Raises a ValueError naming the sampler when it does not
    keep every input row first and in order (an under-sampler, a shuffling
    sampler), since its synthetic rows could then not be told apart.
    """
    sampler = clone(sampler)
    name = type(sampler).__name__
    X_res, y_res = sampler.fit_resample(X, y)
    if hasattr(X_res, "toarray"):
        X_res = X_res.toarray()
    X_res, y_res = np.asarray(X_res), np.asarray(y_res)
    n_real = len(X)
    if X_res.ndim != 2 or X_res.shape[1] != X.shape[1] or len(y_res) != len(X_res):
        raise ValueError(
            f"sampler {name} returned X of shape {X_res.shape} and y of {len(y_res)} labels "
            f"from X of shape {X.shape}"
        )
    if len(X_res) < n_real:
        raise ValueError(
            f"sampler {name} returned {len(X_res)} rows from {n_real}; RACNetClassifier(sampler=...) "
            "takes over-samplers only (they keep every real row)"
        )
    if not (np.array_equal(X_res[:n_real], X, equal_nan=True) and np.array_equal(y_res[:n_real], y)):
        raise ValueError(
            f"sampler {name} does not return its input rows first, unchanged and in order; "
            "cannot tell which rows are synthetic"
        )
    return X_res.astype(X.dtype, copy=False), y_res, len(X_res) - n_real, sampler
