"""No synthetic spectrum may land in the early-stopping validation split."""

import numpy as np
import pytest
from imblearn.over_sampling.base import BaseOverSampler
from skorch.callbacks import Callback

from skspec.datasets import make_spectra
from skspec.neural_network import RACNetClassifier, RealValidSplit
from skspec.utils import mark_synthetic

TINY = {"module__channels": (4,), "max_epochs": 2, "random_state": 0}


class AppendingSampler(BaseOverSampler):
    """Stand-in for an skspec GAN sampler: appends noisy copies, marks them."""

    _sampling_type = "over-sampling"
    _parameter_constraints = {**BaseOverSampler._parameter_constraints}

    def __init__(self, *, sampling_strategy="auto", factor=3):
        super().__init__(sampling_strategy=sampling_strategy)
        self.factor = factor

    def _fit_resample(self, X, y):
        rng = np.random.default_rng(0)
        new_X, new_y = [], []
        for label in np.unique(y):  # many synthetic rows of every class
            rows = X[y == label]
            pick = rng.integers(len(rows), size=self.factor * len(rows))
            new_X.append(rows[pick] + rng.normal(0, 1e-3, (len(pick), X.shape[1])).astype(X.dtype))
            new_y.append(np.full(len(pick), label, dtype=y.dtype))
        X_out = np.vstack([X, *new_X])
        return mark_synthetic(X_out, n_real=len(X)), np.concatenate([y, *new_y])


class RecordValid(Callback):
    """Record the indices skorch's validation dataset holds."""

    def on_train_begin(self, net, **kwargs):
        self.indices = []

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self.indices.append(np.asarray(dataset_valid.indices))
        self.n_train = len(dataset_train)


@pytest.fixture(scope="module")
def data():
    X, y = make_spectra(60, 64, weights=[0.8, 0.2], random_state=0)
    return X + 1.0, np.array(["F", "O"])[y]


def test_pipeline_validation_holds_real_rows_only(data):
    from imblearn.pipeline import make_pipeline

    X, y = data
    recorder = RecordValid()
    clf = RACNetClassifier(**TINY, callbacks=[("record", recorder)])
    make_pipeline(AppendingSampler(factor=3), clf).fit(X, y)
    n_real = len(X)
    for idx in recorder.indices:  # skorch's own validation dataset, every epoch
        assert idx.size > 0 and idx.max() < n_real
        np.testing.assert_array_equal(idx, clf.validation_indices_)
    # stratified 30 % of the real rows of each class
    assert np.sum(y[clf.validation_indices_] == "O") == round(0.3 * np.sum(y == "O"))
    assert np.sum(y[clf.validation_indices_] == "F") == round(0.3 * np.sum(y == "F"))
    assert recorder.n_train == 4 * n_real - clf.validation_indices_.size  # all synthetic rows train


def test_explicit_is_synthetic_fit_param(data):
    X, y = data
    synthetic = np.zeros(len(X), dtype=bool)
    synthetic[::2] = True  # not a tail block: the mask, not the row order, decides
    clf = RACNetClassifier(**TINY).fit(X, y, is_synthetic=synthetic)
    assert not synthetic[clf.validation_indices_].any()
    assert clf.validation_indices_.size == round(0.3 * np.sum(~synthetic & (y == "F"))) + round(
        0.3 * np.sum(~synthetic & (y == "O"))
    )


def test_unmarked_copy_is_treated_as_real(data):
    # a copy of a marked array carries no record: every row may validate
    X, y = data
    marked = mark_synthetic(np.vstack([X, X]), n_real=len(X))
    clf = RACNetClassifier(**TINY).fit(marked.copy(), np.concatenate([y, y]))
    assert clf.validation_indices_.max() >= len(X)


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


def test_lcgan_pipeline_keeps_gan_rows_out_of_validation(data):
    over_sampling = pytest.importorskip("skspec.over_sampling")
    if not hasattr(over_sampling, "LCGAN"):
        pytest.skip("skspec.over_sampling.LCGAN is not there yet")
    from imblearn.pipeline import make_pipeline

    from skspec.preprocessing import FluxNormalizer

    X, y = data
    recorder = RecordValid()
    pipe = make_pipeline(
        FluxNormalizer(),
        over_sampling.LCGAN(n_iter=2, batch_size=8, noise_dim=8, random_state=0),
        RACNetClassifier(**TINY, callbacks=[("record", recorder)]),
    ).fit(X, y)
    clf = pipe[-1]
    assert recorder.n_train + clf.validation_indices_.size > len(X)  # the GAN added rows
    assert clf.validation_indices_.max() < len(X)
    assert set(pipe.predict(X)) <= {"F", "O"}


@pytest.mark.slow
def test_lcgan_pipeline_on_bundled_data():
    over_sampling = pytest.importorskip("skspec.over_sampling")
    if not hasattr(over_sampling, "LCGAN"):
        pytest.skip("skspec.over_sampling.LCGAN is not there yet")
    from imblearn.pipeline import make_pipeline

    from skspec.datasets import load_ofgk
    from skspec.preprocessing import FluxNormalizer

    data = load_ofgk()
    pipe = make_pipeline(
        FluxNormalizer(), over_sampling.LCGAN(n_iter=200, random_state=0),
        RACNetClassifier(module__channels=(8, 8, 16, 16), max_epochs=5, random_state=0),
    )
    pipe.fit(data.data, data.target)
    clf = pipe[-1]
    assert clf.validation_indices_.max() < len(data.data)
    assert set(pipe.predict(data.data)) <= {"F", "G", "K", "O"}
