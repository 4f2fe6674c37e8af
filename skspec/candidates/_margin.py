"""A one-vs-one SVC that gives the rare class the benefit of the doubt at its border."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

__all__ = ["RareClassMargin"]


def _pair_indicators(n_classes: int):
    """One-hot first- and second-class matrices ``(n_pairs, n_classes)`` in libsvm's pair order."""
    return tuple(np.eye(n_classes)[k] for k in np.triu_indices(n_classes, k=1))


def _ovo_votes(dec, n_classes: int):
    """Votes per class from one-vs-one values ``(n, n_pairs)``: the first class wins when > 0."""
    first, second = _pair_indicators(n_classes)
    wins = dec > 0
    return wins @ first + ~wins @ second


class RareClassMargin(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Shift a one-vs-one SVC's rare-class contests towards the rare class.

    A multi-class :class:`~sklearn.svm.SVC` decides by one-vs-one votes. At
    the O/B border, noise moves a late-O spectrum across the O-vs-B
    boundary as easily as it moves a B0 star: the argmax then misses O stars
    of types the training set holds. This meta-estimator adds ``margin`` to
    the decision value of every contest between ``target_class`` and one of
    ``neighbours`` (in favour of ``target_class``) and counts the votes
    again, so a spectrum is refused the rare class at that border only when
    it lies more than ``margin`` beyond the boundary on the neighbour's side.
    The shift only ever turns a spectrum into ``target_class``: where the
    shifted votes do not make it win, the SVC's own decision stands.
    One-vs-one decision values are in units of the SVM margin: the support
    vectors on the margin sit at 1, so ``margin=1`` calls O whatever is not
    beyond the B support vectors' margin. Contests with other classes are
    left alone, and ``margin=0`` is the SVC's own decision.

    Unlike :class:`RareClassThreshold` it needs no held-out refits (it is a
    decision rule on the fitted model, chosen by a number, not by a target
    recall) and it moves only the border with the named classes.

    Parameters
    ----------
    estimator : SVC or NuSVC
        A classifier with a ``decision_function_shape`` parameter; cloned
        and fitted with ``decision_function_shape="ovo"``.
    target_class : object, default="O"
        The rare class.
    neighbours : sequence, default=("B",)
        The classes whose border with ``target_class`` moves (the O stars'
        neighbours in the spectral sequence are the B stars).
    margin : float >= 0, default=1.0
        How far the border moves, in units of the one-vs-one decision value.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone (one-vs-one decision values).
    classes_ : ndarray
        Class labels.
    target_index_ : int
        Column of ``target_class`` in ``classes_``.
    neighbour_indices_ : ndarray of int
        Columns of ``neighbours`` in ``classes_``.
    n_features_in_ : int

    See Also
    --------
    RareClassThreshold : A threshold on calibrated P(rare class) chosen for a target recall.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVC
    >>> from skspec.candidates import RareClassMargin
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(m, 1.0, (30, 2)) for m in (0.0, 1.5, 6.0)])
    >>> y = np.repeat(["O", "B", "F"], 30)
    >>> plain = RareClassMargin(SVC(), margin=0.0).fit(X, y)
    >>> bool((plain.predict(X) == SVC().fit(X, y).predict(X)).all())
    True
    >>> shifted = RareClassMargin(SVC(), margin=1.0).fit(X, y)
    >>> int((shifted.predict(X) == "O").sum()) > int((plain.predict(X) == "O").sum())
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "decision_function"])],
        "target_class": "no_validation",
        "neighbours": ["array-like"],
        "margin": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, estimator, *, target_class="O", neighbours=("B",), margin=1.0):
        self.estimator = estimator
        self.target_class = target_class
        self.neighbours = neighbours
        self.margin = margin

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the estimator with one-vs-one decision values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params
            Passed to ``estimator.fit``.

        Returns
        -------
        self
        """
        if "decision_function_shape" not in self.estimator.get_params(deep=False):
            raise TypeError(
                f"estimator {type(self.estimator).__name__} has no one-vs-one decision "
                "function (no decision_function_shape parameter); RareClassMargin needs an "
                "SVC or NuSVC"
            )
        estimator = clone(self.estimator).set_params(decision_function_shape="ovo")
        if "break_ties" in estimator.get_params(deep=False):
            estimator.set_params(break_ties=False)
        self.estimator_ = estimator.fit(X, y, **fit_params)
        classes = np.asarray(self.estimator_.classes_)
        names = [str(c) for c in classes]
        missing = [str(c) for c in (self.target_class, *self.neighbours) if str(c) not in names]
        if missing:
            raise ValueError(
                f"target_class and neighbours must be classes of y; {missing} are not "
                f"(classes are {names})"
            )
        self.classes_ = classes
        self.target_index_ = names.index(str(self.target_class))
        neighbours = [names.index(str(c)) for c in self.neighbours]
        if self.target_index_ in neighbours:
            raise ValueError(f"neighbours {list(self.neighbours)!r} include target_class "
                             f"{self.target_class!r}")
        self.neighbour_indices_ = np.asarray(neighbours, dtype=int)
        self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def _tally(self, X):
        """The one-vs-one values ``(n, n_pairs)`` (positive: the pair's first class wins)
        before and after the shift, each pair's first-minus-second class indicator, and
        where the shifted votes make ``target_class`` win."""
        check_is_fitted(self)
        dec = np.asarray(self.estimator_.decision_function(X), dtype=float)
        if dec.ndim == 1:
            # binary: the value is positive for classes_[1]; make it "first class wins"
            dec = -dec[:, None]
        n = len(self.classes_)
        first, second = _pair_indicators(n)
        is_neighbour = np.isin(np.arange(n), self.neighbour_indices_)
        t = self.target_index_
        # +1 where the target is the pair's first class against a neighbour, -1 where second
        towards_target = first[:, t] * (second @ is_neighbour) - second[:, t] * (first @ is_neighbour)
        shifted = dec + self.margin * towards_target
        # the shift may only make the target win: where it does not, the SVC's own
        # decision stands (a neighbour that lost a contest to the target could otherwise
        # tie with a third class and lose the spectrum to it)
        wins = np.argmax(_ovo_votes(shifted, n), axis=1) == t
        return dec, shifted, first - second, wins

    def decision_function(self, X):
        """One-vs-rest scores: votes plus a confidence below 1/3.

        The transform of :class:`~sklearn.svm.SVC` with
        ``decision_function_shape="ovr"`` applied to the shifted one-vs-one
        values where the shift makes ``target_class`` win, and to the SVC's own
        values elsewhere; so its argmax is :meth:`predict` (except where votes
        tie: the confidence breaks those, :meth:`predict` takes the first
        class, as libsvm does) and ``margin=0`` gives the SVC's own scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,) for two classes
            (the shifted binary decision value, positive for ``classes_[1]``).
        """
        dec, shifted, sign, wins = self._tally(X)
        if len(self.classes_) == 2:
            return -shifted[:, 0]  # the SVC's binary convention: positive for classes_[1]
        dec = np.where(wins[:, None], shifted, dec)
        votes = _ovo_votes(dec, len(self.classes_))
        confidence = dec @ sign
        return votes + confidence / (3 * (np.abs(confidence) + 1))

    def predict(self, X):
        """``target_class`` where the shifted votes make it win, else the SVC's own class.

        The SVC's own class is the one with most one-vs-one votes (ties: the
        first class, as libsvm).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        dec, _, _, wins = self._tally(X)
        own = np.argmax(_ovo_votes(dec, len(self.classes_)), axis=1)
        return self.classes_[np.where(wins, self.target_index_, own)]
