"""Group-aware cross-validation for rare classes: leave one star of a class out."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, column_or_1d

__all__ = ["LeaveOneStarOut"]


def _group_labels(y: np.ndarray, groups: np.ndarray):
    """Unique groups and the class of each (ValueError if a star has two classes)."""
    uniq, inverse = np.unique(groups, return_inverse=True)
    labels = np.empty(len(uniq), dtype=y.dtype)
    for g in range(len(uniq)):
        classes = np.unique(y[inverse == g])
        if len(classes) > 1:
            raise ValueError(
                f"group {str(uniq[g])!r} holds spectra of several classes {classes.tolist()}; "
                "a star (group) must have one class"
            )
        labels[g] = classes[0]
    return uniq, inverse, labels


class LeaveOneStarOut(BaseCrossValidator):
    """Hold out one star of a rare class per split, plus a share of the others.

    With about ten real O stars, a K-fold split puts one or two O spectra in a
    test fold, or none. This splitter makes one split per star (group) of
    ``target_class``: its test set holds **all** spectra of that one star plus,
    for every other class, a random share ``test_size`` of that class's stars
    (again all their spectra; at least one star per class when the class has
    two or more stars, and never all of them). Everything else is training
    data, so the other stars of ``target_class`` are always in training and
    no star is ever in both train and test.

    The draw of the other classes' test stars is independent for every split
    and fully determined by ``random_state``. Test sets of the other classes
    therefore overlap between splits, and some of their stars may never be
    tested: pool scores or confusion matrices over splits (e.g. with
    :func:`skspec.metrics.cross_val_confusion_matrix`) rather than calling
    :func:`~sklearn.model_selection.cross_val_predict`, which needs a
    partition.

    Parameters
    ----------
    target_class : object, default="O"
        The class whose stars are left out one at a time.
    test_size : float, default=0.2
        Share of the stars of every other class put in each test set, in
        (0, 1). Rounded to the nearest whole number of stars, clipped to
        ``[1, n_stars - 1]`` for classes with at least two stars; a class with
        a single star stays in training.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of the other classes' test stars. Use an int for
        splits that are the same on every call of ``split``.

    Notes
    -----
    ``split`` needs ``y`` (class labels) and ``groups`` (star identifiers such
    as the ``object`` column of :func:`skspec.datasets.load_obafgkm`). With
    ``cross_val_score(..., groups=data.object, cv=LeaveOneStarOut())``
    scikit-learn passes both. A group whose spectra carry different classes
    raises a ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.model_selection import LeaveOneStarOut
    >>> y = np.array(["O", "O", "O", "F", "F", "F", "F", "F"])
    >>> groups = np.array(["o1", "o1", "o2", "f1", "f2", "f3", "f4", "f5"])
    >>> cv = LeaveOneStarOut(target_class="O", test_size=0.4, random_state=0)
    >>> cv.get_n_splits(y=y, groups=groups)
    2
    >>> for train, test in cv.split(np.zeros((8, 1)), y, groups):
    ...     print(sorted(set(groups[test].tolist())))
    ['f1', 'f3', 'o1']
    ['f1', 'f3', 'o2']
    """

    # ``split`` consumes ``groups`` under metadata routing (what sklearn's
    # private GroupsConsumerMixin declares; the documented class attribute)
    __metadata_request__split = {"groups": True}

    def __init__(self, target_class="O", *, test_size: float = 0.2, random_state=None):
        self.target_class = target_class
        self.test_size = test_size
        self.random_state = random_state

    def _check(self, y, groups):
        if y is None:
            raise ValueError("LeaveOneStarOut.split needs the class labels y")
        if groups is None:
            raise ValueError(
                "LeaveOneStarOut.split needs groups (one star id per spectrum, "
                "e.g. the 'object' column of load_obafgkm())"
            )
        if not 0 < self.test_size < 1:
            raise ValueError(f"test_size must be in (0, 1), got {self.test_size!r}")
        y = column_or_1d(y)
        groups = column_or_1d(check_array(groups, ensure_2d=False, dtype=None))
        if len(y) != len(groups):
            raise ValueError(f"y has {len(y)} labels but groups has {len(groups)}")
        uniq, inverse, labels = _group_labels(y, groups)
        targets = np.flatnonzero(labels == self.target_class)
        if len(targets) == 0:
            raise ValueError(
                f"no star of target_class={self.target_class!r} in y "
                f"(classes: {np.unique(y).tolist()})"
            )
        return uniq, inverse, labels, targets

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits: the number of stars of ``target_class``.

        Parameters
        ----------
        X : object
            Ignored.
        y : array-like of shape (n_samples,)
            Class labels.
        groups : array-like of shape (n_samples,)
            Star identifiers.

        Returns
        -------
        n_splits : int
        """
        return len(self._check(y, groups)[3])

    def _iter_test_indices(self, X=None, y=None, groups=None):
        uniq, inverse, labels, targets = self._check(y, groups)
        rng = check_random_state(self.random_state)
        others = [c for c in np.unique(labels) if c != self.target_class]
        for star in targets:
            test_groups = [star]
            for cls in others:
                members = np.flatnonzero(labels == cls)
                if len(members) < 2:
                    continue
                n_test = int(np.clip(round(self.test_size * len(members)), 1, len(members) - 1))
                test_groups.extend(rng.choice(members, size=n_test, replace=False))
            yield np.flatnonzero(np.isin(inverse, test_groups))

