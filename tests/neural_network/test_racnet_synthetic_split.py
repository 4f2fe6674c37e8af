"""No synthetic spectrum may land in the early-stopping validation split, nor derive from one."""

import numpy as np
import pytest
from imblearn.over_sampling.base import BaseOverSampler
from skorch.callbacks import Callback

from skspec.datasets import make_spectra
from skspec.neural_network import RACNetClassifier, RealValidSplit

TINY = {"module__channels": (4,), "max_epochs": 2, "random_state": 0}


class AppendingSampler(BaseOverSampler):
    """Stand-in for an skspec GAN sampler: appends noisy copies; records what it saw."""

    _sampling_type = "over-sampling"
    _parameter_constraints = {**BaseOverSampler._parameter_constraints}
    seen = []

    def __init__(self, *, sampling_strategy="auto", factor=3):
        super().__init__(sampling_strategy=sampling_strategy)
        self.factor = factor

    def _fit_resample(self, X, y):
        AppendingSampler.seen.append(X.copy())
        rng = np.random.default_rng(0)
        new_X, new_y = [], []
        for label in np.unique(y):  # many synthetic rows of every class
            rows = X[y == label]
            pick = rng.integers(len(rows), size=self.factor * len(rows))
            new_X.append(rows[pick] + rng.normal(0, 1e-3, (len(pick), X.shape[1])).astype(X.dtype))
            new_y.append(np.full(len(pick), label, dtype=y.dtype))
        return np.vstack([X, *new_X]), np.concatenate([y, *new_y])


class RecordValid(Callback):
    """Record the rows skorch's training and validation datasets hold."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.indices, self.X = [], np.asarray(X)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.indices.append(np.asarray(dataset_valid.indices))
        self.train_indices = np.asarray(dataset_train.indices)


@pytest.fixture(scope="module")
def data():
    X, y = make_spectra(60, 64, weights=[0.8, 0.2], random_state=0)
    return X + 1.0, np.array(["F", "O"])[y]


def test_sampler_sees_training_rows_only_and_its_rows_never_validate(data):
    X, y = data
    recorder = RecordValid()
    AppendingSampler.seen.clear()
    clf = RACNetClassifier(**TINY, sampler=AppendingSampler(factor=3), callbacks=[("record", recorder)])
    clf.fit(X, y)
    valid = clf.validation_indices_
    # stratified 30 % of the real rows of each class, held out before the sampler ran
    assert np.sum(y[valid] == "O") == round(0.3 * np.sum(y == "O"))
    assert np.sum(y[valid] == "F") == round(0.3 * np.sum(y == "F"))
    (seen,) = AppendingSampler.seen
    assert len(seen) == len(X) - len(valid)
    assert not (seen[:, None, :] == X[valid][None, :, :]).all(axis=2).any()  # no validation star
    # what skorch validates on, every epoch: exactly the held-out real spectra
    for idx in recorder.indices:
        np.testing.assert_array_equal(recorder.X[idx], X[valid].astype(np.float32))
    assert len(recorder.train_indices) == 4 * len(seen) and clf.n_synthetic_ == 3 * len(seen)


def test_transformer_and_memory_cache_cannot_lose_the_mark(data, tmp_path):
    # the old id()-keyed record was lost by a transformer after the sampler and by a
    # pipeline memory cache; the sampler now runs inside the classifier's fit
    from imblearn.pipeline import make_pipeline

    from skspec.preprocessing import FluxNormalizer

    X, y = data
    AppendingSampler.seen.clear()
    pipe = make_pipeline(FluxNormalizer(), RACNetClassifier(**TINY, sampler=AppendingSampler()),
                         memory=str(tmp_path))
    for _ in range(2):  # the second fit reads FluxNormalizer from the cache
        pipe.fit(X, y)
        clf = pipe[-1]
        assert len(AppendingSampler.seen[-1]) == len(X) - len(clf.validation_indices_)
        assert clf.n_synthetic_ == 3 * len(AppendingSampler.seen[-1])


def test_under_sampler_is_refused(data):
    from imblearn.under_sampling import RandomUnderSampler

    X, y = data
    with pytest.raises(ValueError, match="RandomUnderSampler returned .* over-samplers only"):
        RACNetClassifier(**TINY, sampler=RandomUnderSampler(random_state=0)).fit(X, y)


def test_sampler_that_reorders_is_refused(data):
    class Shuffler(AppendingSampler):
        def _fit_resample(self, X, y):
            X_res, y_res = super()._fit_resample(X, y)
            return X_res[::-1], y_res[::-1]

    X, y = data
    with pytest.raises(ValueError, match="Shuffler does not return its input rows first"):
        RACNetClassifier(**TINY, sampler=Shuffler()).fit(X, y)


def test_smote_and_grid_search_over_the_sampler(data):
    from imblearn.over_sampling import SMOTE
    from sklearn.model_selection import GridSearchCV

    X, y = data
    clf = RACNetClassifier(**TINY, sampler=SMOTE(k_neighbors=3, random_state=0)).fit(X, y)
    n_train_o = np.sum(y == "O") - np.sum(y[clf.validation_indices_] == "O")
    n_train_f = np.sum(y == "F") - np.sum(y[clf.validation_indices_] == "F")
    assert clf.n_synthetic_ == n_train_f - n_train_o  # SMOTE grows O to F's training count
    grid = GridSearchCV(RACNetClassifier(**TINY, sampler=SMOTE(random_state=0)),
                        {"sampler__k_neighbors": [2, 3]}, cv=2, error_score="raise").fit(X, y)
    assert grid.best_params_["sampler__k_neighbors"] in (2, 3)


def test_explicit_is_synthetic_fit_param(data):
    X, y = data
    synthetic = np.zeros(len(X), dtype=bool)
    synthetic[::2] = True  # not a tail block: the mask, not the row order, decides
    clf = RACNetClassifier(**TINY).fit(X, y, is_synthetic=synthetic)
    assert not synthetic[clf.validation_indices_].any()
    assert clf.validation_indices_.size == round(0.3 * np.sum(~synthetic & (y == "F"))) + round(
        0.3 * np.sum(~synthetic & (y == "O"))
    )
    assert clf.n_synthetic_ == synthetic.sum()


def test_bad_is_synthetic(data):
    X, y = data
    with pytest.raises(ValueError, match="is_synthetic must be a boolean array of shape \\(60,\\)"):
        RACNetClassifier(**TINY).fit(X, y, is_synthetic=np.zeros(59, dtype=bool))


def test_split_keeps_one_real_row_of_each_class_for_training():
    y = np.array([0, 0, 0, 0, 1, 1, 2])
    train, valid = RealValidSplit(0.5, random_state=0).split_indices(y)
    assert set(y[train]) == {0, 1, 2}
    assert 6 not in valid  # a class with one real row never validates
    assert np.intersect1d(train, valid).size == 0 and len(train) + len(valid) == len(y)


def test_no_real_row_left_to_validate():
    X, y = make_spectra(6, 16, random_state=0)
    y = np.array(["F", "O"])[np.arange(6) % 2]
    with pytest.raises(ValueError, match="leaves no real spectrum for validation"):
        RACNetClassifier(**TINY).fit(X, y, is_synthetic=np.arange(6) >= 2)


def test_lcgan_inside_the_classifier(data):
    from imblearn.pipeline import make_pipeline

    from skspec.over_sampling import LCGAN
    from skspec.preprocessing import FluxNormalizer

    X, y = data
    gan = LCGAN(sampling_strategy={"O": 40}, n_iter=2, batch_size=8, noise_dim=8, random_state=0)
    pipe = make_pipeline(FluxNormalizer(), RACNetClassifier(**TINY, sampler=gan)).fit(X, y)
    clf = pipe[-1]
    n_train_o = np.sum(y == "O") - np.sum(y[clf.validation_indices_] == "O")
    assert clf.n_synthetic_ == 40 - n_train_o
    assert set(pipe.predict(X)) <= {"F", "O"}


# ------------------------------------------------------------ split by star
def test_split_by_groups_keeps_each_star_on_one_side():
    rng = np.random.default_rng(0)
    y = np.repeat(["F"] * 12 + ["O"] * 4, 3)  # 16 stars, 3 spectra each
    groups = np.repeat([f"s{i}" for i in range(16)], 3)
    order = rng.permutation(len(y))
    y, groups = y[order], groups[order]
    train, valid = RealValidSplit(0.3, random_state=0).split_indices(y, groups=groups)
    assert not set(groups[train]) & set(groups[valid])
    assert len(set(groups[valid][y[valid] == "F"])) == round(0.3 * 12)
    assert len(set(groups[valid][y[valid] == "O"])) == round(0.3 * 4)
    # rows, not stars, without groups: some star ends up on both sides
    train, valid = RealValidSplit(0.3, random_state=0).split_indices(y)
    assert set(groups[train]) & set(groups[valid])


def test_split_by_groups_refuses_a_star_of_two_classes():
    y = np.array(["F", "O", "F", "F", "O", "O"])
    groups = np.array(["a", "a", "b", "c", "d", "e"])
    with pytest.raises(ValueError, match="group 'a' holds spectra of several classes"):
        RealValidSplit(0.5, random_state=0).split_indices(y, groups=groups)


def test_classifier_validates_on_whole_stars(data):
    from imblearn.pipeline import make_pipeline

    from skspec.preprocessing import FluxNormalizer

    X, y = data
    groups = np.array([f"{label}{i // 3}" for i, label in enumerate(y)])  # ~3 spectra per star
    clf = RACNetClassifier(**TINY).fit(X, y, groups=groups)
    valid = clf.validation_indices_
    train = np.setdiff1d(np.arange(len(y)), valid)
    assert valid.size and not set(groups[valid]) & set(groups[train])
    pipe = make_pipeline(FluxNormalizer(), RACNetClassifier(**TINY, sampler=AppendingSampler()))
    pipe.fit(X, y, racnetclassifier__groups=groups)  # how a pipeline passes them
    valid = pipe[-1].validation_indices_
    assert not set(groups[valid]) & set(groups[np.setdiff1d(np.arange(len(y)), valid)])
    with pytest.raises(ValueError, match="groups must hold one star id per spectrum"):
        RACNetClassifier(**TINY).fit(X, y, groups=groups[:-1])


def test_groups_reach_the_classifier_through_metadata_routing(data):
    import skorch
    import sklearn

    if tuple(int(p) for p in skorch.__version__.split(".")[:2]) < (1, 4):
        pytest.skip("skorch < 1.4 cannot clone a net after set_fit_request (its _metadata_request "
                    "is taken for a parameter); pass racnetclassifier__groups= in a pipeline instead")
    from sklearn.model_selection import GroupKFold, cross_val_score

    X, y = data
    groups = np.array([f"{label}{i // 3}" for i, label in enumerate(y)])
    with sklearn.config_context(enable_metadata_routing=True):
        clf = RACNetClassifier(**TINY).set_fit_request(groups=True)
        scores = cross_val_score(clf, X, y, cv=GroupKFold(2), params={"groups": groups})
    assert scores.shape == (2,)
