import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skspec.preprocessing import FluxNormalizer


# The one check FluxNormalizer cannot pass, on purpose: a spectrum whose norm is
# zero cannot be normalised, and issue #3 asks for a clear error instead of a
# silent NaN. check_estimators_dtypes casts 3 * uniform(20x5) data to int, which
# makes an all-zero row likely; it then expects fit_transform to succeed.
EXPECTED_FAILED_CHECKS = {
    "check_estimators_dtypes": "integer test data holds an all-zero row; "
    "FluxNormalizer raises on zero-norm spectra by design",
}


@parametrize_with_checks(
    [FluxNormalizer(), FluxNormalizer(norm="l1"), FluxNormalizer(norm="max")],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("norm, reference", [
    ("l2", lambda X: np.linalg.norm(X, axis=1)),
    ("l1", lambda X: np.abs(X).sum(axis=1)),
    ("max", lambda X: np.abs(X).max(axis=1)),
])
def test_matches_definition(spectra, norm, reference):
    X, _ = spectra
    Xt = FluxNormalizer(norm=norm).fit_transform(X)
    np.testing.assert_allclose(Xt, X / reference(X.astype(np.float64))[:, None], rtol=1e-5)


def test_l2_unit_norm_and_scale_invariance(spectra):
    X, _ = spectra
    Xt = FluxNormalizer().fit_transform(X)
    np.testing.assert_allclose(np.linalg.norm(Xt, axis=1), 1.0, rtol=1e-5)
    # a star 100x brighter (or in other flux units) normalises to the same spectrum
    np.testing.assert_allclose(FluxNormalizer().fit_transform(X * 100), Xt, rtol=1e-5)


@pytest.mark.parametrize("scale", [1e-30, 1e25])
def test_l2_extreme_flux_units_float32(scale):
    X = (np.array([[3.0, 4.0]]) * scale).astype(np.float32)
    np.testing.assert_allclose(FluxNormalizer().fit_transform(X), [[0.6, 0.8]], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(spectra, dtype):
    X, _ = spectra
    assert FluxNormalizer().fit_transform(X.astype(dtype)).dtype == dtype


def test_zero_flux_spectrum_names_row(spectra):
    X = spectra[0].copy()
    X[7] = 0
    with pytest.raises(ValueError, match=r"zero flux \(row 7\)"):
        FluxNormalizer().fit_transform(X)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_flux_names_row(spectra, bad):
    X = spectra[0].copy()
    X[3, 10] = bad
    with pytest.raises(ValueError, match=r"NaN or infinite flux in 1 spectrum \(row 3\)"):
        FluxNormalizer().fit(X)


def test_1d_input_is_rejected(spectra):
    with pytest.raises(ValueError, match="2D array"):
        FluxNormalizer().fit(spectra[0][0])


def test_ragged_input_is_rejected():
    with pytest.raises(ValueError, match="inhomogeneous|sequence"):
        FluxNormalizer().fit([[1.0, 2.0, 3.0], [1.0, 2.0]])


def test_wrong_number_of_pixels_at_transform(spectra):
    X, _ = spectra
    norm = FluxNormalizer().fit(X)
    with pytest.raises(ValueError, match="64 features"):
        norm.transform(X[:, :50])


def test_pipeline_clone_pickle(spectra):
    X, y = spectra
    pipe = make_pipeline(FluxNormalizer(), LogisticRegression()).fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict(X), pipe.predict(X))
    assert clone(pipe).get_params()["fluxnormalizer__norm"] == "l2"


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
@pytest.mark.parametrize("dtype, level", [(np.float16, 1000.0), (np.float32, 1e36)])
def test_norm_that_overflows_the_input_dtype(norm, dtype, level):
    # the l1 sum of 3700 pixels of 1000 overflows float16 (65504), of 1e36 float32:
    # the norm was inf and the output all zeros
    rng = np.random.default_rng(0)
    X64 = level * (1.0 + rng.random((3, 3700)))
    X = X64.astype(dtype)
    out = FluxNormalizer(norm=norm).fit_transform(X)
    assert out.dtype == dtype
    expected = FluxNormalizer(norm=norm).fit_transform(X.astype(np.float64))
    np.testing.assert_allclose(out.astype(np.float64), expected, rtol=2e-3 if dtype == np.float16 else 1e-6)
    assert (out > 0).all()


def test_norm_that_overflows_float64_names_rows():
    X = np.ones((3, 10))
    X[1] = 1e308
    with pytest.raises(ValueError, match=r"1 spectrum \(row 1\): the l1 norm overflows float64"):
        FluxNormalizer(norm="l1").fit_transform(X)
