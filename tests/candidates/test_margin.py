"""RareClassMargin: the SVC's own decision at margin 0, a border that moves only towards O."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC, NuSVC
from sklearn.utils._param_validation import InvalidParameterError

from skspec.candidates import RareClassMargin


def _data(seed=0):
    """O and B overlapping (a border), F far away: the shape of the survey problem."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(m, 1.0, (40, 3)) for m in (0.0, 1.2, 6.0)])
    y = np.repeat(np.array(["O", "B", "F"]), 40)
    return X, y


@pytest.mark.parametrize("svm", [SVC(class_weight="balanced"), NuSVC(nu=0.2)])
def test_margin_zero_is_the_svcs_own_decision(svm):
    X, y = _data()
    plain = clone(svm).fit(X, y)
    rule = RareClassMargin(svm, margin=0.0).fit(X, y)
    np.testing.assert_array_equal(rule.predict(X), plain.predict(X))
    np.testing.assert_allclose(rule.decision_function(X), plain.decision_function(X), atol=1e-12)
    np.testing.assert_array_equal(rule.classes_, plain.classes_)
    assert rule.n_features_in_ == 3
    assert svm.decision_function_shape == "ovr"  # the parameter passed is left alone


def test_margin_zero_binary_keeps_the_sign_convention():
    X, y = _data()
    keep = y != "F"
    plain = SVC().fit(X[keep], y[keep])
    rule = RareClassMargin(SVC(), margin=0.0).fit(X[keep], y[keep])
    np.testing.assert_array_equal(rule.predict(X), plain.predict(X))
    np.testing.assert_allclose(rule.decision_function(X), plain.decision_function(X))
    # positive for classes_[1] = "O"; the margin adds exactly its value towards O
    moved = RareClassMargin(SVC(), margin=0.5).fit(X[keep], y[keep])
    np.testing.assert_allclose(moved.decision_function(X), plain.decision_function(X) + 0.5)


def test_the_border_moves_towards_o_and_only_against_b():
    X, y = _data()
    X_test, _ = _data(seed=1)
    preds = [RareClassMargin(SVC(), margin=m).fit(X, y).predict(X_test) for m in (0, 0.5, 1, 2)]
    n_o = [(p == "O").sum() for p in preds]
    assert n_o[0] < n_o[1] <= n_o[2] <= n_o[3]
    for p in preds[1:]:
        changed = p != preds[0]
        assert changed.any()
        # every change is a B that became O: F's contests are untouched
        assert set(preds[0][changed]) == {"B"} and set(p[changed]) == {"O"}
    # the one-vs-rest scores agree with the predictions
    rule = RareClassMargin(SVC(), margin=1.0).fit(X, y)
    np.testing.assert_array_equal(
        rule.classes_[rule.decision_function(X_test).argmax(axis=1)], rule.predict(X_test))


def test_neighbours_choose_the_border():
    X, y = _data()
    X_test, _ = _data(seed=1)
    plain = RareClassMargin(SVC(), margin=0).fit(X, y).predict(X_test)
    against_b = RareClassMargin(SVC(), margin=1).fit(X, y).predict(X_test)
    against_f = RareClassMargin(SVC(), neighbours=("F",), margin=1).fit(X, y).predict(X_test)
    # O and F are far apart: moving that border by one margin changes almost nothing
    # (a vote moved between O and F can still tip a tie elsewhere), the O/B border a lot
    assert (against_f != plain).sum() <= 2 < 10 < (against_b != plain).sum()


def test_bad_input_names_the_problem():
    X, y = _data()
    with pytest.raises(TypeError, match="LogisticRegression has no one-vs-one"):
        RareClassMargin(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match=r"\['A'\] are not"):
        RareClassMargin(SVC(), neighbours=("A",)).fit(X, y)
    with pytest.raises(ValueError, match=r"\['X'\] are not"):
        RareClassMargin(SVC(), target_class="X").fit(X, y)
    with pytest.raises(ValueError, match="include target_class"):
        RareClassMargin(SVC(), neighbours=("O", "B")).fit(X, y)
    with pytest.raises(InvalidParameterError, match="margin"):
        RareClassMargin(SVC(), margin=-1).fit(X, y)


def test_clone_pickle_and_grid_search_over_the_margin():
    X, y = _data()
    rule = RareClassMargin(SVC(C=3.0), margin=0.5)
    assert clone(rule).get_params()["estimator__C"] == 3.0
    fitted = rule.fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    groups = np.tile(np.arange(40), 3)
    search = GridSearchCV(RareClassMargin(SVC()), {"margin": [0.0, 1.0]}, cv=3,
                          scoring="recall_macro").fit(X, y, groups=groups)
    assert search.best_params_["margin"] in (0.0, 1.0)


def test_saved_and_loaded_with_skspecs_format(tmp_path):
    from skspec import load_model, save_model

    X, y = _data()
    rule = RareClassMargin(SVC(), margin=1.0).fit(X, y)
    loaded = load_model(save_model(rule, tmp_path / "margin.skspec",
                                   wavelength=np.array([4000.0, 4500.0, 5000.0])))
    np.testing.assert_array_equal(loaded.predict(X), rule.predict(X))


class _GivenOvo(SVC):
    """An SVC whose one-vs-one values are the input's columns (pairs A-B, A-O, B-O)."""

    def decision_function(self, X):
        return np.asarray(X, dtype=float)


def test_the_shift_only_ever_makes_the_target_win():
    X = np.array([[-1.0, 1.0, 0.3],    # B by 2 votes to A's 1; shifted: a 1-1-1 tie
                  [-1.0, -1.0, 0.3],   # B by 2 to O's 1; shifted: O by 2 to B's 1
                  [1.0, 1.0, 1.0]])    # A, far from any shift
    y = np.array(["A", "B", "O"])
    rule = RareClassMargin(_GivenOvo(), margin=0.5).fit(X, y)
    # the tie went to A (the first class) before: a B star lost to a third class
    np.testing.assert_array_equal(rule.predict(X), ["B", "O", "A"])
    np.testing.assert_array_equal(rule.classes_[rule.decision_function(X).argmax(axis=1)],
                                  ["B", "O", "A"])
    own = RareClassMargin(_GivenOvo(), margin=0.0).fit(X, y)
    np.testing.assert_array_equal(own.predict(X), ["B", "B", "A"])
