"""GAN-train and GAN-test (Shmelkov et al. 2018) for an over-sampler of one rare class.

Definitions used here (Yang et al. 2021 follow Shmelkov et al. 2018 with an SVM,
O versus F):

GAN-train (diversity)
    A classifier is trained on **generated** spectra of the minority class plus
    the **real** training spectra of the majority classes, and scored on
    **real** held-out spectra. Shmelkov et al. score on the whole real test
    set; the paper scores on real O spectra only (its data set 2), which is
    the O recall and is 1.0 for a classifier that answers "O" to everything.
    We therefore score, by default, on the real held-out spectra of the
    minority **and** majority classes with balanced accuracy (chance = 1 / the
    number of classes, whatever the imbalance). ``score_on="minority"`` gives
    the paper's number.

GAN-test (authenticity)
    A classifier is trained on **real** training spectra, the minority class
    up-sampled by duplication to the size of the largest majority class (the
    paper's data set 3), and scored on **generated** minority spectra: the
    share of generated spectra that a model of real data recognises as the
    minority class. ``score_on="all"`` adds the real held-out majority spectra
    to the test set (the paper's data set 4 reading), so that a classifier
    that answers "minority" to everything no longer scores 1.

A caveat measured on constructed data (tests/metrics/test_gan_metrics.py):
with only the minority generated, a two-class model learns "majority or
not". White noise far from the data gives GAN-train at chance (0.5) and
GAN-test 0, but noise with the data's own per-pixel spread can still reach
GAN-train 0.9 because real minority spectra are "not majority" too. Read
GAN-train together with GAN-test and the fidelity metrics
(:func:`frechet_distance`, :func:`precision_recall_density_coverage`).

The sampler is always fitted on the training spectra only; the estimator
wrappers :class:`GANTrainEvaluation` and :class:`GANTestEvaluation` make this
fold-safe inside :func:`~sklearn.model_selection.cross_val_score`.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.metrics import check_scoring
from sklearn.svm import NuSVC
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array, check_is_fitted, has_fit_parameter, validate_data

from ..utils._random import draw_seed

__all__ = [
    "GANTestEvaluation",
    "GANTrainEvaluation",
    "feasible_nu",
    "gan_test_score",
    "gan_train_score",
    "generate_minority",
]



@validate_params(
    {"y": ["array-like"], "nu": [Interval(Real, 0, 1, closed="right")],
     "margin": [Interval(Real, 0, 1, closed="right")]},
    prefer_skip_nested_validation=True,
)
def feasible_nu(y, nu: float = 0.5, *, margin: float = 0.95) -> float:
    """Largest safe ``nu`` for :class:`~sklearn.svm.NuSVC` on labels ``y``, capped at ``nu``.

    libsvm trains one binary problem per pair of classes and rejects ``nu``
    when ``nu * (n_i + n_j) / 2 > min(n_i, n_j)`` for any pair ("specified nu
    is infeasible"). The bound is ``2 min(n_i, n_j) / (n_i + n_j)`` for the
    most unbalanced pair; this returns ``min(nu, margin * bound)``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Training labels (at least two classes).
    nu : float, default=0.5
        Wanted value (NuSVC's default); returned when it is feasible.
    margin : float, default=0.95
        Fraction of the bound to use, away from the numerical edge.

    Returns
    -------
    nu : float

    Examples
    --------
    >>> from skspec.metrics import feasible_nu
    >>> feasible_nu(["O"] * 10 + ["F"] * 10)
    0.5
    >>> round(feasible_nu(["O"] * 2 + ["F"] * 98), 3)
    0.038
    """
    _, counts = np.unique(np.asarray(y), return_counts=True)
    if len(counts) < 2:
        raise ValueError(f"NuSVC needs at least two classes, y has {len(counts)}")
    small, large = np.sort(counts)[0], np.sort(counts)[-1]
    bound = 2.0 * small / (small + large)
    return float(min(nu, margin * bound))


def _default_estimator(y) -> NuSVC:
    return NuSVC(kernel="rbf", nu=feasible_nu(y))


def _fit_estimator(estimator, X, y, is_synthetic=None):
    est = _default_estimator(y) if estimator is None else clone(estimator)
    kwargs = {}
    if is_synthetic is not None and has_fit_parameter(est, "is_synthetic"):
        kwargs["is_synthetic"] = is_synthetic
    try:
        return est.fit(X, y, **kwargs)
    except ValueError as exc:
        if "infeasible" not in str(exc):
            raise
        labels, counts = np.unique(y, return_counts=True)
        raise ValueError(
            f"{type(est).__name__}: the given nu is infeasible for class counts "
            f"{dict(zip(labels.tolist(), counts.tolist()))}; use nu <= {feasible_nu(y, 1.0):.3g} "
            "(skspec.metrics.feasible_nu) or estimator=None for a feasible default"
        ) from exc


def _check_classes(y, minority_class, majority_classes):
    """Minority and majority labels, checked against ``y``."""
    present = np.unique(y)
    if minority_class not in present:
        raise ValueError(
            f"minority_class={minority_class!r} is not in y (classes: {present.tolist()})"
        )
    if majority_classes is None:
        majority = [c for c in present if c != minority_class]
    else:
        majority = list(np.atleast_1d(np.asarray(majority_classes, dtype=y.dtype)))
        missing = [c for c in majority if c not in present]
        if missing:
            raise ValueError(f"majority_classes {missing} are not in y (classes: {present.tolist()})")
        if minority_class in majority:
            raise ValueError(f"minority_class={minority_class!r} is also in majority_classes")
    if not majority:
        raise ValueError("y holds only the minority class; a majority class is needed")
    return majority


@validate_params(
    {
        "sampler": [HasMethods(["fit_resample"])],
        "X": ["array-like"],
        "y": ["array-like"],
        "minority_class": "no_validation",
        "n_generated": [Interval(Integral, 1, None, closed="left")],
        "iteration": "no_validation",
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def generate_minority(sampler, X, y, *, minority_class, n_generated, iteration=None,
                      random_state=None):
    """Fit a clone of ``sampler`` on ``(X, y)`` and return generated minority spectra.

    Works with any imbalanced-learn over-sampler. The clone's
    ``sampling_strategy`` is set to ``{minority_class: n_minority +
    n_generated}`` (so only that class is over-sampled) and its
    ``random_state`` is seeded from ``random_state``. If the fitted sampler has
    a ``sample(n_samples, class_label, random_state=None, iteration=None)``
    method (skspec GANs), the spectra come from it; otherwise they are the
    synthetic rows of ``fit_resample``: the rows after the real ones, which
    is where imbalanced-learn over-samplers put them.

    Parameters
    ----------
    sampler : imbalanced-learn over-sampler
        Not modified; a clone is fitted.
    X : array-like of shape (n_samples, n_pixels)
        Training spectra (the only data the sampler sees).
    y : array-like of shape (n_samples,)
        Their labels.
    minority_class : object
        Class to generate.
    n_generated : int
        Number of spectra to generate.
    iteration : int or None, default=None
        Passed to ``sample`` (a GAN snapshot); needs a sampler with ``sample``.
    random_state : int, RandomState instance or None, default=None
        Seeds the sampler and the draw.

    Returns
    -------
    X_generated : ndarray of shape (n_generated, n_pixels)
        A sampler without ``sample`` may append a few more or fewer rows
        than asked (ADASYN rounds its counts per spectrum).
    sampler : the fitted clone

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> from skspec.datasets import make_spectra
    >>> from skspec.metrics import generate_minority
    >>> X, y = make_spectra(60, 64, weights=[0.9, 0.1], random_state=0)
    >>> X_gen, _ = generate_minority(SMOTE(k_neighbors=3), X, y, minority_class=1,
    ...                              n_generated=20, random_state=0)
    >>> X_gen.shape
    (20, 64)
    """
    X = check_array(X, dtype=None)
    y = np.asarray(y)
    rng = check_random_state(random_state)
    sampler = clone(sampler)
    n_min = int((y == minority_class).sum())
    if n_min == 0:
        raise ValueError(f"no spectrum of minority_class={minority_class!r} to learn from")
    # also the nested ones of a wrapper: sampler__...
    for key in sampler.get_params(deep=True):
        if key.split("__")[-1] == "sampling_strategy":
            sampler.set_params(**{key: {minority_class: n_min + n_generated}})
        elif key.split("__")[-1] == "random_state":
            sampler.set_params(**{key: draw_seed(rng)})
    X_res, y_res = sampler.fit_resample(X, y)
    if hasattr(sampler, "sample"):
        kwargs = {} if iteration is None else {"iteration": iteration}
        X_gen = sampler.sample(n_generated, minority_class,
                               random_state=draw_seed(rng), **kwargs)
        return np.asarray(X_gen), sampler
    if iteration is not None:
        raise ValueError(f"iteration={iteration!r} needs a sampler with a sample() method, "
                         f"{type(sampler).__name__} has none")
    X_res = np.asarray(X_res)
    # a sampler that cleans or re-sorts rows (SMOTEENN, SMOTETomek) leaves no "rows
    # after the real ones" to call generated
    kept = len(X_res) >= len(X) and np.array_equal(X_res[:len(X)], np.asarray(X), equal_nan=True)
    if not kept:
        raise ValueError(
            f"{type(sampler).__name__}.fit_resample did not append rows after the {len(X)} real "
            "ones, which must come first and unchanged (a cleaning sampler?); cannot tell "
            "generated spectra apart")
    mask = np.arange(len(X_res)) >= len(X)
    X_gen, y_gen = X_res[mask], np.asarray(y_res)[mask]
    if len(X_gen) == 0 or not np.all(y_gen == minority_class):
        raise ValueError(
            f"{type(sampler).__name__}.fit_resample did not append {n_generated} rows of "
            f"class {minority_class!r} after the real ones; cannot tell generated spectra apart"
        )
    return X_gen, sampler


def _extra_copies(n: int, n_target: int, rng) -> np.ndarray:
    """Indices (into ``n`` rows) of the copies that bring ``n`` rows up to ``n_target``.

    Whole repeats first, then a random draw without replacement for the rest.
    """
    if n >= n_target:
        return np.arange(0)
    reps, rest = divmod(n_target, n)
    return np.concatenate([np.tile(np.arange(n), reps - 1), rng.choice(n, size=rest, replace=False)])


def _score(estimator, scoring, X, y):
    scorer = check_scoring(estimator, scoring=scoring)
    with warnings.catch_warnings():
        # balanced accuracy on a single true class warns about the predicted others
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        warnings.filterwarnings("ignore", message="A single label was found")
        return float(scorer(estimator, X, y))


class _GANEvaluation(ClassifierMixin, BaseEstimator):
    """Shared parameters, generation and scoring of the two evaluations."""

    _parameter_constraints: dict = {
        "sampler": [HasMethods(["fit_resample"]), "array-like"],
        "minority_class": "no_validation",
        "majority_classes": "no_validation",
        "n_generated": [Interval(Integral, 1, None, closed="left"), None],
        "estimator": [HasMethods(["fit", "predict"]), None],
        "scoring": [str, callable, None],
        "score_on": [StrOptions({"all", "minority"}), None],
        "iteration": "no_validation",
        "random_state": ["random_state"],
    }
    _default_score_on = "all"

    def __init__(self, sampler, *, minority_class="O", majority_classes=None, n_generated=None,
                 estimator=None, scoring="balanced_accuracy", score_on=None, iteration=None,
                 random_state=None):
        self.sampler = sampler
        self.minority_class = minority_class
        self.majority_classes = majority_classes
        self.n_generated = n_generated
        self.estimator = estimator
        self.scoring = scoring
        self.score_on = score_on
        self.iteration = iteration
        self.random_state = random_state

    def _prepare(self, X, y):
        X, y = validate_data(self, X, y, dtype=None)
        majority = _check_classes(y, self.minority_class, self.majority_classes)
        keep = np.isin(y, [self.minority_class, *majority])
        X, y = X[keep], y[keep]
        self.majority_classes_ = np.asarray(majority)
        largest = max(int((y == c).sum()) for c in majority)
        self.n_generated_ = int(self.n_generated or largest)
        rng = check_random_state(self.random_state)
        if hasattr(self.sampler, "fit_resample"):
            X_gen, self.sampler_ = generate_minority(
                self.sampler, X, y, minority_class=self.minority_class,
                n_generated=self.n_generated_, iteration=self.iteration,
                random_state=draw_seed(rng),
            )
            self.n_generated_ = len(X_gen)  # ADASYN rounds its per-spectrum counts
        else:  # precomputed generated spectra
            X_gen, self.sampler_ = check_array(self.sampler, dtype=None), None
            self.n_generated_ = len(X_gen)
        if X_gen.ndim != 2 or X_gen.shape[1] != X.shape[1]:
            raise ValueError(
                f"generated spectra have shape {X_gen.shape}, expected (n, {X.shape[1]})"
            )
        return X, y, np.asarray(X_gen, dtype=X.dtype), largest, rng

    def _score_on(self):
        return self.score_on or self._default_score_on

    def _held_out(self, X, y, classes):
        check_is_fitted(self)
        X, y = validate_data(self, X, y, dtype=None, reset=False)
        keep = np.isin(y, classes)
        return X[keep], y[keep]

    def predict(self, X):
        """Predict with the fitted classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.estimator_.predict(validate_data(self, X, dtype=None, reset=False))


_PARAMS_DOC = """
    Parameters
    ----------
    sampler : imbalanced-learn over-sampler or array-like of shape (n_generated, n_pixels)
        Over-sampler (cloned and fitted on the training data in ``fit``; see
        :func:`generate_minority`), or spectra generated beforehand (e.g.
        from a GAN snapshot; then the evaluation is only as fold-safe as
        their origin).
    minority_class : object, default="O"
        The class that is generated.
    majority_classes : array-like or None, default=None
        Real classes to use besides the minority (the paper: ``["F"]``). None
        uses every other class in ``y``. Spectra of other classes are ignored.
    n_generated : int or None, default=None
        Number of spectra to generate; None matches the largest majority
        class of the training data (the paper: 1000 O against 1000 F).
    estimator : classifier or None, default=None
        Cloned and fitted. None: ``NuSVC(kernel="rbf")`` (the paper) with
        ``nu = feasible_nu(y_fit)``. Normalise the spectra first (e.g.
        :class:`~skspec.preprocessing.FluxNormalizer`) or pass a pipeline.
    scoring : str or callable, default="balanced_accuracy"
        Scorer name or ``scorer(estimator, X, y)``.
    score_on : {{"all", "minority"}} or None, default=None
        Which spectra are scored; see the class description. None uses
        ``"{default}"``.
    iteration : int or None, default=None
        GAN snapshot passed to ``sampler.sample``.
    random_state : int, RandomState instance or None, default=None
        Seeds the sampler, the generation and the duplication.
"""


class GANTrainEvaluation(_GANEvaluation):
    __doc__ = """GAN-train as an estimator: ``fit`` trains, ``score`` evaluates on a held-out fold.

    ``fit(X, y)`` fits the sampler on ``(X, y)`` only, generates
    ``n_generated`` minority spectra and trains the classifier on them plus
    the real majority spectra of ``(X, y)``. ``score(X, y)`` scores the
    classifier on the **real** spectra of ``(X, y)``: minority and majority
    classes (``score_on="all"``, Shmelkov et al.) or the minority only
    (``"minority"``, the paper's data set 2). So
    ``cross_val_score(GANTrainEvaluation(sampler), X, y, cv=...)`` never lets
    the sampler see a test-fold spectrum.
    """ + _PARAMS_DOC.format(default="all") + """
    Attributes
    ----------
    sampler_ : fitted clone of ``sampler`` (None for precomputed spectra)
    estimator_ : the fitted classifier
    X_generated_ : ndarray of shape (n_generated_, n_pixels)
    n_generated_ : int
        Generated spectra used: ``n_generated`` (or the largest class), or
        as many as the sampler appended.
    majority_classes_ : ndarray
    classes_ : ndarray
    n_features_in_ : int

    See Also
    --------
    gan_train_score : The same in one call with explicit train and test sets.
    GANTestEvaluation : The authenticity counterpart.

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> from sklearn.model_selection import cross_val_score
    >>> from skspec.datasets import make_spectra
    >>> from skspec.metrics import GANTrainEvaluation
    >>> X, y = make_spectra(80, 64, weights=[0.85, 0.15], random_state=0)
    >>> evaluation = GANTrainEvaluation(SMOTE(k_neighbors=3), minority_class=1, random_state=0)
    >>> scores = cross_val_score(evaluation, X, y, cv=3)
    >>> scores.shape, bool(scores.min() > 0.5)
    ((3,), True)
    """
    _default_score_on = "all"

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the sampler on ``(X, y)``, generate, and train the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)
            Training spectra.
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self : GANTrainEvaluation
        """
        X, y, X_gen, _, _ = self._prepare(X, y)
        real_major = y != self.minority_class
        # real rows first, generated appended; a classifier that takes is_synthetic
        # (RACNetClassifier) is told, so that it validates on real rows
        X_fit = np.concatenate([X[real_major], X_gen])
        y_fit = np.concatenate([y[real_major], np.full(len(X_gen), self.minority_class, dtype=y.dtype)])
        self.estimator_ = _fit_estimator(self.estimator, X_fit, y_fit,
                                         is_synthetic=np.arange(len(X_fit)) >= int(real_major.sum()))
        self.X_generated_ = X_gen
        self.classes_ = self.estimator_.classes_
        return self

    def score(self, X, y, sample_weight=None):
        """GAN-train on real held-out spectra ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)
            Held-out real spectra.
        y : array-like of shape (n_samples,)
            Labels; classes not used in ``fit`` are ignored.
        sample_weight : None
            Not supported (kept for the scikit-learn signature).

        Returns
        -------
        score : float
        """
        classes = [self.minority_class]
        if self._score_on() == "all":
            classes += list(self.majority_classes_)
        X_test, y_test = self._held_out(X, y, classes)
        if not np.any(y_test == self.minority_class):
            raise ValueError(
                f"the held-out spectra hold no real {self.minority_class!r}; use a stratified "
                "splitter or skspec.model_selection.LeaveOneStarOut"
            )
        return _score(self.estimator_, self.scoring, X_test, y_test)


class GANTestEvaluation(_GANEvaluation):
    __doc__ = """GAN-test as an estimator: ``fit`` trains on real data, ``score`` tests generated data.

    ``fit(X, y)`` fits the sampler on ``(X, y)`` only and generates
    ``n_generated`` minority spectra; it trains the classifier on the real
    spectra of ``(X, y)`` with the minority duplicated up to the largest
    majority class (the paper's data set 3). ``score(X, y)`` scores the
    classifier on the generated spectra (labelled as the minority) and, with
    ``score_on="all"``, also on the real majority spectra of ``(X, y)``. With
    the default ``score_on="minority"`` the held-out fold is not used:
    GAN-test then is the share of generated spectra recognised as the
    minority class.
    """ + _PARAMS_DOC.format(default="minority") + """
    Attributes
    ----------
    sampler_ : fitted clone of ``sampler`` (None for precomputed spectra)
    estimator_ : the fitted classifier
    X_generated_ : ndarray of shape (n_generated_, n_pixels)
    n_generated_ : int
        Generated spectra used: ``n_generated`` (or the largest class), or
        as many as the sampler appended.
    majority_classes_ : ndarray
    classes_ : ndarray
    n_features_in_ : int

    See Also
    --------
    gan_test_score : The same in one call.
    GANTrainEvaluation : The diversity counterpart.

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> from sklearn.model_selection import cross_val_score
    >>> from skspec.datasets import make_spectra
    >>> from skspec.metrics import GANTestEvaluation
    >>> X, y = make_spectra(80, 64, weights=[0.85, 0.15], random_state=0)
    >>> evaluation = GANTestEvaluation(SMOTE(k_neighbors=3), minority_class=1, random_state=0)
    >>> scores = cross_val_score(evaluation, X, y, cv=3)
    >>> bool(scores.min() > 0.9)
    True
    """
    _default_score_on = "minority"

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the sampler on ``(X, y)``, generate, and train the classifier on real data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)
            Training spectra.
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self : GANTestEvaluation
        """
        X, y, X_gen, largest, rng = self._prepare(X, y)
        minority = np.flatnonzero(y == self.minority_class)
        # every real row once, then the duplicates of the minority, passed as
        # synthetic so that a RACNetClassifier validates on unique real rows
        # (copies of a validation row can still be among the training rows)
        rows = np.concatenate([np.arange(len(y)), minority[_extra_copies(len(minority), largest, rng)]])
        self.estimator_ = _fit_estimator(self.estimator, X[rows], y[rows],
                                         is_synthetic=np.arange(len(rows)) >= len(y))
        self.X_generated_ = X_gen
        self.classes_ = self.estimator_.classes_
        return self

    def score(self, X, y, sample_weight=None):
        """GAN-test: score on the generated spectra (and real majority of ``(X, y)``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels)
            Held-out real spectra; only their majority classes are used, and
            only with ``score_on="all"``.
        y : array-like of shape (n_samples,)
            Labels.
        sample_weight : None
            Not supported (kept for the scikit-learn signature).

        Returns
        -------
        score : float
        """
        X_test = self.X_generated_
        y_test = np.full(len(X_test), self.minority_class, dtype=np.asarray(self.classes_).dtype)
        if self._score_on() == "all":
            X_real, y_real = self._held_out(X, y, list(self.majority_classes_))
            X_test = np.concatenate([X_test, X_real.astype(X_test.dtype)])
            y_test = np.concatenate([y_test, y_real.astype(y_test.dtype)])
        else:
            check_is_fitted(self)
        return _score(self.estimator_, self.scoring, X_test, y_test)


_FUNC_PARAMS = {
    "sampler": [HasMethods(["fit_resample"]), "array-like"],
    "X_train": ["array-like"],
    "y_train": ["array-like"],
    "X_test": ["array-like", None],
    "y_test": ["array-like", None],
    "minority_class": "no_validation",
    "majority_classes": "no_validation",
    "n_generated": [Interval(Integral, 1, None, closed="left"), None],
    "estimator": [HasMethods(["fit", "predict"]), None],
    "scoring": [str, callable, None],
    "score_on": [StrOptions({"all", "minority"}), None],
    "iteration": "no_validation",
    "random_state": ["random_state"],
}


@validate_params(_FUNC_PARAMS, prefer_skip_nested_validation=False)
def gan_train_score(sampler, X_train, y_train, X_test, y_test, *, minority_class="O",
                    majority_classes=None, n_generated=None, estimator=None,
                    scoring="balanced_accuracy", score_on="all", iteration=None,
                    random_state=None) -> float:
    """GAN-train: train on generated minority + real majority, score on real test spectra.

    ``GANTrainEvaluation(...).fit(X_train, y_train).score(X_test, y_test)``;
    see :class:`GANTrainEvaluation` for the parameters.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> from sklearn.model_selection import train_test_split
    >>> from skspec.datasets import make_spectra
    >>> from skspec.metrics import gan_train_score
    >>> X, y = make_spectra(80, 64, weights=[0.85, 0.15], random_state=0)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=0)
    >>> score = gan_train_score(SMOTE(k_neighbors=3), X_tr, y_tr, X_te, y_te,
    ...                         minority_class=1, random_state=0)
    >>> 0.5 < score <= 1.0
    True
    """
    return GANTrainEvaluation(
        sampler, minority_class=minority_class, majority_classes=majority_classes,
        n_generated=n_generated, estimator=estimator, scoring=scoring, score_on=score_on,
        iteration=iteration, random_state=random_state,
    ).fit(X_train, y_train).score(X_test, y_test)


@validate_params(_FUNC_PARAMS, prefer_skip_nested_validation=False)
def gan_test_score(sampler, X_train, y_train, X_test=None, y_test=None, *, minority_class="O",
                   majority_classes=None, n_generated=None, estimator=None,
                   scoring="balanced_accuracy", score_on="minority", iteration=None,
                   random_state=None) -> float:
    """GAN-test: train on real spectra (minority duplicated), score on generated spectra.

    ``GANTestEvaluation(...).fit(X_train, y_train).score(X_test, y_test)``;
    see :class:`GANTestEvaluation` for the parameters. ``X_test`` and
    ``y_test`` are needed only with ``score_on="all"``.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> from skspec.datasets import make_spectra
    >>> from skspec.metrics import gan_test_score
    >>> X, y = make_spectra(80, 64, weights=[0.85, 0.15], random_state=0)
    >>> gan_test_score(SMOTE(k_neighbors=3), X, y, minority_class=1, random_state=0)
    1.0
    """
    if score_on == "all" and (X_test is None or y_test is None):
        raise ValueError("score_on='all' needs X_test and y_test (their real majority spectra)")
    evaluation = GANTestEvaluation(
        sampler, minority_class=minority_class, majority_classes=majority_classes,
        n_generated=n_generated, estimator=estimator, scoring=scoring, score_on=score_on,
        iteration=iteration, random_state=random_state,
    ).fit(X_train, y_train)
    return evaluation.score(X_test, y_test)
