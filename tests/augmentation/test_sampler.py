"""AugmentationSampler: copies, marks, pipelines, model selection."""

import pickle

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from imblearn.utils.estimator_checks import parametrize_with_checks
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC

from skspec.augmentation import AugmentationSampler, SpectrumAugmenter, redden
from skspec.datasets import make_spectra

N_PIX = 64
WAVE = np.geomspace(3900.0, 7400.0, N_PIX)


@pytest.fixture(scope="module")
def data():
    X, y = make_spectra(60, N_PIX, weights=[0.8, 0.2], random_state=0)
    return X, y


@parametrize_with_checks(
    [AugmentationSampler(SpectrumAugmenter(ebv=None, snr=(20, 50)), n_copies=1, random_state=0)],
    expected_failed_checks=lambda est: {
        "check_samplers_sparse": "spectra are dense; sparse input is refused",
        "check_samplers_pandas_sparse": "spectra are dense; sparse input is refused",
    },
)
def test_imblearn_checks(estimator, check):
    check(estimator)


def test_copies_follow_the_real_rows_with_their_labels(data):
    X, y = data
    sampler = AugmentationSampler(SpectrumAugmenter(WAVE, snr=None), n_copies=3,
                                  random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (240, N_PIX) and X_res.dtype == X.dtype
    np.testing.assert_array_equal(X_res[:60], X)
    np.testing.assert_array_equal(y_res, np.tile(y, 4))
    # each copy is its spectrum reddened by some E(B-V) in 0-2: the ratio is the curve
    k = -2.5 * np.log10(redden(np.ones(N_PIX), WAVE, 1.0))
    ratio = -2.5 * np.log10(X_res[60:] / np.tile(X, (3, 1)))
    ebv = ratio[:, 0] / k[0]
    np.testing.assert_allclose(ratio, ebv[:, None] * k[None, :], rtol=1e-3, atol=1e-5)
    assert 0 <= ebv.min() and ebv.max() <= 2 and np.unique(ebv.round(6)).size == 180
    assert sampler.sampling_strategy_ == {0: 144, 1: 36}


def test_seeds(data):
    X, y = data
    make = lambda rs: AugmentationSampler(SpectrumAugmenter(WAVE), n_copies=2, random_state=rs)
    a, _ = make(0).fit_resample(X, y)
    b, _ = make(0).fit_resample(X, y)
    c, _ = make(1).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[60:], c[60:])
    assert not np.allclose(a[60:120], a[120:])  # two copies, two draws
    # None takes the augmenter's seed
    d, _ = AugmentationSampler(SpectrumAugmenter(WAVE, random_state=0), n_copies=2).fit_resample(X, y)
    np.testing.assert_array_equal(a, d)


def test_wavelength_given_to_the_sampler(data):
    X, y = data
    with pytest.raises(ValueError, match="needs the wavelength grid"):
        AugmentationSampler().fit_resample(X, y)
    X_res, _ = AugmentationSampler(wavelength=WAVE, random_state=0).fit_resample(X, y)
    assert X_res.shape == (360, N_PIX)  # five copies by default


def test_zero_copies_and_bad_n_copies(data):
    X, y = data
    X_res, y_res = AugmentationSampler(wavelength=WAVE, n_copies=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    assert X_res is not X
    with pytest.raises(ValueError, match="n_copies"):
        AugmentationSampler(wavelength=WAVE, n_copies=-1).fit_resample(X, y)


def test_clone_pickle_and_grid_search_over_ranges(data):
    X, y = data
    pipe = make_pipeline(
        AugmentationSampler(SpectrumAugmenter(WAVE), n_copies=1, random_state=0),
        SVC(),
    )
    twin = clone(pipe)
    assert twin.get_params()["augmentationsampler__augmenter__ebv"] == (0.0, 2.0)
    back = pickle.loads(pickle.dumps(pipe.fit(X, y)))
    np.testing.assert_array_equal(back.predict(X), pipe.predict(X))
    search = GridSearchCV(
        pipe,
        {"augmentationsampler__augmenter__ebv": [(0.0, 0.5), (0.0, 2.0)],
         "augmentationsampler__augmenter__snr": [None, (10, 100)]},
        cv=3,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["augmentationsampler__augmenter__ebv"] in [(0.0, 0.5), (0.0, 2.0)]
    # a bad range surfaces as the named error, not a silent skip
    with pytest.raises(ValueError, match="ebv=.*low end exceeds"):
        clone(pipe).set_params(augmentationsampler__augmenter__ebv=(2.0, 1.0)).fit(X, y)


def test_sparse_input_is_refused(data):
    from scipy import sparse

    X, y = data
    with pytest.raises(TypeError, match="dense data is required"):
        AugmentationSampler(wavelength=WAVE).fit_resample(sparse.csr_matrix(X), y)


def test_augmented_rows_never_reach_racnet_validation(data):
    from skspec.neural_network import RACNetClassifier

    X, y = data
    clf = RACNetClassifier(
        module__channels=(4,), max_epochs=2, patience=None, random_state=0,
        sampler=AugmentationSampler(wavelength=WAVE, n_copies=2, random_state=0))
    clf.fit(X, y)
    valid = clf.validation_indices_
    assert valid.size == 18  # 30 % of each class's 48 + 12 real rows
    assert valid.max() < len(X)  # every validation row is a real spectrum
    # the sampler saw the 42 training rows only and appended two copies of each
    assert clf.sampler_.n_features_in_ == N_PIX
    assert clf.n_synthetic_ == 2 * (len(X) - valid.size)
    assert sum(clf.sampler_.sampling_strategy_.values()) == clf.n_synthetic_


def test_an_over_samplers_rows_are_augmented_too(data):
    from imblearn.over_sampling import RandomOverSampler

    X, y = data
    aug = SpectrumAugmenter(WAVE, snr=None)
    sampler = AugmentationSampler(aug, n_copies=1, random_state=0,
                                  sampler=RandomOverSampler(random_state=0))
    X_res, y_res = sampler.fit_resample(X, y)
    ros_X, ros_y = RandomOverSampler(random_state=0).fit_resample(X, y)
    n_gen = len(ros_X) - len(X)  # 36 new minority rows
    assert X_res.shape == (len(X) + n_gen + len(X), N_PIX)
    np.testing.assert_array_equal(X_res[:60], X)
    np.testing.assert_array_equal(y_res[60:60 + n_gen], ros_y[60:])
    # the over-sampled rows are reddened versions of the duplicated spectra, not the duplicates
    gen = X_res[60:60 + n_gen]
    ratio = gen / ros_X[60:]
    assert not np.allclose(ratio, 1.0)
    assert (ratio[:, 0] <= ratio[:, -1] + 1e-12).all()  # bluer end dimmed most


def test_a_sampler_that_reorders_real_rows_is_refused(data):
    from imblearn.under_sampling import RandomUnderSampler

    X, y = data
    with pytest.raises(ValueError, match="does not return the real rows first"):
        AugmentationSampler(SpectrumAugmenter(WAVE), sampler=RandomUnderSampler()).fit_resample(X, y)
