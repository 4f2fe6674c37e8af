"""One way to turn a sklearn-style ``random_state`` into integer seeds."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

SEED_MAX = np.iinfo(np.int32).max


def draw_seed(random_state) -> int:
    """Draw one integer seed in ``[0, 2**31 - 1)`` from a ``random_state``.

    ``random_state`` is None, an int or a :class:`numpy.random.RandomState`
    (which advances), as everywhere in scikit-learn.

    Examples
    --------
    >>> from skspec.utils._random import draw_seed
    >>> draw_seed(0) == draw_seed(0)
    True
    """
    return int(check_random_state(random_state).randint(SEED_MAX))
