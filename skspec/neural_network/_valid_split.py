"""RealValidSplit: the early-stopping validation split, real spectra only."""

from __future__ import annotations

import numpy as np
from skorch.dataset import get_len
from sklearn.utils import check_random_state
from torch.utils.data import Subset

__all__ = ["RealValidSplit"]


class RealValidSplit:
    """Stratified train/validation split that keeps synthetic rows in training.

    Every synthetic row goes to training. Of the real rows, a fraction
    ``valid_size`` of each class (rounded, at least one row of the class
    left for training) goes to validation, so early stopping and the
    validation scores are judged on real spectra only.

    With ``groups`` (one star id per row, e.g. the ``object`` column of
    :func:`skspec.datasets.load_obafgkm`), whole stars are drawn instead of
    rows: ``valid_size`` of the stars of each class (rounded, at least one
    star of the class left for training), and all real spectra of a drawn
    star validate, so that no star has spectra on both sides (repeat
    observations, as in LAMOST, would otherwise make validation
    optimistic). A star must have one class.

    Parameters
    ----------
    valid_size : float, default=0.3
        Fraction of the real rows of each class held out for validation.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle within each class.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.neural_network import RealValidSplit
    >>> y = np.array([0] * 10 + [1] * 10)
    >>> synthetic = np.arange(20) >= 15          # the last 5 rows are synthetic
    >>> train, valid = RealValidSplit(0.3, random_state=0).split_indices(y, synthetic)
    >>> len(valid), bool(synthetic[valid].any())
    (5, False)
    >>> stars = np.repeat(np.arange(10), 2)      # two spectra of each star
    >>> train, valid = RealValidSplit(0.4, random_state=0).split_indices(y, groups=stars)
    >>> sorted(set(stars[valid].tolist()) & set(stars[train].tolist()))
    []
    """

    def __init__(self, valid_size: float = 0.3, random_state=None):
        self.valid_size = valid_size
        self.random_state = random_state

    def split_indices(self, y, is_synthetic=None, groups=None) -> tuple[np.ndarray, np.ndarray]:
        """Return sorted ``(train_indices, valid_indices)`` for labels ``y``.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Labels (the split is stratified by them).
        is_synthetic : array-like of bool of shape (n_samples,) or None
            Rows that never validate.
        groups : array-like of shape (n_samples,) or None
            Star id of every row; None treats every row as its own star.
        """
        y = np.asarray(y)
        real = np.ones(len(y), dtype=bool) if is_synthetic is None else ~np.asarray(is_synthetic, dtype=bool)
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (len(y),):
                raise ValueError(f"groups must have one star id per row: shape ({len(y)},), got {groups.shape}")
        rng = check_random_state(self.random_state)
        valid = []
        for label in np.unique(y):
            rows = np.flatnonzero(real & (y == label))
            if groups is None:
                n_valid = min(int(round(self.valid_size * len(rows))), len(rows) - 1)
                if n_valid > 0:
                    valid.append(rng.permutation(rows)[:n_valid])
                continue
            stars = np.unique(groups[rows])
            n_valid = min(int(round(self.valid_size * len(stars))), len(stars) - 1)
            if n_valid > 0:
                chosen = rng.permutation(stars)[:n_valid]
                valid.append(rows[np.isin(groups[rows], chosen)])
        valid = np.sort(np.concatenate(valid)) if valid else np.array([], dtype=np.intp)
        if groups is not None and valid.size:
            _check_one_class_per_star(y[real], groups[real])
        train = np.setdiff1d(np.arange(len(y)), valid)
        return train, valid

    def __call__(self, dataset, y=None, groups=None, is_synthetic=None):
        """skorch ``train_split`` protocol: return (train, valid) datasets."""
        if y is None:
            raise ValueError("RealValidSplit needs y to stratify the validation split")
        train, valid = self.split_indices(y, is_synthetic, groups)
        if valid.size == 0:
            raise ValueError(
                f"valid_size={self.valid_size} leaves no real spectrum for validation "
                f"({get_len(dataset)} rows); give more real spectra or set valid_size=None"
            )
        return Subset(dataset, train), Subset(dataset, valid)

    def __repr__(self) -> str:
        return f"RealValidSplit(valid_size={self.valid_size!r}, random_state={self.random_state!r})"


def _check_one_class_per_star(y: np.ndarray, groups: np.ndarray) -> None:
    stars, star_idx = np.unique(groups, return_inverse=True)
    _, label_idx = np.unique(y, return_inverse=True)
    pairs = np.unique(np.stack([star_idx.ravel(), label_idx.ravel()]), axis=1)
    counts = np.bincount(pairs[0], minlength=len(stars))
    if (counts > 1).any():
        g = int(np.flatnonzero(counts > 1)[0])
        raise ValueError(
            f"group {str(stars[g])!r} holds spectra of several classes "
            f"{np.unique(y[star_idx.ravel() == g]).tolist()}; a star (group) must have one class"
        )
