"""Tell downstream estimators which rows of a resampled array are synthetic.

imbalanced-learn pipelines hand the output of ``fit_resample`` straight to the
next step, with no side channel for per-row metadata. skspec samplers (and
:class:`~skspec.over_sampling.MarkSynthetic` around any other sampler) append
the synthetic rows after the real ones and record, for that very array object,
how many leading rows are real. A classifier such as
:class:`~skspec.neural_network.RACNetClassifier` then asks
:func:`get_synthetic_mask` so that its validation split holds real rows only.

The record is keyed by the array's identity and held through a weak reference,
so it disappears with the array and never leaks onto a copy: a copied or
converted array is simply "unknown" (``None``), never mislabelled.
"""

from __future__ import annotations

import weakref

import numpy as np

_REGISTRY: dict[int, tuple[weakref.ref, int]] = {}


def _forget(key: int) -> None:
    _REGISTRY.pop(key, None)


def mark_synthetic(X: np.ndarray, n_real: int) -> np.ndarray:
    """Record that the rows ``X[n_real:]`` of ``X`` are synthetic.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The resampled array (real rows first, synthetic rows appended).
    n_real : int
        Number of leading real rows.

    Returns
    -------
    X : ndarray
        The same object, so that ``return mark_synthetic(X, n), y`` reads well.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.utils import mark_synthetic, get_synthetic_mask
    >>> X = mark_synthetic(np.zeros((4, 3)), n_real=3)
    >>> get_synthetic_mask(X)
    array([False, False, False,  True])
    >>> get_synthetic_mask(X.copy()) is None
    True
    """
    n_real = int(n_real)
    if not 0 <= n_real <= len(X):
        raise ValueError(f"n_real={n_real} is outside [0, {len(X)}]")
    key = id(X)
    _REGISTRY[key] = (weakref.ref(X, lambda _ref, key=key: _forget(key)), n_real)
    return X


def get_synthetic_mask(X) -> np.ndarray | None:
    """Boolean mask of the synthetic rows of ``X``, or None when unknown."""
    entry = _REGISTRY.get(id(X))
    if entry is None or entry[0]() is not X:
        return None
    mask = np.zeros(len(X), dtype=bool)
    mask[entry[1]:] = True
    return mask
