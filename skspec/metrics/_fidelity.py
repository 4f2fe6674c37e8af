"""How close generated spectra are to real ones: Frechet distance, PRDC, memorisation.

All functions compare a set of real spectra with a set of generated spectra
of the same class, in a feature space chosen by ``embedding``:

- ``"pca"``: principal components fitted on the **real** spectra only
  (``n_components``, capped by the number of real spectra);
- ``None``: the flux itself (normalise the spectra first, e.g. with
  :class:`~skspec.preprocessing.FluxNormalizer`);
- a callable ``f(X) -> features`` (e.g. the penultimate layer of a trained
  classifier) or a fitted transformer with ``transform``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import pairwise_distances
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

__all__ = ["frechet_distance", "memorisation_check", "precision_recall_density_coverage"]

_EMBEDDING = "no_validation"  # "pca", None, a callable or a transformer: checked in _embed


_BAD_EMBEDDING = "embedding must be 'pca', None, a callable or a transformer, got {!r}"


def _embed(X_real, X_generated, embedding, n_components):
    X_real = check_array(X_real, dtype=np.float64)
    X_generated = check_array(X_generated, dtype=np.float64)
    if X_real.shape[1] != X_generated.shape[1]:
        raise ValueError(
            f"real spectra have {X_real.shape[1]} pixels, generated ones {X_generated.shape[1]}"
        )
    if embedding is None:
        return X_real, X_generated
    if isinstance(embedding, str):
        if embedding != "pca":
            raise ValueError(_BAD_EMBEDDING.format(embedding))
        n = int(min(n_components, X_real.shape[0], X_real.shape[1]))
        pca = PCA(n_components=n, svd_solver="full").fit(X_real)
        return pca.transform(X_real), pca.transform(X_generated)
    f = embedding.transform if hasattr(embedding, "transform") else embedding
    if not callable(f):
        raise ValueError(_BAD_EMBEDDING.format(embedding))
    F_real, F_gen = (check_array(np.asarray(f(Z)), dtype=np.float64) for Z in (X_real, X_generated))
    return F_real, F_gen


def _sqrt_psd(S):
    w, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(w, 0, None))) @ V.T


@validate_params(
    {
        "X_real": ["array-like"],
        "X_generated": ["array-like"],
        "embedding": _EMBEDDING,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def frechet_distance(X_real, X_generated, *, embedding="pca", n_components=10) -> float:
    """Frechet distance between Gaussians fitted to real and generated features.

    ``||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r^1/2 S_g S_r^1/2)^1/2)``, the
    FID of Heusel et al. (2017) in the feature space ``embedding`` (see the
    module notes). Zero for identical sets; it grows with the shift of the
    means and the mismatch of the spreads. With few real spectra (ten O
    stars) keep ``n_components`` small: the covariance is estimated from
    them.

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_pixels)
        Real spectra (at least 2).
    X_generated : array-like of shape (n_generated, n_pixels)
        Generated spectra (at least 2).
    embedding : "pca", None, callable or transformer, default="pca"
        Feature space.
    n_components : int, default=10
        Number of principal components with ``embedding="pca"``.

    Returns
    -------
    distance : float

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(200, 20))
    >>> round(frechet_distance(real, real), 6)
    0.0
    >>> frechet_distance(real, real + 3.0, embedding=None) > 100
    True
    """
    F_real, F_gen = _embed(X_real, X_generated, embedding, n_components)
    if len(F_real) < 2 or len(F_gen) < 2:
        raise ValueError("frechet_distance needs at least 2 real and 2 generated spectra")
    mu_r, mu_g = F_real.mean(axis=0), F_gen.mean(axis=0)
    S_r = np.atleast_2d(np.cov(F_real, rowvar=False))
    S_g = np.atleast_2d(np.cov(F_gen, rowvar=False))
    root_r = _sqrt_psd(S_r)
    cross = np.linalg.eigvalsh(root_r @ S_g @ root_r)
    trace_cross = np.sqrt(np.clip(cross, 0, None)).sum()
    fd = ((mu_r - mu_g) ** 2).sum() + np.trace(S_r) + np.trace(S_g) - 2.0 * trace_cross
    return float(max(fd, 0.0))


def _kth_radius(F, k):
    D = pairwise_distances(F)
    np.fill_diagonal(D, np.inf)
    return np.sort(D, axis=1)[:, k - 1]


@validate_params(
    {
        "X_real": ["array-like"],
        "X_generated": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "embedding": _EMBEDDING,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def precision_recall_density_coverage(X_real, X_generated, *, k=5, embedding="pca",
                                      n_components=10) -> dict:
    """k-NN precision and recall (Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020).

    Every spectrum gets a ball whose radius is the distance to its k-th
    nearest neighbour within its own set.

    - precision: share of generated spectra inside at least one real ball
      (are the generated spectra realistic?);
    - recall: share of real spectra inside at least one generated ball (is
      the variety of the real spectra covered?);
    - density: mean number of real balls a generated spectrum falls in,
      divided by k (about 1 when the two sets come from one distribution;
      above 1 when generated spectra crowd into dense real regions);
    - coverage: share of real spectra whose own ball holds at least one
      generated spectrum (recall that is robust to generated outliers).

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_pixels)
        Real spectra, more than ``k``.
    X_generated : array-like of shape (n_generated, n_pixels)
        Generated spectra, more than ``k``.
    k : int, default=5
        Neighbour defining the radii (Naeem et al. use 5). With ten real O
        spectra use 3.
    embedding : "pca", None, callable or transformer, default="pca"
        Feature space (see the module notes).
    n_components : int, default=10
        Number of principal components with ``embedding="pca"``.

    Returns
    -------
    scores : dict
        ``precision``, ``recall``, ``density``, ``coverage`` (floats).

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import precision_recall_density_coverage
    >>> real = np.random.default_rng(0).normal(size=(100, 8))
    >>> scores = precision_recall_density_coverage(real, real, embedding=None)
    >>> scores["precision"], scores["recall"], scores["coverage"]
    (1.0, 1.0, 1.0)
    """
    F_real, F_gen = _embed(X_real, X_generated, embedding, n_components)
    if len(F_real) <= k or len(F_gen) <= k:
        raise ValueError(
            f"k={k} needs more than k real and generated spectra "
            f"(got {len(F_real)} real, {len(F_gen)} generated)"
        )
    r_real, r_gen = _kth_radius(F_real, k), _kth_radius(F_gen, k)
    D = pairwise_distances(F_gen, F_real)  # (n_gen, n_real)
    in_real_ball = D <= r_real[None, :]
    return {
        "precision": float(in_real_ball.any(axis=1).mean()),
        "recall": float((D <= r_gen[:, None]).any(axis=0).mean()),
        "density": float(in_real_ball.sum() / (k * len(F_gen))),
        "coverage": float(in_real_ball.any(axis=0).mean()),
    }


@validate_params(
    {
        "X_train": ["array-like"],
        "X_generated": ["array-like"],
        "percentile": [Interval(Real, 0, 100, closed="both")],
        "embedding": _EMBEDDING,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def memorisation_check(X_train, X_generated, *, percentile=5.0, embedding=None,
                       n_components=10) -> Bunch:
    """Flag generated spectra that are near-copies of a training spectrum.

    For every generated spectrum, the distance to its nearest **training**
    spectrum (the real spectra the generator learnt from) is compared with
    the real-to-real scale: the distance of every training spectrum to its
    nearest other training spectrum. A generated spectrum closer to a
    training spectrum than the ``percentile``-th percentile of the real
    nearest-neighbour distances is flagged as memorised: real stars are
    never that close to each other.

    Parameters
    ----------
    X_train : array-like of shape (n_train, n_pixels)
        The real spectra the generator was fitted on (at least 2).
    X_generated : array-like of shape (n_generated, n_pixels)
        Generated spectra.
    percentile : float, default=5.0
        Percentile of the real nearest-neighbour distances used as threshold.
    embedding : "pca", None, callable or transformer, default=None
        Feature space; None compares flux (normalise first).
    n_components : int, default=10
        Number of principal components with ``embedding="pca"``.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``generated_nn_distance`` (n_generated,), ``nearest_train`` (index of
        the closest training spectrum), ``train_nn_distance`` (n_train,),
        ``threshold``, ``memorised`` (boolean mask), ``fraction_memorised``,
        ``median_ratio`` (median generated NN distance over median real NN
        distance; near or above 1 is healthy, near 0 means copies).

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import memorisation_check
    >>> train = np.random.default_rng(0).normal(size=(30, 50))
    >>> copies = train[:10] + 1e-3
    >>> memorisation_check(train, copies).fraction_memorised
    1.0
    """
    F_train, F_gen = _embed(X_train, X_generated, embedding, n_components)
    if len(F_train) < 2:
        raise ValueError("memorisation_check needs at least 2 training spectra")
    D_train = pairwise_distances(F_train)
    np.fill_diagonal(D_train, np.inf)
    train_nn = D_train.min(axis=1)
    D = pairwise_distances(F_gen, F_train)
    gen_nn, nearest = D.min(axis=1), D.argmin(axis=1)
    threshold = float(np.percentile(train_nn, percentile))
    memorised = gen_nn < threshold
    median_real = float(np.median(train_nn))
    return Bunch(
        generated_nn_distance=gen_nn,
        nearest_train=nearest,
        train_nn_distance=train_nn,
        threshold=threshold,
        memorised=memorised,
        fraction_memorised=float(memorised.mean()),
        median_ratio=float(np.median(gen_nn) / median_real) if median_real > 0 else float("nan"),
    )
