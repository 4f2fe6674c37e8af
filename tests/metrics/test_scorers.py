"""Recognition scorers in cross_validate, pooled confusion matrices."""

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skspec.datasets import make_spectra
from skspec.metrics import cross_val_confusion_matrix, make_recognition_scorers, scores_from_confusion
from skspec.model_selection import LeaveOneStarOut
from skspec.preprocessing import SpectrumDegrader


@pytest.fixture(scope="module")
def data():
    X, y = make_spectra(90, 40, n_classes=3, weights=[0.5, 0.4, 0.1], line_depth=0.3,
                        noise=0.05, random_state=2)
    return X, np.array(["F", "G", "O"])[y]


def test_scorers_in_cross_validate_match_sklearn_metrics(data):
    X, y = data
    cv = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    result = cross_validate(SVC(), X, y, cv=cv, scoring=make_recognition_scorers("O"))
    for i, (train, test) in enumerate(cv):
        pred = SVC().fit(X[train], y[train]).predict(X[test])
        truth = y[test]
        assert result["test_recall_O"][i] == pytest.approx(recall_score(truth, pred, labels=["O"], average="macro"))
        assert result["test_precision_O"][i] == pytest.approx(
            precision_score(truth, pred, labels=["O"], average="macro", zero_division=np.nan), nan_ok=True)
        assert result["test_f1_macro"][i] == pytest.approx(f1_score(truth, pred, average="macro"))
    assert set(result) >= {"test_f1_O", "test_balanced_accuracy"}


def test_precision_is_nan_when_nothing_is_predicted_as_target(data):
    X, y = data
    result = cross_validate(DummyClassifier(strategy="most_frequent"), X, y, cv=3,
                            scoring=make_recognition_scorers("O"))
    assert np.isnan(result["test_precision_O"]).all()
    assert (result["test_recall_O"] == 0).all()
    assert (result["test_f1_O"] == 0).all()


def test_recall_is_nan_in_a_fold_without_the_target(data):
    # the O rows all sit in one unshuffled fold: the other two folds hold none, and a
    # recall of 0 there would count them as folds that missed every O star
    from sklearn.model_selection import KFold

    X, y = data
    order = np.argsort(y == "O", kind="stable")
    X, y = X[order], y[order]
    result = cross_validate(SVC(), X, y, cv=KFold(3), scoring=make_recognition_scorers("O"))
    assert np.isnan(result["test_recall_O"][:2]).all()
    assert not np.isnan(result["test_recall_O"][2])


def test_confusion_matrices_with_leave_one_star_out(data):
    X, y = data
    groups = np.arange(len(y))
    cv = LeaveOneStarOut("O", random_state=0)
    result = cross_val_confusion_matrix(SVC(), X, y, groups=groups, cv=cv)
    n_o = int((y == "O").sum())
    assert result.confusion_matrices.shape == (n_o, 3, 3)
    assert list(result.labels) == ["F", "G", "O"]
    # every split tests exactly one O spectrum
    assert (result.confusion_matrices[:, 2, :].sum(axis=1) == 1).all()
    np.testing.assert_array_equal(result.confusion_matrix, result.confusion_matrices.sum(axis=0))
    truth = np.concatenate([y[t] for t in result.test_indices])
    pred = np.concatenate(result.y_pred)
    pooled = scores_from_confusion(result.confusion_matrix, result.labels, target_class="O")
    assert pooled["recall_O"] == pytest.approx(recall_score(truth, pred, labels=["O"], average="macro"))
    assert pooled["precision_O"] == pytest.approx(precision_score(truth, pred, labels=["O"], average="macro"))
    assert pooled["f1_macro"] == pytest.approx(f1_score(truth, pred, average="macro"))


def test_degrading_the_test_fold_lowers_recall(data):
    X, y = data
    groups = np.arange(len(y))
    cv = LeaveOneStarOut("O", random_state=0)
    clean = cross_val_confusion_matrix(SVC(), X, y, groups=groups, cv=cv)
    noisy = cross_val_confusion_matrix(
        make_pipeline(SpectrumDegrader(snr=0.5, degrade_training=False, random_state=0), SVC()),
        X, y, groups=groups, cv=cv,
    )
    assert np.trace(noisy.confusion_matrix) < np.trace(clean.confusion_matrix)


def test_scores_from_confusion_values_and_nan():
    scores = scores_from_confusion([[3, 1, 0], [0, 0, 0], [2, 0, 4]], ["O", "B", "F"], target_class="O")
    assert scores["recall_O"] == pytest.approx(0.75)
    assert scores["precision_O"] == pytest.approx(0.6)
    assert scores["f1_O"] == pytest.approx(2 * 3 / (4 + 5))
    # B: no true spectrum, one predicted -> F1 0 counts; recall undefined is skipped
    assert scores["f1_macro"] == pytest.approx((6 / 9 + 0 + 8 / 10) / 3)
    assert scores["balanced_accuracy"] == pytest.approx((0.75 + 4 / 6) / 2)
    none = scores_from_confusion([[0, 2], [0, 5]], ["O", "F"], target_class="O")
    assert np.isnan(none["precision_O"])


def test_scores_from_confusion_bad_shape_raises():
    with pytest.raises(ValueError, match="expected"):
        scores_from_confusion(np.zeros((2, 3)), ["O", "F"])


def test_scores_from_confusion_unknown_target_raises():
    with pytest.raises(ValueError, match="target_class='O' is not in labels"):
        scores_from_confusion(np.eye(2), ["A", "F"])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_scorers_with_string_labels(n_classes):
    X, y = make_spectra(60, 64, n_classes=n_classes, random_state=0)
    y = np.array(["F", "O", "B"])[y]
    scores = cross_validate(SVC(), X, y, cv=StratifiedKFold(3),
                            scoring=make_recognition_scorers("O"))
    assert scores["test_recall_O"].mean() > 0.9
    assert np.isfinite(scores["test_f1_macro"]).all()
