"""A decision rule for a rare class: calibrated P(class), a threshold for a target recall."""

from __future__ import annotations

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, check_cv
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..utils._random import draw_seed

__all__ = ["RareClassThreshold", "shift_prior"]

logger = logging.getLogger(__name__)

_EPS = 1e-12


def _check_prior(prior, classes, train_prior) -> np.ndarray:
    """Full prior vector from a partial dict (others keep their training proportions)."""
    classes = np.asarray(classes)
    names = [str(c) for c in classes]
    given = {}
    for key, value in dict(prior).items():
        if str(key) not in names:
            raise ValueError(
                f"prior names class {key!r}, which the model lacks; its classes are {names}"
            )
        value = float(value)
        if not 0.0 < value < 1.0 or not np.isfinite(value):
            raise ValueError(f"prior[{key!r}] = {value} must be in (0, 1)")
        given[names.index(str(key))] = value
    out = np.zeros(len(classes))
    rest = [k for k in range(len(classes)) if k not in given]
    total = sum(given.values())
    if rest:
        if total >= 1.0:
            raise ValueError(
                f"prior sums to {total:g} over {sorted(names[k] for k in given)}; leave room "
                "for the other classes (sum < 1)"
            )
        share = np.asarray(train_prior, dtype=float)[rest]
        out[rest] = (1.0 - total) * share / share.sum()
    elif not np.isclose(total, 1.0):
        raise ValueError(f"a prior over all classes must sum to 1, got {total:g}")
    for k, v in given.items():
        out[k] = v
    return out


def shift_prior(proba, train_prior, new_prior) -> np.ndarray:
    """Move class probabilities to new base rates, the Bayes way.

    ``p'_k = p_k * new_prior_k / train_prior_k``, renormalised over k
    (Saerens, Latinne & Decaestecker 2002, eq. 2.4): right when the
    classifier's probabilities are calibrated for ``train_prior`` and only
    the base rates change between training and survey (the spectra of each
    class look the same).

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
    train_prior, new_prior : array-like of shape (n_classes,)
        Base rates the probabilities are calibrated for, and the new ones.

    Returns
    -------
    proba_shifted : ndarray of shape (n_samples, n_classes)
        Rows that hold NaN come back NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.candidates import shift_prior
    >>> p = np.array([[0.5, 0.5]])          # calibrated at 10 % O
    >>> shift_prior(p, [0.1, 0.9], [1e-4, 1 - 1e-4]).round(5)
    array([[9.0e-04, 9.991e-01]])
    """
    proba = np.asarray(proba, dtype=float)
    train_prior = np.asarray(train_prior, dtype=float)
    new_prior = np.asarray(new_prior, dtype=float)
    if proba.ndim != 2 or proba.shape[1] != train_prior.size or train_prior.size != new_prior.size:
        raise ValueError(
            f"proba has shape {proba.shape}; train_prior ({train_prior.size}) and new_prior "
            f"({new_prior.size}) need one entry per column"
        )
    if (train_prior <= 0).any():
        raise ValueError("train_prior must be > 0 for every class")
    weighted = proba * (new_prior / train_prior)[None, :]
    total = weighted.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, weighted / total, new_prior[None, :])
    # a row with NaN stays NaN (not the prior, a plausible-looking probability)
    out[~np.isfinite(total[:, 0])] = np.nan
    return out


class RareClassThreshold(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Calibrate P(rare class) on held-out stars and pick its threshold for a target recall.

    A class-balanced or over-sampled classifier's argmax is a poor decision
    rule for a class that is one spectrum in 10,000. This meta-estimator

    1. predicts every training spectrum out of fold (``cv`` splits by
       star: ``groups``), so the validation scores come from real spectra
       of stars the model did not see;
    2. calibrates the one-vs-rest score P(``target_class``) on those
       out-of-fold scores (``"sigmoid"``: Platt scaling on the logit;
       ``"isotonic"``), so ``p_O`` means "fraction of such spectra that are
       O" at the class mix of ``y``;
    3. chooses the largest threshold whose recall of ``target_class`` on the
       validation spectra is at least ``target_recall`` (or uses the given
       ``threshold``), and
    4. refits ``estimator`` on all the data.

    ``predict`` returns ``target_class`` where the calibrated P is at or
    above the threshold, else the most probable other class. With a
    ``prior`` (survey base rates), ``predict_proba`` returns the
    probabilities shifted to those rates by :func:`shift_prior`; the
    candidates (``predict``, :meth:`is_candidate`) stay the same, so the
    recall chosen on validation holds, while ``p_O`` then estimates the
    precision one should expect in the survey.

    It is the multi-class counterpart of scikit-learn's
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV` and
    :class:`~sklearn.model_selection.FixedThresholdClassifier` (binary only)
    and of :class:`~sklearn.calibration.CalibratedClassifierCV` (which
    cannot take ``groups`` without metadata routing): O-vs-rest is binary,
    but the survey wants the other classes too.

    A classifier without ``predict_proba`` (an :class:`~sklearn.svm.SVC`,
    the recommended pipeline's) works through its ``decision_function``:
    Platt scaling then maps the one-vs-rest decision value of
    ``target_class`` to a calibrated P, and the other classes share
    ``1 - P`` in proportion to the softmax of their decision values (an
    ordering, not a calibrated probability). An SVC's one-vs-rest decision
    value is its one-vs-one vote count plus a confidence below 1/3, so its
    calibrated P climbs steeply where the votes for the class change.

    Parameters
    ----------
    estimator : classifier with ``predict_proba`` or ``decision_function``
        Cloned for every fold and for the final fit (a pipeline with an
        over-sampler is fine: samplers act only in ``fit``, so the held-out
        spectra stay real). ``predict_proba`` is used where the estimator
        has it, else the one-vs-rest ``decision_function`` (which needs
        ``calibration``).
    target_class : object or None, default="O"
        The rare class; None picks the least frequent class of ``y``.
    target_recall : float in (0, 1], default=0.95
        Recall of ``target_class`` on the validation spectra that the chosen
        threshold must reach.
    threshold : float in [0, 1] or None, default=None
        Use this threshold on the calibrated P instead of choosing one.
    calibration : {"sigmoid", "isotonic", None}, default="sigmoid"
        How P(``target_class``) is calibrated; None keeps the estimator's
        (only for an estimator with ``predict_proba``).
        Isotonic needs many validation spectra of the class (it can return 0,
        which no threshold above 0 recovers).
    cv : int or cross-validation splitter, default=5
        Out-of-fold splits. An int means :class:`~sklearn.model_selection.StratifiedGroupKFold`
        with that many splits when ``groups`` is given (else
        :class:`~sklearn.model_selection.StratifiedKFold`, each spectrum its
        own star), reduced to the number of stars of the rarest class. A
        splitter must hold out every spectrum exactly once (KFold-like, not
        ShuffleSplit) and keep ``target_class`` on every training side.
    prior : dict of {class: float} or None, default=None
        Survey base rates, e.g. ``{"O": 1e-4}``. Classes not named keep
        their training proportions within the rest.
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds of an int ``cv``; seeds ``validation_augmenter``'s
        draws.
    validation_augmenter : augmenter or None, default=None
        An object with ``augment(X, random_state=...)`` (e.g.
        :func:`skspec.pipeline.survey_augmenter`: reddened and noisy). Each
        fold's held-out spectra are scored as they are and once more
        augmented, and the calibration and the threshold use both, so that
        the recall chosen holds for survey spectra, not only for the clean
        library ones (whose P(O) is higher: a threshold chosen on them alone
        passed 0.79 of the O stars at E(B-V) 1.0 + S/N 10 where the argmax
        passed 0.96, ``benchmarks/results/survey_targets.md``). Only
        validation spectra are augmented: they stay spectra of stars the
        fold's model never saw.

    Attributes
    ----------
    estimator_ : classifier
        ``estimator`` refitted on all the data.
    classes_ : ndarray
        Class labels.
    target_class_ : object
        The rare class (``target_class``, or the rarest class when None).
    target_index_ : int
        Column of ``target_class_`` in ``classes_``.
    threshold_ : float
        Threshold on the calibrated P(``target_class``) at the training mix.
    calibration_coef_ : ndarray of shape (2,)
        Sigmoid calibration ``p = 1 / (1 + exp(-(a * logit(s) + b)))``:
        ``[a, b]`` (``[1, 0]`` when not sigmoid).
    calibration_x_, calibration_y_ : ndarray
        Isotonic calibration as a piecewise-linear map (empty when not isotonic).
    train_prior_ : ndarray of shape (n_classes,)
        Class frequencies of ``y``, the mix the calibrated P refers to.
    prior_ : ndarray of shape (n_classes,) or None
        The full survey prior from ``prior``.
    score_method_ : {"predict_proba", "decision_function"}
        What the estimator's scores come from.
    validation_scores_ : ndarray of shape (n_samples,) or (2 * n_samples,)
        Out-of-fold calibrated P(``target_class``) of every training spectrum
        (then, with ``validation_augmenter``, of its augmented copy).
    validation_is_target_ : ndarray of bool, the shape of ``validation_scores_``
    validation_recall_, validation_precision_ : float
        Recall and precision of ``target_class`` at ``threshold_`` on the
        validation spectra (optimistic for the calibration, which was fitted
        on the same scores; see the benchmarks for a nested estimate).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skspec.candidates import RareClassThreshold
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (200, 3)), rng.normal(1.5, 1, (20, 3))])
    >>> y = np.array(["B"] * 200 + ["O"] * 20)
    >>> rule = RareClassThreshold(LogisticRegression(), target_recall=0.9, random_state=0)
    >>> rule = rule.fit(X, y)
    >>> rule.validation_recall_ >= 0.9
    True
    >>> p_train_mix = rule.predict_proba(X)[:, 1]
    >>> survey = RareClassThreshold(LogisticRegression(), target_recall=0.9, random_state=0,
    ...                             prior={"O": 1e-4}).fit(X, y)
    >>> bool((survey.predict(X) == rule.predict(X)).all())  # same candidates
    True
    >>> bool(survey.predict_proba(X)[:, 1].max() < p_train_mix.max())  # lower P(O)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]),
                      HasMethods(["fit", "decision_function"])],
        "target_class": "no_validation",
        "target_recall": [Interval(Real, 0, 1, closed="right")],
        "threshold": [Interval(Real, 0, 1, closed="both"), None],
        "calibration": [StrOptions({"sigmoid", "isotonic"}), None],
        "cv": ["cv_object"],
        "prior": [dict, None],
        "random_state": ["random_state"],
        "validation_augmenter": [HasMethods(["augment"]), None],
    }

    def __init__(self, estimator, *, target_class="O", target_recall=0.95, threshold=None,
                 calibration="sigmoid", cv=5, prior=None, random_state=None,
                 validation_augmenter=None):
        self.estimator = estimator
        self.target_class = target_class
        self.target_recall = target_recall
        self.threshold = threshold
        self.calibration = calibration
        self.cv = cv
        self.prior = prior
        self.random_state = random_state
        self.validation_augmenter = validation_augmenter

    # ------------------------------------------------------------------ fit
    def _splits(self, X, y, groups, target):
        if isinstance(self.cv, Integral):
            is_target = y == target
            units = np.unique(groups[is_target]).size if groups is not None else int(is_target.sum())
            n_splits = min(int(self.cv), units)
            if n_splits < 2:
                raise ValueError(
                    f"target_class {target!r} has {units} star(s) in y; at least 2 are "
                    "needed to hold stars out for validation"
                )
            if groups is not None:
                cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
            else:
                cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        else:
            cv = check_cv(self.cv, y, classifier=True)
        splits = list(cv.split(X, y, groups))
        # every spectrum must be scored exactly once: a row never held out would enter
        # the calibration and the threshold with a score of 0 (ShuffleSplit does that)
        held_out = np.zeros(len(y), dtype=int)
        for k, (train, test) in enumerate(splits):
            held_out[np.asarray(test)] += 1
            if not (y[np.asarray(train)] == target).any():
                raise ValueError(f"cv fold {k} has no {target!r} spectrum on its training side: "
                                 "its held-out spectra would get no score for that class")
        if (held_out != 1).any():
            bad = np.flatnonzero(held_out != 1)
            raise ValueError(
                f"cv must hold out every spectrum exactly once (a KFold-like splitter); "
                f"{bad.size} of {len(y)} spectra are held out {held_out[bad[0]]} times "
                f"(first: row {bad[0]})")
        return splits

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None, **fit_params):
        """Out-of-fold scores, calibration, threshold, then a fit on all the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        groups : array-like of shape (n_samples,) or None, default=None
            Star of each spectrum (e.g. the ``object`` column of
            :func:`skspec.datasets.load_obafgkm`): no star is in both the
            training and the validation side of a fold.
        **fit_params
            Passed to ``estimator.fit``.

        Returns
        -------
        self
        """
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if len(y) != _n_rows(X):
            raise ValueError(f"X has {_n_rows(X)} rows but y has {len(y)} labels")
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(f"y holds one class only ({classes.tolist()}); need at least 2")
        if self.target_class is None:
            counts = np.array([np.sum(y == c) for c in classes])
            target = classes[int(np.argmin(counts))]
        else:
            target = self.target_class
        hits = np.flatnonzero(classes == target)
        if hits.size == 0:
            raise ValueError(
                f"target_class {str(target)!r} is not in y; classes are {classes.tolist()}"
            )
        if groups is not None:
            groups = column_or_1d(groups)
            if len(groups) != len(y):
                raise ValueError(f"groups has {len(groups)} entries but y has {len(y)}")
        self.classes_ = classes
        self.target_index_ = int(hits[0])
        self.target_class_ = classes[self.target_index_]
        self.train_prior_ = np.array([np.mean(y == c) for c in classes])
        self.prior_ = (None if self.prior is None
                       else _check_prior(self.prior, classes, self.train_prior_))

        self.score_method_ = _score_method(self.estimator)
        final = self.estimator.steps[-1][1] if hasattr(self.estimator, "steps") else self.estimator
        shape = getattr(final, "decision_function_shape", "ovr")
        if self.score_method_ == "decision_function" and shape != "ovr":
            # with 3 classes the one-vs-one values have one column per class too, but a
            # column is a pair's contest, not a class's score
            raise ValueError(f"{type(final).__name__} has decision_function_shape={shape!r}; "
                             "RareClassThreshold reads one score per class and needs 'ovr'")
        if self.score_method_ == "decision_function" and self.calibration is None:
            raise ValueError(
                f"calibration=None keeps the estimator's probabilities, but "
                f"{type(self.estimator).__name__} has no predict_proba (its decision_function "
                "is not a probability): use calibration='sigmoid' or 'isotonic'")
        splits = self._splits(X, y, groups, target)
        oof = _out_of_fold_scores(self.estimator, X, y, splits, classes, fit_params,
                                  self.score_method_, self._validation_augment())
        score = np.concatenate([o[:, self.target_index_] for o in oof])
        is_target = np.tile(y == target, len(oof))
        self._fit_calibration(score, is_target)
        cal = self._calibrate(score)
        self.validation_scores_ = cal
        self.validation_is_target_ = is_target
        if self.threshold is None:
            self.threshold_ = self._choose_threshold(cal, is_target, self.target_recall)
        else:
            self.threshold_ = float(self.threshold)
        chosen = cal >= self.threshold_
        self.validation_recall_ = float(chosen[is_target].mean())
        self.validation_precision_ = float(is_target[chosen].mean()) if chosen.any() else float("nan")
        logger.info("threshold %.4g on calibrated P(%s): validation recall %.3f, precision %.3f",
                    self.threshold_, target, self.validation_recall_,
                    self.validation_precision_)

        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        est_classes = np.asarray(getattr(self.estimator_, "classes_", classes))
        if not np.array_equal(est_classes, classes):
            raise ValueError(f"estimator's classes_ {est_classes.tolist()} differ from y's "
                             f"{classes.tolist()}")
        n_features = getattr(self.estimator_, "n_features_in_", None)
        if n_features is not None:
            self.n_features_in_ = n_features
        return self

    def _validation_augment(self):
        """``X -> augmented X`` for the held-out spectra (one seed per fit), or None."""
        if self.validation_augmenter is None:
            return None
        rng = np.random.RandomState(draw_seed(self.random_state))
        return lambda X: self.validation_augmenter.augment(X, random_state=rng)

    def _fit_calibration(self, score, is_target):
        self.calibration_coef_ = np.array([1.0, 0.0])
        self.calibration_x_ = np.empty(0)
        self.calibration_y_ = np.empty(0)
        if self.calibration == "sigmoid":
            from sklearn.linear_model import LogisticRegression

            z = self._platt_input(score)[:, None]
            lr = LogisticRegression(C=1e4).fit(z, is_target)  # almost unregularised Platt
            self.calibration_coef_ = np.array([float(lr.coef_[0, 0]), float(lr.intercept_[0])])
        elif self.calibration == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(score, is_target)
            self.calibration_x_ = np.asarray(iso.X_thresholds_, dtype=float)
            self.calibration_y_ = np.asarray(iso.y_thresholds_, dtype=float)

    def _calibrate(self, score):
        if self.calibration_x_.size:
            return np.interp(score, self.calibration_x_, self.calibration_y_)
        a, b = self.calibration_coef_
        if a == 1.0 and b == 0.0 and self._fitted_score_method == "predict_proba":
            return np.asarray(score, dtype=float)
        from scipy.special import expit  # no overflow for large decision values

        return expit(a * self._platt_input(score) + b)

    @property
    def _fitted_score_method(self) -> str:
        """``score_method_``; rules saved before it existed scored with ``predict_proba``."""
        return getattr(self, "score_method_", "predict_proba")

    def _platt_input(self, score):
        """What Platt scaling is linear in: the logit of a probability, a decision value as is."""
        if self._fitted_score_method == "predict_proba":
            return _logit(score)
        return np.asarray(score, dtype=float)

    def threshold_for_recall(self, recall: float) -> float:
        """The largest threshold whose validation recall is at least ``recall``.

        Uses the out-of-fold calibrated scores of ``fit``, so trying another
        recall target needs no refit.

        Parameters
        ----------
        recall : float in (0, 1]

        Returns
        -------
        threshold : float
        """
        check_is_fitted(self)
        if not 0.0 < float(recall) <= 1.0:
            raise ValueError(f"recall must be in (0, 1], got {recall}")
        return self._choose_threshold(self.validation_scores_, self.validation_is_target_, float(recall))

    def _choose_threshold(self, cal, is_target, target_recall) -> float:
        scores = np.sort(cal[is_target])
        n = scores.size
        need = max(int(np.ceil(target_recall * n - 1e-9)), 1)  # spectra that must pass
        candidate = scores[n - need]  # the need-th largest
        if candidate <= 0.0:
            positive = scores[scores > 0]
            best = positive.size / n
            best_t = float(positive.min()) if positive.size else float("nan")
            raise ValueError(
                f"target_recall={target_recall:g} is unreachable on the validation data: "
                f"{n - positive.size} of {n} validation spectra of {str(self.target_class_)!r} have "
                f"calibrated P = 0; the best reachable recall with a threshold above 0 is "
                f"{best:.3f}" + (f" (threshold {best_t:.3g})" if positive.size else "")
                + "; lower target_recall, use calibration='sigmoid', or pass threshold"
            )
        return float(candidate)

    # ------------------------------------------------------------------ predict
    def _calibrated_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        method = self._fitted_score_method
        proba = _scores(self.estimator_, X, method, self.classes_.size)
        t = self.target_index_
        p_t = self._calibrate(proba[:, t])
        rest = np.delete(np.arange(proba.shape[1]), t)
        others = proba[:, rest]
        if method == "decision_function":  # shares of the rest, in the decision values' order
            others = np.exp(others - others.max(axis=1, keepdims=True))
        total = others.sum(axis=1, keepdims=True)
        fallback = self.train_prior_[rest] / self.train_prior_[rest].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            others = np.where(total > _EPS, others / total, fallback[None, :])
        out = np.empty_like(proba)
        out[:, t] = p_t
        out[:, rest] = others * (1.0 - p_t)[:, None]
        return out

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities: P(``target_class``) calibrated, at ``prior`` when given.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        proba = self._calibrated_proba(X)
        if self.prior_ is not None:
            proba = shift_prior(proba, self.train_prior_, self.prior_)
        return proba

    def is_candidate(self, X) -> np.ndarray:
        """True where calibrated P(``target_class``) at the training mix >= ``threshold_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        candidate : ndarray of bool of shape (n_samples,)
        """
        return self._calibrated_proba(X)[:, self.target_index_] >= self.threshold_

    def predict(self, X) -> np.ndarray:
        """``target_class`` for the candidates, else the most probable other class.

        Candidates are :meth:`is_candidate` (the training-mix P(target), so a
        ``prior`` does not change them); the other class is the argmax of
        :meth:`predict_proba` over the other columns, at ``prior`` when given.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self._calibrated_proba(X)
        t = self.target_index_
        candidate = proba[:, t] >= self.threshold_
        # the candidates come from the training-mix P(target); the other classes are
        # ranked as predict_proba ranks them, at the prior when one is given
        others = proba if self.prior_ is None else shift_prior(proba, self.train_prior_, self.prior_)
        others = others.copy()
        others[:, t] = -np.inf
        pred = self.classes_[np.argmax(others, axis=1)]
        pred[candidate] = self.classes_[t]
        return pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.input_tags = inner.input_tags
        return tags


def _score_method(estimator) -> str:
    """``predict_proba`` where the (unfitted) estimator offers it, else ``decision_function``.

    A pipeline hides its final step's methods behind ``available_if``: ``hasattr``
    answers for the step, as it should.
    """
    return "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function"


def _scores(estimator, X, method, n_classes) -> np.ndarray:
    """``(n_samples, n_classes)`` scores of a fitted estimator by ``method``."""
    score = np.asarray(getattr(estimator, method)(X), dtype=float)
    if score.ndim == 1:  # a binary decision_function: the score of classes_[1]
        score = np.column_stack([-score, score])
    if score.shape[1] != n_classes:
        raise ValueError(f"{type(estimator).__name__}.{method} gave {score.shape[1]} columns for "
                         f"{n_classes} classes (an SVC needs decision_function_shape='ovr')")
    return score


def _out_of_fold_scores(estimator, X, y, splits, classes, fit_params, method,
                        augment=None) -> list:
    """Out-of-fold ``predict_proba`` (or ``decision_function``) with the labels as given.

    A list: the scores of the held-out spectra, then, with ``augment``, those
    of their augmented copies.

    Not :func:`~sklearn.model_selection.cross_val_predict`: it fits on
    integer-encoded labels, which breaks an over-sampler whose
    ``sampling_strategy`` names classes (``{"O": 15}``, the recommended
    pipeline's).
    """
    from sklearn.utils import _safe_indexing, indexable

    X = indexable(X)[0]  # sparse -> CSR, as cross_val_predict does
    oof = [np.zeros((len(y), classes.size)) for _ in range(1 if augment is None else 2)]
    for train, test in splits:
        params = {k: (_safe_indexing(v, train) if hasattr(v, "__len__") and len(v) == len(y)
                      else v) for k, v in fit_params.items()}  # per-sample ones follow the fold
        fold = clone(estimator).fit(_safe_indexing(X, train), y[train], **params)
        fold_classes = np.asarray(fold.classes_)
        rows, cols = np.asarray(test)[:, None], np.searchsorted(classes, fold_classes)[None, :]
        held_out = _safe_indexing(X, test)
        sets = [held_out] if augment is None else [held_out, augment(np.asarray(held_out))]
        for out, X_test in zip(oof, sets):
            out[rows, cols] = _scores(fold, X_test, method, fold_classes.size)
    return oof


def _n_rows(X) -> int:
    if hasattr(X, "shape"):
        return X.shape[0]
    try:
        return len(X)
    except TypeError:
        return np.asarray(X).shape[0]


def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)
