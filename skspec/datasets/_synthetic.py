"""A small, seeded family of synthetic spectra for tests and quick examples."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_spectra"]


def make_spectra(
    n_samples: int = 100,
    n_features: int = 256,
    *,
    n_classes: int = 2,
    weights=None,
    n_lines: int = 3,
    line_depth: float = 0.5,
    line_width: float | None = None,
    jitter: float = 1.0,
    noise: float = 0.01,
    return_wavelength: bool = False,
    random_state=None,
):
    """Generate spectra made of a sloped continuum and absorption lines.

    Every class has ``n_lines`` Gaussian absorption lines at fixed, class-specific
    pixel positions (drawn once from ``random_state``). Each spectrum moves its
    lines by up to ``jitter`` pixels, scales their depth by 0.8 to 1.2, tilts
    the continuum and adds Gaussian noise of relative amplitude ``noise``. The
    class is therefore written in where the lines are, which is what a spectral
    classifier or generator has to learn.

    Parameters
    ----------
    n_samples : int, default=100
        Number of spectra.
    n_features : int, default=256
        Number of pixels per spectrum.
    n_classes : int, default=2
        Number of classes (labels ``0 .. n_classes - 1``).
    weights : array-like of shape (n_classes,), default=None
        Class proportions (normalised to sum to one); balanced when None.
        Counts are ``weights * n_samples`` rounded by largest remainder, so
        a class expected to hold 0.8 spectra gets one.
    n_lines : int, default=3
        Absorption lines per class.
    line_depth : float, default=0.5
        Mean fractional depth of a line (0 = no line, 1 = black core).
    line_width : float, default=None
        Gaussian sigma of a line in pixels; ``n_features / 128`` (at least 1)
        when None.
    jitter : float, default=1.0
        Maximum shift of a line, in pixels, from spectrum to spectrum.
    noise : float, default=0.01
        Standard deviation of the Gaussian noise relative to the continuum.
    return_wavelength : bool, default=False
        Also return a wavelength axis (Angstrom, log-uniform from 3900 to 7400).
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float32
        Positive flux.
    y : ndarray of shape (n_samples,), int
        Class labels.
    wavelength : ndarray of shape (n_features,)
        Only when ``return_wavelength`` is True.

    Examples
    --------
    >>> from skspec.datasets import make_spectra
    >>> X, y = make_spectra(60, 64, weights=[0.9, 0.1], random_state=0)
    >>> X.shape, X.dtype, int((y == 1).sum())
    ((60, 64), dtype('float32'), 6)
    """
    if n_samples < 1 or n_features < 2 or n_classes < 1 or n_lines < 0:
        raise ValueError("n_samples, n_classes must be >= 1 and n_features >= 2")
    rng = check_random_state(random_state)
    if weights is None:
        weights = np.full(n_classes, 1.0 / n_classes)
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (n_classes,) or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f"weights must be {n_classes} non-negative numbers, got {weights!r}")
    weights = weights / weights.sum()
    exact = weights * n_samples
    counts = np.floor(exact).astype(int)
    # the spectra left over go to the largest remainders (then the larger weights): handing
    # them to the largest weights left a rare class of 0.8 expected spectra with none
    order = np.lexsort((-weights, -(exact - counts)))
    counts[order[: n_samples - counts.sum()]] += 1
    y = np.repeat(np.arange(n_classes), counts)

    sigma = line_width if line_width is not None else max(1.0, n_features / 128)
    margin = 3 * sigma + jitter
    centres = rng.uniform(margin, n_features - 1 - margin, size=(n_classes, n_lines))

    pix = np.arange(n_features, dtype=float)
    X = np.empty((n_samples, n_features))
    for i, label in enumerate(y):
        slope = rng.uniform(-0.3, 0.3)
        continuum = 1.0 + slope * (pix / (n_features - 1) - 0.5)
        absorption = np.zeros(n_features)
        for c in centres[label]:
            shift = rng.uniform(-jitter, jitter)
            depth = line_depth * rng.uniform(0.8, 1.2)
            absorption += depth * np.exp(-0.5 * ((pix - c - shift) / sigma) ** 2)
        spectrum = continuum * np.clip(1.0 - absorption, 0.02, None)
        X[i] = spectrum + noise * continuum * rng.standard_normal(n_features)
    X = np.clip(X, 1e-3, None).astype(np.float32)

    order = rng.permutation(n_samples)
    X, y = X[order], y[order]
    if return_wavelength:
        wavelength = np.geomspace(3900.0, 7400.0, n_features)
        return X, y, wavelength
    return X, y
