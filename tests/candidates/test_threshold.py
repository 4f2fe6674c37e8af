"""RareClassThreshold: calibrated P(O), a threshold for a target recall, survey priors."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skspec.candidates import RareClassThreshold, shift_prior


def _data(n_major=300, n_rare=30, shift=1.5, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0, 1, (n_major, 4)), rng.normal(-1.0, 1, (n_major, 4)),
                   rng.normal(shift, 1, (n_rare, 4))])
    y = np.array(["B"] * n_major + ["F"] * n_major + ["O"] * n_rare)
    return X, y


CHECK_XFAIL = {
    "check_classifiers_one_label_sample_weights": "needs two stars of target_class to validate",
    "check_classifiers_train": (
        "predict applies the tuned threshold to P(target_class), not the argmax of "
        "predict_proba (as sklearn's own FixedThresholdClassifier)"
    ),
}


@parametrize_with_checks(
    [RareClassThreshold(LogisticRegression(), target_class=None, cv=2, random_state=0)],
    expected_failed_checks=lambda est: CHECK_XFAIL,
)
def test_sklearn_checks(estimator, check):
    check(estimator)


def test_threshold_reaches_the_target_recall_and_is_the_largest_that_does():
    X, y = _data()
    rule = RareClassThreshold(LogisticRegression(), target_recall=0.9, random_state=0).fit(X, y)
    assert rule.validation_recall_ >= 0.9
    o = rule.validation_scores_[rule.validation_is_target_]
    assert np.mean(o >= np.nextafter(rule.threshold_, 1)) < 0.9
    assert 0 < rule.threshold_ < 1
    pred = rule.predict(X)
    np.testing.assert_array_equal(pred == "O", rule.is_candidate(X))
    assert set(pred[pred != "O"]) <= {"B", "F"}
    proba = rule.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_threshold_for_recall_needs_no_refit():
    X, y = _data()
    rule = RareClassThreshold(LogisticRegression(), target_recall=0.9, random_state=0).fit(X, y)
    assert rule.threshold_for_recall(0.9) == rule.threshold_
    assert rule.threshold_for_recall(0.5) >= rule.threshold_ >= rule.threshold_for_recall(1.0)
    with pytest.raises(ValueError, match="recall must be in"):
        rule.threshold_for_recall(1.5)


def test_sigmoid_calibration_matches_the_validation_rate():
    X, y = _data(n_rare=60, shift=1.0)
    rule = RareClassThreshold(LogisticRegression(), random_state=0).fit(X, y)
    p = rule.validation_scores_
    # calibrated: the mean P(O) equals the share of O among the validation spectra
    np.testing.assert_allclose(p.mean(), rule.validation_is_target_.mean(), rtol=0.05)


def test_groups_keep_a_star_out_of_its_own_validation():
    """Two identical spectra per star, labels unrelated to flux: only a leak scores well."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=(150, 5))
    X = np.repeat(base, 2, axis=0)
    labels = np.array(["B"] * 120 + ["O"] * 30)
    rng.shuffle(labels)
    y = np.repeat(labels, 2)
    groups = np.repeat(np.arange(150), 2)
    from sklearn.metrics import roc_auc_score

    knn = KNeighborsClassifier(n_neighbors=1)
    kwargs = dict(calibration=None, threshold=0.5, random_state=0)
    leaky = RareClassThreshold(knn, **kwargs).fit(X, y)
    grouped = RareClassThreshold(knn, **kwargs).fit(X, y, groups=groups)
    assert roc_auc_score(leaky.validation_is_target_, leaky.validation_scores_) > 0.95
    assert roc_auc_score(grouped.validation_is_target_, grouped.validation_scores_) < 0.7


def test_fixed_threshold_is_used_as_given():
    X, y = _data()
    rule = RareClassThreshold(LogisticRegression(), threshold=0.3, random_state=0).fit(X, y)
    assert rule.threshold_ == 0.3
    assert rule.threshold == 0.3  # the parameter is not rewritten


def test_prior_shift_follows_bayes_and_keeps_the_candidates():
    X, y = _data()
    base = RareClassThreshold(LogisticRegression(), random_state=0).fit(X, y)
    shifted = clone(base).set_params(prior={"O": 1e-4}).fit(X, y)
    p0, p1 = base.predict_proba(X), shifted.predict_proba(X)
    pi = base.train_prior_
    new = np.array([pi[0], pi[1], 0.0])
    new[:2] *= (1 - 1e-4) / pi[:2].sum()
    new[2] = 1e-4
    expected = p0 * new / pi
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p1, expected, rtol=1e-10)
    np.testing.assert_array_equal(shifted.predict(X), base.predict(X))
    assert p1[:, 2].max() < 0.5 * p0[:, 2].max()
    np.testing.assert_allclose(shifted.prior_.sum(), 1.0)


def test_shift_prior_round_trip():
    p = np.array([[0.2, 0.8], [0.9, 0.1]])
    there = shift_prior(p, [0.5, 0.5], [0.01, 0.99])
    np.testing.assert_allclose(shift_prior(there, [0.01, 0.99], [0.5, 0.5]), p)


def test_bad_threshold_recall_and_prior_are_named():
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="threshold"):
        RareClassThreshold(LogisticRegression(), threshold=1.5).fit(X, y)
    with pytest.raises(InvalidParameterError, match="target_recall"):
        RareClassThreshold(LogisticRegression(), target_recall=0).fit(X, y)
    with pytest.raises(ValueError, match="'A', which the model lacks"):
        RareClassThreshold(LogisticRegression(), prior={"A": 0.1}).fit(X, y)
    with pytest.raises(ValueError, match=r"prior\['O'\] = 2.0 must be in \(0, 1\)"):
        RareClassThreshold(LogisticRegression(), prior={"O": 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="target_class 'A' is not in y"):
        RareClassThreshold(LogisticRegression(), target_class="A").fit(X, y)


def test_unreachable_recall_says_the_best_reachable():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = np.array(["B"] * 180 + ["O"] * 20)
    knn = KNeighborsClassifier(n_neighbors=1)  # P(O) is 0 or 1: most O rows get 0
    with pytest.raises(ValueError, match=r"unreachable .* best reachable recall .* is 0\.\d+"):
        RareClassThreshold(knn, calibration=None, random_state=0).fit(X, y)


def test_clone_params_and_save_load(tmp_path):
    from skspec import load_model, save_model

    X, y = _data()
    rule = RareClassThreshold(LogisticRegression(), prior={"O": 1e-3}, random_state=0)
    assert clone(rule).get_params()["prior"] == {"O": 1e-3}
    rule.fit(X, y)
    path = save_model(rule, tmp_path / "rule.skspec", wavelength=np.linspace(4000, 5000, 4))
    back = load_model(path)
    np.testing.assert_allclose(back.predict_proba(X), rule.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), rule.predict(X))
    assert back.threshold_ == rule.threshold_


def test_skops_round_trip():
    """Fitted state is numpy and sklearn objects only: skops.io needs to trust only skspec's classes."""
    sio = pytest.importorskip("skops.io")
    X, y = _data()
    rule = RareClassThreshold(LogisticRegression(), calibration="isotonic", random_state=0).fit(X, y)
    blob = sio.dumps(rule)
    untrusted = sio.get_untrusted_types(data=blob)
    assert all(t.startswith("skspec.") for t in untrusted), untrusted
    back = sio.loads(blob, trusted=untrusted)
    np.testing.assert_allclose(back.predict_proba(X), rule.predict_proba(X))


def test_estimator_sees_the_class_names_in_the_folds():
    """An over-sampler naming a class ({"O": n}, the recommended pipeline's) works out of fold.

    cross_val_predict fitted the folds on integer-encoded labels, so such a
    sampler raised "The {'O'} target class is/are not present".
    """
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (60, 3)), rng.normal(2, 1, (12, 3))])
    y = np.array(["B"] * 60 + ["O"] * 12)
    pipe = make_pipeline(RandomOverSampler(sampling_strategy={"O": 20}, random_state=0),
                         LogisticRegression())
    rule = RareClassThreshold(pipe, cv=3, random_state=0).fit(X, y)
    assert rule.validation_recall_ >= 0.95


def test_decision_function_estimator_gets_a_calibrated_p():
    """An SVC (no predict_proba; the recommended pipeline's) is calibrated from its decision values."""
    from sklearn.svm import SVC

    X, y = _data(n_rare=60, shift=1.0)
    rule = RareClassThreshold(SVC(class_weight="balanced"), target_recall=0.9,
                              random_state=0).fit(X, y)
    assert rule.score_method_ == "decision_function"
    p = rule.validation_scores_
    assert ((p > 0) & (p < 1)).all()
    # Platt on the decision value: the mean P(O) matches the share of O
    np.testing.assert_allclose(p.mean(), rule.validation_is_target_.mean(), rtol=0.1)
    assert rule.validation_recall_ >= 0.9
    proba = rule.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # the other classes follow the SVC's own decision among them
    pred = rule.predict(X)
    svc = rule.estimator_
    dec = svc.decision_function(X)
    others = np.asarray(svc.classes_) != "O"
    expected = np.asarray(svc.classes_)[others][dec[:, others].argmax(axis=1)]
    np.testing.assert_array_equal(pred[pred != "O"], expected[pred != "O"])
    # huge decision values do not overflow
    assert np.isfinite(rule._calibrate(np.array([-1e6, 1e6]))).all()


def test_binary_decision_function_and_no_calibration_refused():
    from sklearn.svm import SVC

    X, y = _data()
    keep = y != "F"
    rule = RareClassThreshold(SVC(), random_state=0).fit(X[keep], y[keep])
    proba = rule.predict_proba(X[keep])
    # the binary decision value is the score of classes_[1] ("O"): P(O) rises with it
    order = np.argsort(rule.estimator_.decision_function(X[keep]))
    assert np.all(np.diff(proba[order, 1]) >= -1e-12)
    with pytest.raises(ValueError, match="has no predict_proba"):
        RareClassThreshold(SVC(), calibration=None).fit(X, y)


def test_rule_saved_before_score_method_existed_still_predicts():
    # files written before score_method_ scored with predict_proba; _calibrate read
    # the attribute directly and raised AttributeError for calibration=None
    X, y = _data()
    rule = RareClassThreshold(LogisticRegression(), calibration=None, random_state=0).fit(X, y)
    expected = rule.predict_proba(X)
    del rule.score_method_
    np.testing.assert_allclose(rule.predict_proba(X), expected)


class _Degrade:
    """A stand-in for survey_augmenter: pulls every row toward the others and adds noise."""

    def augment(self, X, random_state=None):
        return 0.5 * X + check_random_state(random_state).normal(0, 0.7, X.shape)


def test_validation_augmenter_makes_the_recall_hold_on_degraded_spectra():
    X, y = _data(n_rare=60, seed=1)
    plain = RareClassThreshold(LogisticRegression(), target_recall=0.9, random_state=0).fit(X, y)
    aug = RareClassThreshold(LogisticRegression(), target_recall=0.9, random_state=0,
                             validation_augmenter=_Degrade()).fit(X, y)
    # held-out rows scored as they are, then degraded
    assert aug.validation_scores_.shape == (2 * len(y),)
    np.testing.assert_array_equal(aug.validation_is_target_, np.tile(y == "O", 2))
    assert aug.validation_recall_ >= 0.9
    # new data of the same classes, degraded as a survey would: the threshold chosen on
    # clean rows alone misses most O there; the one chosen on clean + degraded rows (0.9 of
    # both together) keeps most of them
    X_new, y_new = _data(n_rare=400, seed=2)
    X_new = _Degrade().augment(X_new, random_state=3)
    is_o = y_new == "O"
    recall_plain = np.mean(plain.predict(X_new)[is_o] == "O")
    recall_aug = np.mean(aug.predict(X_new)[is_o] == "O")
    assert recall_aug > 0.7 and recall_plain < 0.4, (recall_aug, recall_plain)
    # same seed, same draws
    again = clone(aug).fit(X, y)
    np.testing.assert_array_equal(again.validation_scores_, aug.validation_scores_)


def test_validation_augmenter_must_augment():
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="validation_augmenter"):
        RareClassThreshold(LogisticRegression(), validation_augmenter="survey").fit(X, y)


def test_cv_that_leaves_spectra_unscored_is_refused():
    # ShuffleSplit holds some spectra out never and others twice: their scores of 0
    # would enter the calibration and the threshold
    from sklearn.model_selection import KFold, ShuffleSplit

    X, y = _data()
    rule = RareClassThreshold(LogisticRegression(), cv=ShuffleSplit(3, test_size=0.2, random_state=0))
    with pytest.raises(ValueError, match="exactly once.*first: row"):
        rule.fit(X, y)
    # an unshuffled KFold puts every O (the last rows) in one fold's held-out side
    with pytest.raises(ValueError, match="fold 4 has no 'O' spectrum on its training side"):
        RareClassThreshold(LogisticRegression(), cv=KFold(5)).fit(X, y)
    RareClassThreshold(LogisticRegression(), cv=KFold(5, shuffle=True, random_state=0)).fit(X, y)


def test_one_vs_one_decision_values_are_refused_even_with_three_classes():
    # three classes give three one-vs-one pairs: the column count cannot tell them apart
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    X, y = _data()
    for est in (SVC(decision_function_shape="ovo"), make_pipeline(SVC(decision_function_shape="ovo"))):
        with pytest.raises(ValueError, match="decision_function_shape='ovo'.*needs 'ovr'"):
            RareClassThreshold(est, calibration="sigmoid", cv=3, random_state=0).fit(X, y)
    RareClassThreshold(SVC(), calibration="sigmoid", cv=3, random_state=0).fit(X, y)


def test_predict_ranks_the_other_classes_at_the_prior():
    X, y = _data()
    rule = RareClassThreshold(LogisticRegression(), target_recall=0.9, random_state=0,
                              prior={"O": 1e-3, "B": 0.9}).fit(X, y)
    proba, pred = rule.predict_proba(X), rule.predict(X)
    rest = ~rule.is_candidate(X)
    others = proba.copy()
    others[:, rule.target_index_] = -np.inf
    np.testing.assert_array_equal(pred[rest], rule.classes_[others.argmax(axis=1)][rest])
    # B at 90 % takes spectra the training mix gave to F
    plain = clone(rule).set_params(prior=None).fit(X, y).predict(X)
    assert (pred == "B").sum() > (plain == "B").sum()


def test_shift_prior_keeps_nan_rows_nan():
    p = np.array([[np.nan, np.nan], [0.5, 0.5]])
    out = shift_prior(p, [0.5, 0.5], [0.1, 0.9])
    assert np.isnan(out[0]).all()
    np.testing.assert_allclose(out[1], [0.1, 0.9])
