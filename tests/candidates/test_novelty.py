"""NoveltyDetector: "none of the above" by k-NN distance, calibrated on held-out stars."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skspec.candidates import NoveltyDetector
from skspec.datasets import make_spectra


_TRAIN_SET = (
    "the threshold is calibrated on held-out folds, while a training spectrum is scored against "
    "a reference set that holds itself, so predict on the training set flags fewer than "
    "100 - percentile %; test_threshold_is_the_percentile_of_held_out_scores checks the calibration"
)
CHECK_XFAIL = {"check_outliers_train": _TRAIN_SET, "check_outliers_fit_predict": _TRAIN_SET}


@parametrize_with_checks(
    [NoveltyDetector(features="continuum+lines", n_components=2, n_neighbors=2, cv=2, random_state=0),
     NoveltyDetector(features="flux", n_components=None, n_neighbors=2, cv=2, random_state=0)],
    expected_failed_checks=lambda est: {**CHECK_XFAIL, **(
        {"check_estimators_dtypes": "FluxNormalizer refuses all-zero spectra, and the check's "
                                    "integer data has an all-zero row"} if est.features == "flux" else {})},
)
def test_sklearn_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def spectra():
    X, y = make_spectra(400, 300, random_state=0)
    return np.asarray(X, dtype=np.float64), y


@pytest.mark.parametrize("features", ["continuum+lines", "flux"])
def test_new_spectra_of_the_training_classes_are_rarely_unknown(spectra, features):
    X, _ = spectra
    det = NoveltyDetector(features=features, n_components=10, random_state=0).fit(X[:300])
    assert det.is_unknown(X[300:]).mean() <= 0.05
    assert 0.005 <= det.is_unknown(X[:300]).mean() <= 0.02 or det.calibration_scores_.size == 300
    noise = np.abs(1 + np.random.default_rng(0).normal(0, 1, (20, X.shape[1])))
    assert det.is_unknown(noise).all()
    np.testing.assert_array_equal(det.predict(noise), -1)
    np.testing.assert_allclose(det.decision_function(X[:5]), det.threshold_ - det.novelty_score(X[:5]))


def test_lines_moved_are_unknown_with_continuum_and_lines(spectra):
    X, _ = spectra
    det = NoveltyDetector(features="continuum+lines", n_components=10, random_state=0).fit(X[:300])
    moved = np.roll(X[300:], 60, axis=1)
    assert det.is_unknown(moved).mean() > 0.5


def test_threshold_is_the_percentile_of_held_out_scores(spectra):
    X, _ = spectra
    det = NoveltyDetector(n_components=5, percentile=90, random_state=0).fit(X[:200])
    assert det.threshold_ == pytest.approx(np.percentile(det.calibration_scores_, 90))
    assert np.isfinite(det.calibration_scores_).all()


def test_groups_keep_copies_of_a_star_in_one_fold(spectra):
    """Duplicates of each spectrum: without groups the held-out twin sits at distance 0."""
    X, _ = spectra
    X2 = np.repeat(X[:150], 2, axis=0)
    groups = np.repeat(np.arange(150), 2)
    leaky = NoveltyDetector(n_components=5, n_neighbors=1, random_state=0).fit(X2)
    grouped = NoveltyDetector(n_components=5, n_neighbors=1, random_state=0).fit(X2, groups=groups)
    assert np.median(leaky.calibration_scores_) < 1e-6
    assert np.median(grouped.calibration_scores_) > 1e-3


def test_bad_input_is_named(spectra):
    X, _ = spectra
    with pytest.raises(ValueError, match="at least 2 \\* n_neighbors"):
        NoveltyDetector(n_neighbors=5).fit(X[:6])
    det = NoveltyDetector(n_components=3, random_state=0).fit(X[:50])
    bad = X[:2].copy()
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match="row 1"):
        det.novelty_score(bad)
    with pytest.raises(ValueError, match="groups has 3 entries"):
        NoveltyDetector().fit(X[:50], groups=[1, 2, 3])


def test_clone_and_skops_round_trip(spectra):
    """Fitted state is numpy and sklearn objects only: skops.io needs to trust only skspec's classes."""
    sio = pytest.importorskip("skops.io")
    X, _ = spectra
    det = NoveltyDetector(n_components=5, random_state=0).fit(X[:100])
    assert clone(det).get_params() == det.get_params()
    blob = sio.dumps(det)
    untrusted = sio.get_untrusted_types(data=blob)
    assert all(t.startswith("skspec.") for t in untrusted), untrusted
    back = sio.loads(blob, trusted=untrusted)
    np.testing.assert_allclose(back.novelty_score(X[100:110]), det.novelty_score(X[100:110]))
    assert back.threshold_ == det.threshold_


def _shared_data():
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for candidate in (os.environ.get("SKSPEC_SHARED_DATA"), root.parent / "shared" / "data",
                      root.parent.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "raw" / "lamost_cmost_tests").is_dir():
            return Path(candidate)
    return None


@pytest.mark.skipif(_shared_data() is None, reason="shared/data (LAMOST cmost test files) not found")
def test_the_lamost_quasar_is_unknown_and_a_good_star_is_not():
    from skspec.datasets import load_obafgkm
    from skspec.io import read_spectra

    folder = _shared_data() / "raw" / "lamost_cmost_tests"
    d = load_obafgkm()
    det = NoveltyDetector(cv=3, random_state=0).fit(np.asarray(d.data, dtype=np.float64), groups=d.object)
    files = read_spectra(folder, verbose=0)
    classes = [m["class"] for m in files.meta]
    snr = np.array([m["snr"] for m in files.meta])
    unknown = det.is_unknown(np.asarray(files.flux, dtype=np.float64))
    assert unknown[classes.index("QSO")]
    good_stars = (np.array(classes) == "STAR") & (snr > 5)
    assert good_stars.sum() == 3 and not unknown[good_stars].any()
