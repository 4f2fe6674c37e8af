"""GAN-train / GAN-test: definitions on constructed cases, fold safety, API."""

import numpy as np
import pytest
from imblearn.base import BaseSampler
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.svm import SVC, NuSVC

from skspec.datasets import make_spectra
from skspec.metrics import (
    GANTestEvaluation,
    GANTrainEvaluation,
    feasible_nu,
    gan_test_score,
    gan_train_score,
    generate_minority,
)
from skspec.model_selection import LeaveOneStarOut


@pytest.fixture(scope="module")
def data():
    """Two well separated classes with string labels, 100:20, float32."""
    X, y = make_spectra(120, 48, weights=[5 / 6, 1 / 6], noise=0.02, random_state=0)
    return X, np.where(y == 1, "O", "F")


class NoiseSampler(BaseSampler):
    """Over-sampler stand-in whose 'generated' spectra are white noise at the flux level.

    Uniform on [0, 2 * mean flux]: about S/N 1, no line information. (Noise
    with the data's own small per-pixel spread can still score a high
    GAN-train, since a two-class model then learns "not F"; see _gan.py.)
    """

    _sampling_type = "over-sampling"
    _parameter_constraints: dict = {"sampling_strategy": "no_validation", "random_state": ["random_state"]}

    def __init__(self, sampling_strategy="auto", random_state=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _fit_resample(self, X, y):
        rng = np.random.default_rng(self.random_state)
        X_new, y_new = [X], [y]
        for label, n in self.sampling_strategy_.items():
            X_new.append(rng.uniform(0, 2 * X.mean(), size=(n, X.shape[1])).astype(X.dtype))
            y_new.append(np.full(n, label, dtype=y.dtype))
        return np.vstack(X_new), np.concatenate(y_new)


RECORDED = []


class RecordingSampler(RandomOverSampler):
    """RandomOverSampler that records every spectrum it is fitted on."""

    def _fit_resample(self, X, y):
        RECORDED.append({row.tobytes() for row in np.asarray(X)})
        return super()._fit_resample(X, y)


class SnapshotSampler(RandomOverSampler):
    """Stand-in for an skspec GAN: generation through sample(..., iteration=)."""

    calls = []

    def sample(self, n_samples, class_label, random_state=None, iteration=None):
        SnapshotSampler.calls.append((n_samples, class_label, iteration))
        X_min = self._X_min
        return np.full((n_samples, X_min.shape[1]), float(iteration or 0), dtype=X_min.dtype)

    def _fit_resample(self, X, y):
        self._X_min = X
        return super()._fit_resample(X, y)


def test_feasible_nu_is_accepted_by_nusvc():
    y = np.array(["O"] * 3 + ["F"] * 97)
    X = np.random.default_rng(0).normal(size=(100, 4))
    with pytest.raises(ValueError, match="infeasible"):
        NuSVC().fit(X, y)
    nu = feasible_nu(y)
    assert 0 < nu < 0.5
    NuSVC(nu=nu).fit(X, y)


def test_feasible_nu_one_class_raises():
    with pytest.raises(ValueError, match="at least two classes"):
        feasible_nu(["O", "O"])


def test_infeasible_user_nu_gets_a_clear_message(data):
    X, y = data
    with pytest.raises(ValueError, match=r"nu is infeasible for class counts .*feasible_nu"):
        gan_train_score(RandomOverSampler(), X, y, X, y, estimator=NuSVC(nu=0.9), n_generated=5)


def test_generated_equal_real_gives_the_classifiers_accuracy_on_real(data):
    X, y = data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, test_size=0.5, random_state=0)
    real_o = X_te[y_te == "O"]
    evaluation = GANTestEvaluation(real_o, estimator=SVC(), random_state=0).fit(X_tr, y_tr)
    accuracy_on_real = evaluation.estimator_.score(real_o, np.full(len(real_o), "O"))
    assert evaluation.score(X_te, y_te) == pytest.approx(accuracy_on_real)
    # and with a sampler that "generates" copies of the real training O spectra
    score = gan_test_score(RandomOverSampler(), X_tr, y_tr, estimator=SVC(), random_state=0)
    dup = GANTestEvaluation(RandomOverSampler(), estimator=SVC(), random_state=0).fit(X_tr, y_tr)
    train_o = X_tr[y_tr == "O"]
    assert score == pytest.approx(dup.estimator_.score(train_o, np.full(len(train_o), "O")))
    assert score > 0.9


def test_gan_train_with_noise_is_near_chance_and_real_like_is_high(data):
    X, y = data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, test_size=0.5, random_state=0)
    noise = gan_train_score(NoiseSampler(), X_tr, y_tr, X_te, y_te, random_state=0)
    smote = gan_train_score(SMOTE(k_neighbors=3), X_tr, y_tr, X_te, y_te, random_state=0)
    assert noise == pytest.approx(0.5, abs=0.1)  # chance for two classes
    assert smote >= 0.9


def test_gan_test_with_noise_is_low(data):
    X, y = data
    assert gan_test_score(NoiseSampler(), X, y, random_state=0) <= 0.1


def test_score_on_minority_is_the_papers_o_recall(data):
    X, y = data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, test_size=0.5, random_state=0)
    evaluation = GANTrainEvaluation(SMOTE(k_neighbors=3), score_on="minority", random_state=0)
    evaluation.fit(X_tr, y_tr)
    o = y_te == "O"
    expected = np.mean(evaluation.predict(X_te[o]) == "O")
    assert evaluation.score(X_te, y_te) == pytest.approx(expected)


def test_score_on_all_adds_real_majority_to_gan_test(data):
    X, y = data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, test_size=0.5, random_state=0)
    # a classifier that answers "O" to everything is perfect on generated O only
    from sklearn.dummy import DummyClassifier

    always_o = DummyClassifier(strategy="constant", constant="O")
    only = gan_test_score(SMOTE(k_neighbors=3), X_tr, y_tr, estimator=always_o, random_state=0)
    both = gan_test_score(SMOTE(k_neighbors=3), X_tr, y_tr, X_te, y_te, estimator=always_o,
                          score_on="all", random_state=0)
    assert only == 1.0
    assert both == pytest.approx(0.5)


def test_gan_test_all_needs_test_data(data):
    X, y = data
    with pytest.raises(ValueError, match="needs X_test and y_test"):
        gan_test_score(SMOTE(k_neighbors=3), X, y, score_on="all")


@pytest.mark.parametrize("Evaluation", [GANTrainEvaluation, GANTestEvaluation])
def test_sampler_never_sees_a_test_fold_spectrum(data, Evaluation):
    X, y = data
    assert len({row.tobytes() for row in X}) == len(X)  # rows identifiable
    groups = np.arange(len(y))
    for cv in (StratifiedKFold(3, shuffle=True, random_state=0),
               LeaveOneStarOut("O", random_state=0)):
        RECORDED.clear()
        splits = list(cv.split(X, y, groups if isinstance(cv, LeaveOneStarOut) else None))
        scores = cross_val_score(Evaluation(RecordingSampler(), random_state=0), X, y,
                                 groups=groups, cv=splits)
        assert np.isfinite(scores).all()
        assert len(RECORDED) == len(splits)
        for seen, (train, test) in zip(RECORDED, splits):
            assert seen == {row.tobytes() for row in X[train]}
            assert not seen & {row.tobytes() for row in X[test]}


def test_sample_method_and_iteration_are_used(data):
    X, y = data
    SnapshotSampler.calls.clear()
    evaluation = GANTestEvaluation(SnapshotSampler(), n_generated=7, iteration=3, random_state=0)
    evaluation.fit(X, y)
    assert SnapshotSampler.calls == [(7, "O", 3)]
    np.testing.assert_array_equal(evaluation.X_generated_, np.full((7, X.shape[1]), 3.0))


def test_iteration_without_sample_method_raises(data):
    X, y = data
    with pytest.raises(ValueError, match="needs a sampler with a sample"):
        GANTrainEvaluation(SMOTE(k_neighbors=3), iteration=5).fit(X, y)


def test_generate_minority_returns_only_new_minority_rows(data):
    X, y = data
    X_gen, fitted = generate_minority(SMOTE(k_neighbors=3), X, y, minority_class="O",
                                      n_generated=13, random_state=0)
    assert X_gen.shape == (13, X.shape[1])
    assert fitted.sampling_strategy == {"O": 20 + 13}
    again, _ = generate_minority(SMOTE(k_neighbors=3), X, y, minority_class="O",
                                 n_generated=13, random_state=0)
    np.testing.assert_array_equal(X_gen, again)


def test_sampler_that_does_not_append_minority_rows_raises(data):
    class Shuffler(RandomOverSampler):
        def _fit_resample(self, X, y):
            X_res, y_res = super()._fit_resample(X, y)
            return X_res[::-1], y_res[::-1]

    X, y = data
    with pytest.raises(ValueError, match="did not append"):
        gan_train_score(Shuffler(), X, y, X, y)


def test_default_n_generated_matches_largest_majority_class(data):
    X, y = data
    evaluation = GANTrainEvaluation(SMOTE(k_neighbors=3), random_state=0).fit(X, y)
    assert evaluation.n_generated_ == 100
    assert evaluation.X_generated_.shape == (100, X.shape[1])
    assert evaluation.X_generated_.dtype == np.float32


def test_majority_classes_restricts_to_o_versus_f():
    X, y = make_spectra(90, 32, n_classes=3, weights=[0.45, 0.45, 0.1], random_state=1)
    y = np.array(["F", "G", "O"])[y]
    evaluation = GANTrainEvaluation(SMOTE(k_neighbors=3), majority_classes=["F"], random_state=0)
    evaluation.fit(X, y)
    assert set(evaluation.classes_) == {"F", "O"}
    assert 0 <= evaluation.score(X, y) <= 1  # G spectra are ignored


def test_missing_minority_class_raises(data):
    X, y = data
    with pytest.raises(ValueError, match="minority_class='B' is not in y"):
        GANTrainEvaluation(SMOTE(), minority_class="B").fit(X, y)


def test_held_out_fold_without_minority_raises(data):
    X, y = data
    evaluation = GANTrainEvaluation(SMOTE(k_neighbors=3), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="hold no real 'O'"):
        evaluation.score(X[y == "F"], y[y == "F"])


def test_clone_and_params_roundtrip(data):
    evaluation = GANTrainEvaluation(SMOTE(k_neighbors=3), minority_class="O", n_generated=10,
                                    estimator=SVC(), random_state=1)
    twin = clone(evaluation)
    assert twin.get_params()["sampler__k_neighbors"] == 3
    assert twin.get_params()["n_generated"] == 10
    twin.set_params(sampler__k_neighbors=2)
    assert evaluation.sampler.k_neighbors == 3


def test_same_seed_same_score(data):
    X, y = data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, test_size=0.5, random_state=0)
    a = gan_train_score(SMOTE(k_neighbors=3), X_tr, y_tr, X_te, y_te, random_state=4, n_generated=20)
    b = gan_train_score(SMOTE(k_neighbors=3), X_tr, y_tr, X_te, y_te, random_state=4, n_generated=20)
    assert a == b


def test_precomputed_wrong_width_raises(data):
    X, y = data
    with pytest.raises(ValueError, match="generated spectra have shape"):
        GANTestEvaluation(np.zeros((5, 3))).fit(X, y)


class MaskRecordingSVC(SVC):
    """SVC that records the is_synthetic mask it is fitted with."""

    masks = []

    def fit(self, X, y, sample_weight=None, is_synthetic=None):
        MaskRecordingSVC.masks.append((is_synthetic, np.asarray(y).copy()))
        return super().fit(X, y, sample_weight=sample_weight)


def test_generated_and_duplicated_rows_are_passed_as_synthetic(data):
    X, y = data  # 100 F, 20 O
    MaskRecordingSVC.masks.clear()
    GANTrainEvaluation(SMOTE(k_neighbors=3), estimator=MaskRecordingSVC(), n_generated=30,
                       random_state=0).fit(X, y)
    mask, y_fit = MaskRecordingSVC.masks[-1]
    assert mask.sum() == 30 and (y_fit[mask] == "O").all() and (y_fit[~mask] == "F").all()
    GANTestEvaluation(SMOTE(k_neighbors=3), estimator=MaskRecordingSVC(), random_state=0).fit(X, y)
    mask, y_fit = MaskRecordingSVC.masks[-1]
    assert (~mask).sum() == 120  # every real spectrum once, not synthetic
    assert mask.sum() == 80 and (y_fit[mask] == "O").all()  # O duplicated 20 -> 100


def test_generate_minority_reaches_a_wrapped_sampler():
    from imblearn.pipeline import Pipeline

    X, y = make_spectra(90, 32, n_classes=3, weights=[0.5, 0.4, 0.1], random_state=0)
    X_gen, fitted = generate_minority(Pipeline([("smote", SMOTE(k_neighbors=3))]), X, y,
                                      minority_class=2, n_generated=25, random_state=0)
    assert X_gen.shape == (25, 32)
    assert fitted[-1].sampling_strategy_ == {2: 25}



def test_generated_count_is_what_the_sampler_appended_and_cleaning_samplers_are_refused():
    from imblearn.combine import SMOTEENN
    from imblearn.over_sampling import ADASYN

    from skspec.datasets import make_spectra
    from skspec.metrics import GANTestEvaluation, generate_minority

    X, y = make_spectra(120, 32, weights=[0.85, 0.15], line_depth=0.2, noise=0.05, random_state=0)
    ev = GANTestEvaluation(ADASYN(n_neighbors=3), minority_class=1, n_generated=50,
                           random_state=0).fit(X, y)
    assert ev.n_generated_ == len(ev.X_generated_) != 50  # ADASYN rounds per spectrum
    # SMOTEENN drops and re-sorts rows: its tail is not "the generated spectra"
    with pytest.raises(ValueError, match="did not append.*first and unchanged"):
        generate_minority(SMOTEENN(random_state=0), X, y, minority_class=1, n_generated=50,
                          random_state=0)
