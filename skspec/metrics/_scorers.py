"""Recognition scores for one rare class, per fold and pooled over folds."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import f1_score, make_scorer, precision_score, recall_score
from sklearn.metrics import confusion_matrix as _confusion_matrix
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, _safe_indexing, indexable
from sklearn.utils._param_validation import HasMethods, validate_params
from sklearn.utils.parallel import Parallel, delayed

__all__ = ["cross_val_confusion_matrix", "make_recognition_scorers", "scores_from_confusion"]


@validate_params({"target_class": "no_validation"}, prefer_skip_nested_validation=True)
def make_recognition_scorers(target_class="O") -> dict:
    """Scorers for recognising one class, for ``cross_validate(scoring=...)``.

    Keys: ``recall_<c>``, ``precision_<c>``, ``f1_<c>`` (``<c>`` the
    target class, one-vs-rest), ``f1_macro`` (over the classes present in the
    fold's truth or predictions) and ``balanced_accuracy``.

    Recall, precision and F1 of the target class are NaN (not 0) in a fold
    where they are undefined: no spectrum of the target class in the fold
    (recall), none predicted as it (precision), or none in truth nor
    prediction (F1); a 0 would count a fold without O stars as one that
    missed them all. Average such folds with ``np.nanmean``
    or, better with one or two target spectra per fold, pool the folds'
    confusion matrices (:func:`cross_val_confusion_matrix`,
    :func:`scores_from_confusion`).

    Parameters
    ----------
    target_class : object, default="O"
        Label of the rare class.

    Returns
    -------
    scorers : dict of str to scorer

    Examples
    --------
    >>> from sklearn.model_selection import StratifiedKFold, cross_validate
    >>> from sklearn.svm import SVC
    >>> from skspec.datasets import make_spectra
    >>> from skspec.metrics import make_recognition_scorers
    >>> X, y = make_spectra(60, 64, weights=[0.8, 0.2], random_state=0)
    >>> scores = cross_validate(SVC(), X, y, cv=StratifiedKFold(3),
    ...                         scoring=make_recognition_scorers(target_class=1))
    >>> sorted(k for k in scores if k.startswith("test_"))
    ['test_balanced_accuracy', 'test_f1_1', 'test_f1_macro', 'test_precision_1', 'test_recall_1']
    >>> float(scores["test_recall_1"].mean())
    1.0
    """
    # one-vs-rest on the target class; pos_label=None so that string labels work
    # with two classes too (sklearn otherwise checks pos_label=1 for binary y)
    one = {"labels": [target_class], "average": "macro", "pos_label": None}
    return {
        f"recall_{target_class}": make_scorer(recall_score, zero_division=np.nan, **one),
        f"precision_{target_class}": make_scorer(precision_score, zero_division=np.nan, **one),
        f"f1_{target_class}": make_scorer(f1_score, zero_division=np.nan, **one),
        "f1_macro": make_scorer(f1_score, average="macro", zero_division=0.0, pos_label=None),
        "balanced_accuracy": "balanced_accuracy",
    }


def _fit_predict(estimator, X, y, train, test):
    estimator.fit(_safe_indexing(X, train), _safe_indexing(y, train))
    return estimator.predict(_safe_indexing(X, test))


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict"])],
        "X": ["array-like"],
        "y": ["array-like"],
        "groups": ["array-like", None],
        "cv": ["cv_object"],
        "labels": ["array-like", None],
        "n_jobs": [int, None],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=False,
)
def cross_val_confusion_matrix(estimator, X, y, *, groups=None, cv=None, labels=None,
                               n_jobs=None, verbose=0) -> Bunch:
    """Fit and predict on every split; return per-split and pooled confusion matrices.

    Unlike :func:`~sklearn.model_selection.cross_val_predict` the splits need
    not partition the data (e.g. :class:`skspec.model_selection.LeaveOneStarOut`,
    whose test sets of the common classes overlap). To evaluate on degraded
    spectra only, put ``SpectrumDegrader(degrade_training=False)`` first in
    ``estimator``.

    Parameters
    ----------
    estimator : estimator with fit and predict
        Cloned for every split.
    X : array-like of shape (n_samples, n_pixels)
    y : array-like of shape (n_samples,)
    groups : array-like of shape (n_samples,), default=None
        Star identifiers, for group-aware splitters.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (None: 5-fold, stratified for classifiers).
    labels : array-like, default=None
        Row/column order of the matrices; all classes of ``y`` when None.
    n_jobs : int, default=None
        Splits run in parallel with joblib.
    verbose : int, default=0
        Show a progress bar over the splits.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``labels``; ``confusion_matrices`` (n_splits, n_labels, n_labels),
        rows true and columns predicted; ``confusion_matrix`` their sum (every
        test prediction pooled); ``test_indices`` and ``y_pred``, lists with
        one array per split.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVC
    >>> from skspec.datasets import make_spectra
    >>> from skspec.metrics import cross_val_confusion_matrix, scores_from_confusion
    >>> from skspec.model_selection import LeaveOneStarOut
    >>> X, y = make_spectra(60, 64, weights=[0.9, 0.1], random_state=0)
    >>> stars = np.arange(60)  # one spectrum per star
    >>> result = cross_val_confusion_matrix(SVC(), X, y, groups=stars,
    ...                                     cv=LeaveOneStarOut(target_class=1, random_state=0))
    >>> result.confusion_matrices.shape
    (6, 2, 2)
    >>> scores_from_confusion(result.confusion_matrix, result.labels, target_class=1)["recall_1"]
    1.0
    """
    X, y, groups = indexable(X, y, groups)
    y_arr = np.asarray(y)
    labels = np.unique(y_arr) if labels is None else np.asarray(labels)
    cv = check_cv(cv, y_arr, classifier=is_classifier(estimator))
    splits = list(cv.split(X, y_arr, groups))
    if verbose:
        from tqdm.auto import tqdm

        splits_iter = tqdm(splits, desc="cross_val_confusion_matrix")
    else:
        splits_iter = splits
    y_pred = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(clone(estimator), X, y_arr, train, test)
        for train, test in splits_iter
    )
    return _confusion_over_splits(y_arr, [test for _, test in splits], y_pred, labels)


def _confusion_over_splits(y, test_indices, y_pred, labels) -> Bunch:
    """Per-split and pooled confusion matrices from each split's test rows and predictions.

    The second half of :func:`cross_val_confusion_matrix`, for callers that fit
    and predict themselves (``skspec reproduce`` fits many methods per split).
    """
    y = np.asarray(y)
    labels = np.asarray(labels)
    matrices = np.stack([
        _confusion_matrix(y[test], np.asarray(pred), labels=labels)
        for test, pred in zip(test_indices, y_pred)
    ])
    return Bunch(
        labels=labels,
        confusion_matrices=matrices,
        confusion_matrix=matrices.sum(axis=0),
        test_indices=list(test_indices),
        y_pred=[np.asarray(p) for p in y_pred],
    )


def _ratio(num, den):
    return float(num / den) if den > 0 else float("nan")


@validate_params(
    {"confusion_matrix": ["array-like"], "labels": ["array-like"], "target_class": "no_validation"},
    prefer_skip_nested_validation=True,
)
def scores_from_confusion(confusion_matrix, labels, *, target_class="O") -> dict:
    """Recall, precision and F1 of one class, macro F1 and balanced accuracy from a matrix.

    Parameters
    ----------
    confusion_matrix : array-like of shape (n_labels, n_labels)
        Rows true class, columns predicted (scikit-learn's convention), e.g.
        the pooled ``confusion_matrix`` of :func:`cross_val_confusion_matrix`.
    labels : array-like of shape (n_labels,)
        Class of every row/column.
    target_class : object, default="O"
        The class whose recall, precision and F1 are reported.

    Returns
    -------
    scores : dict
        ``recall_<c>``, ``precision_<c>``, ``f1_<c>``, ``f1_macro`` (over the
        classes with at least one true or predicted spectrum) and
        ``balanced_accuracy`` (mean recall over the classes with true
        spectra); NaN where undefined. Plain floats, ready for JSON.

    Examples
    --------
    >>> from skspec.metrics import scores_from_confusion
    >>> cm = [[8, 2], [1, 9]]  # rows: true O, true F
    >>> scores = scores_from_confusion(cm, ["O", "F"], target_class="O")
    >>> scores["recall_O"], round(scores["precision_O"], 3)
    (0.8, 0.889)
    """
    cm = np.asarray(confusion_matrix, dtype=float)
    labels = list(np.asarray(labels))
    if cm.ndim != 2 or cm.shape != (len(labels), len(labels)):
        raise ValueError(f"confusion_matrix has shape {cm.shape}, expected {(len(labels),) * 2}")
    if target_class not in labels:
        raise ValueError(f"target_class={target_class!r} is not in labels {labels}")
    true, pred, hit = cm.sum(axis=1), cm.sum(axis=0), np.diag(cm)
    f1 = np.array([_ratio(2 * hit[i], true[i] + pred[i]) for i in range(len(labels))])
    recall = np.array([_ratio(hit[i], true[i]) for i in range(len(labels))])
    t = labels.index(target_class)
    return {
        f"recall_{target_class}": _ratio(hit[t], true[t]),
        f"precision_{target_class}": _ratio(hit[t], pred[t]),
        f"f1_{target_class}": float(f1[t]),
        "f1_macro": float(np.nanmean(f1)) if np.isfinite(f1).any() else float("nan"),
        "balanced_accuracy": float(np.nanmean(recall)) if np.isfinite(recall).any() else float("nan"),
    }
