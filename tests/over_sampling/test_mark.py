"""MarkSynthetic: imblearn over-samplers get the same real-rows-first record as the GANs."""

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from skspec.over_sampling import MarkSynthetic
from skspec.utils import get_synthetic_mask


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 5))
    y = np.array([0] * 24 + [1] * 6)
    return X, y


@pytest.mark.parametrize(
    "sampler", [SMOTE(k_neighbors=3, random_state=0), RandomOverSampler(random_state=0), None]
)
def test_marks_the_appended_rows(sampler, data):
    X, y = data
    X_res, y_res = MarkSynthetic(sampler).fit_resample(X, y)
    assert X_res.shape == (48, 5)
    expected = np.r_[np.zeros(30, bool), np.ones(18, bool)]
    np.testing.assert_array_equal(get_synthetic_mask(X_res), expected)
    np.testing.assert_array_equal(y_res[30:], np.ones(18))


def test_same_output_as_the_wrapped_sampler(data):
    X, y = data
    wrapped = MarkSynthetic(SMOTE(k_neighbors=3, random_state=0))
    X_a, y_a = wrapped.fit_resample(X, y)
    X_b, y_b = SMOTE(k_neighbors=3, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)
    assert wrapped.sampling_strategy_ == {1: 18}
    assert wrapped.n_features_in_ == 5
    assert clone(wrapped).get_params()["sampler"].k_neighbors == 3


def test_refuses_under_samplers(data):
    X, y = data
    with pytest.raises(ValueError, match="RandomUnderSampler returned 12 rows from 30"):
        MarkSynthetic(RandomUnderSampler(random_state=0)).fit_resample(X, y)


class _Shuffler(RandomOverSampler):
    """An over-sampler that does not keep the real rows first."""

    def _fit_resample(self, X, y):
        X_res, y_res = super()._fit_resample(X, y)
        return X_res[::-1], y_res[::-1]


def test_refuses_samplers_that_reorder(data):
    X, y = data
    with pytest.raises(ValueError, match="does not return the real rows first"):
        MarkSynthetic(_Shuffler(random_state=0)).fit_resample(X, y)


def test_bad_sampler_parameter(data):
    X, y = data
    with pytest.raises(ValueError, match="sampler"):
        MarkSynthetic(sampler="smote").fit_resample(X, y)


class _SeesMask(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.mask_ = get_synthetic_mask(X)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def test_classifier_in_pipeline_sees_the_mask(data):
    X, y = data
    mark = MarkSynthetic(SMOTE(k_neighbors=3, random_state=0))
    pipe = Pipeline([("mark", mark), ("clf", _SeesMask())])
    pipe.fit(X, y)
    mask = pipe.named_steps["clf"].mask_
    assert mask is not None and mask.sum() == 18 and not mask[:30].any()
