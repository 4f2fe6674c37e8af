import pickle

import astropy.units as u
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skspec.preprocessing import WavelengthResampler, resample_spectrum
from skspec.preprocessing._resample import default_grid

# An estimator bound to an input wavelength axis (wavelength= given) accepts only
# X with len(wavelength) columns. sklearn's checks feed X of 1 to 10 columns, so
# every check that fits or transforms such X fails on the pixel-count mismatch,
# by design (a wrong number of pixels is an error, not something to guess).
# With wavelength=None (the first two instances) every check passes.
_BOUND = "bound to 10 input pixels by wavelength=; the check feeds X with another number of columns"
BOUND_FAILURES = {
    name: _BOUND
    for name in [
        "check_dict_unchanged", "check_dont_overwrite_parameters",
        "check_estimators_dtypes", "check_estimators_fit_returns_self",
        "check_estimators_overwrite_params", "check_estimators_pickle",
        "check_f_contiguous_array_estimator", "check_fit2d_1feature",
        "check_fit2d_predict1d", "check_fit_check_is_fitted", "check_fit_idempotent",
        "check_fit_score_takes_y", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_n_features_in",
        "check_n_features_in_after_fitting", "check_pipeline_consistency",
        "check_positive_only_tag_during_fit", "check_readonly_memmap_input",
        "check_transformer_data_not_an_array", "check_transformer_general",
        "check_transformer_preserve_dtypes",
    ]
}
BOUND = WavelengthResampler(np.geomspace(4100, 4900, 7), wavelength=np.linspace(3990, 5010, 10))


def _expected_failures(est):
    return BOUND_FAILURES if est.wavelength is not None else {}


@parametrize_with_checks(
    [WavelengthResampler(), WavelengthResampler(method="linear"), BOUND],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture
def ramp():
    """Two spectra on 1 A pixels, 4000-4999 A: a constant and a linear ramp."""
    wave = np.arange(4000.0, 5000.0)
    X = np.vstack([np.full(wave.size, 2.0), 1.0 + (wave - 4000.0) / 1000.0])
    return wave, X


def test_flux_conserving_is_the_bin_average(rng):
    wave = np.arange(4000.0, 5000.0)  # 1 A pixels: pixel i covers wave[i] -+ 0.5
    flux = rng.uniform(0.5, 1.5, wave.size)
    grid = np.linspace(4100.0, 4900.0, 81)
    out = resample_spectrum(wave, flux, grid)
    # independent definition: bin edges half-way in log(lambda), mean of the
    # piecewise-constant source over each bin, from pixel overlaps
    loglam = np.log(grid)
    mid = 0.5 * (loglam[1:] + loglam[:-1])
    edges = np.exp(np.concatenate([[2 * loglam[0] - mid[0]], mid, [2 * loglam[-1] - mid[-1]]]))
    lo, hi = edges[:-1, None], edges[1:, None]
    overlap = np.clip(np.minimum(hi, wave + 0.5) - np.maximum(lo, wave - 0.5), 0, None)
    np.testing.assert_allclose(out, overlap @ flux / (hi - lo)[:, 0], rtol=1e-5)
    # so the integral over the grid's range is conserved
    np.testing.assert_allclose((out * np.diff(edges)).sum(), overlap.sum(0) @ flux, rtol=1e-6)


def test_constant_and_linear_are_reproduced(ramp):
    wave, X = ramp
    grid = np.geomspace(4100.0, 4900.0, 50)
    for method in ("flux_conserving", "linear"):
        out = resample_spectrum(wave, X, grid, method=method)
        np.testing.assert_allclose(out[0], 2.0, rtol=1e-12)
        np.testing.assert_allclose(out[1], 1.0 + (grid - 4000.0) / 1000.0, rtol=1e-4)


def test_same_pixels_is_identity(ramp):
    wave, X = ramp
    np.testing.assert_allclose(resample_spectrum(wave, X, wave[5:-5]), X[:, 5:-5], rtol=1e-6)


def test_transformer_without_wavelength_is_identity_on_its_grid(rng):
    X = rng.uniform(1, 2, (3, default_grid().size)).astype(np.float32)
    np.testing.assert_allclose(WavelengthResampler().fit_transform(X), X, rtol=1e-5)


def test_transformer_inferred_pixels_tile_the_grid():
    resampler = WavelengthResampler().fit(np.ones((1, 10)))
    grid = default_grid()
    assert resampler.wavelength_in_.size == 10
    assert grid[0] < resampler.wavelength_in_[0] < resampler.wavelength_in_[-1] < grid[-1]
    np.testing.assert_allclose(np.diff(np.log(resampler.wavelength_in_)), np.log(grid[-1] / grid[0]) * 2782 / 2781 / 10)


@pytest.mark.parametrize("method", ["flux_conserving", "linear"])
def test_bad_pixels_are_interpolated_not_zero(ramp, method):
    wave, X = ramp
    grid = np.arange(4100.0, 4900.0, 2.0)
    Xbad = X.copy()
    Xbad[1, 300:320] = np.nan  # a 20-pixel hole in the ramp
    out = WavelengthResampler(grid, wavelength=wave, method=method).fit_transform(Xbad)
    assert np.isfinite(out).all() and (out > 0).all()
    # a linear ramp interpolated over its hole is the ramp itself
    np.testing.assert_allclose(out[1], 1.0 + (grid - 4000.0) / 1000.0, rtol=1e-4)


def test_ivar_and_mask_mark_bad_pixels(ramp):
    wave, X = ramp
    flux = X[1].copy()
    flux[500:505] = 0.0  # garbage flux in pixels with ivar == 0
    ivar = np.ones_like(flux)
    ivar[500:505] = 0.0
    grid = np.arange(4450.0, 4560.0, 3.0)
    expected = 1.0 + (grid - 4000.0) / 1000.0
    np.testing.assert_allclose(resample_spectrum(wave, flux, grid, ivar=ivar), expected, rtol=1e-4)
    mask = ivar == 0
    np.testing.assert_allclose(resample_spectrum(wave, flux, grid, mask=mask), expected, rtol=1e-4)
    # without the ivar the zeros pull the result down: the test can fail
    assert resample_spectrum(wave, flux, grid).min() < 0.9 * expected.min()


def test_quantity_inputs_are_converted(ramp):
    wave, X = ramp
    grid = np.linspace(4100.0, 4900.0, 40)
    out_nm = resample_spectrum((wave * u.AA).to(u.nm), X[1], (grid * u.AA).to(u.um))
    np.testing.assert_allclose(out_nm, resample_spectrum(wave, X[1], grid), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(ramp, dtype):
    wave, X = ramp
    grid = np.linspace(4100.0, 4900.0, 40)
    assert resample_spectrum(wave, X.astype(dtype), grid).dtype == dtype
    out = WavelengthResampler(grid, wavelength=wave).fit_transform(X.astype(dtype))
    assert out.dtype == dtype and out.shape == (2, 40)


def test_pipeline_clone_pickle(ramp):
    wave, X = ramp
    X = np.vstack([X, X * 3, X[::-1] * 2, X[::-1]])
    y = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    grid = np.linspace(4100.0, 4900.0, 40)
    pipe = make_pipeline(WavelengthResampler(grid, wavelength=wave), LogisticRegression())
    pipe.fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict(X), pipe.predict(X))
    twin = clone(pipe.steps[0][1])
    np.testing.assert_array_equal(twin.get_params()["wavelength"], wave)
    assert not hasattr(twin, "grid_")


def test_feature_names_match_the_bundled_data():
    from skspec.datasets import load_obafgkm

    data = load_obafgkm()
    names = WavelengthResampler().fit(data.data[:2]).get_feature_names_out()
    np.testing.assert_array_equal(names, data.feature_names)
    np.testing.assert_allclose(default_grid(), data.wavelength.to_value(u.AA), rtol=1e-12)


# ---- bad input: one test per case ----

def test_grid_outside_coverage_raises(ramp):
    wave, X = ramp
    with pytest.raises(ValueError, match=r"grid .* is outside the coverage of the spectrum"):
        resample_spectrum(wave, X[0], np.linspace(3900.0, 4500.0, 10))


def test_transformer_grid_outside_coverage_raises(ramp):
    wave, X = ramp
    resampler = WavelengthResampler(np.linspace(4500.0, 5200.0, 10), wavelength=wave)
    with pytest.raises(ValueError, match="outside the coverage of the input pixels"):
        resampler.fit(X)


def test_linear_grid_outside_coverage_raises(ramp):
    wave, X = ramp
    with pytest.raises(ValueError, match="outside the coverage"):
        resample_spectrum(wave, X[0], [4100.0, 5001.0], method="linear")


def test_wavelength_not_increasing_raises(ramp):
    wave, X = ramp
    wave = wave.copy()
    wave[10] = wave[9]
    with pytest.raises(ValueError, match="strictly increasing; it is not at index 10"):
        resample_spectrum(wave, X[0], [4100.0, 4200.0])


def test_grid_not_increasing_raises(ramp):
    wave, X = ramp
    with pytest.raises(ValueError, match="grid must be strictly increasing"):
        WavelengthResampler([4500.0, 4200.0], wavelength=wave).fit(X)


def test_wavelength_length_mismatch_raises(ramp):
    wave, X = ramp
    with pytest.raises(ValueError, match="wavelength has 999 pixels but the spectra have 1000"):
        WavelengthResampler([4500.0, 4600.0], wavelength=wave[:-1]).fit(X)


def test_all_bad_spectrum_raises(ramp):
    wave, X = ramp
    X = X.copy()
    X[1] = np.nan
    with pytest.raises(ValueError, match=r"no good pixel in 1 spectrum \(row 1\)"):
        WavelengthResampler([4500.0, 4600.0], wavelength=wave).fit_transform(X)


def test_infinite_flux_raises(ramp):
    wave, X = ramp
    X = X.copy()
    X[0, 3] = np.inf
    with pytest.raises(ValueError, match="infinite flux in row 0"):
        WavelengthResampler([4500.0, 4600.0], wavelength=wave).fit_transform(X)


def test_1d_input_to_transformer_raises(ramp):
    wave, X = ramp
    with pytest.raises(ValueError, match="Expected 2D array"):
        WavelengthResampler([4500.0, 4600.0], wavelength=wave).fit(X[0])


def test_ivar_shape_mismatch_raises(ramp):
    wave, X = ramp
    with pytest.raises(ValueError, match="ivar has shape"):
        resample_spectrum(wave, X[0], [4500.0, 4510.0], ivar=np.ones(10))


def test_unknown_method_raises(ramp):
    wave, X = ramp
    with pytest.raises(ValueError, match="method must be"):
        resample_spectrum(wave, X[0], [4500.0, 4510.0], method="cubic")
    with pytest.raises(ValueError, match="method"):
        WavelengthResampler(method="cubic").fit(X)


def test_float32_rounded_wavelength_on_the_grid_is_covered():
    """Issue 13: float32 rounding of a spectrum's own grid is not missing coverage."""
    from skspec.preprocessing._resample import default_grid

    grid = default_grid()
    wave32 = 10.0 ** np.log10(grid).astype(np.float32).astype(np.float64)
    flux = np.linspace(1.0, 2.0, grid.size)
    for method in ("flux_conserving", "linear"):
        np.testing.assert_allclose(resample_spectrum(wave32, flux, grid, method=method), flux,
                                   rtol=1e-4)
    with pytest.raises(ValueError, match=r"\(0.2 px\) short at the blue end"):
        resample_spectrum(grid * 10 ** (0.2e-4), flux, grid)


def test_inferred_input_pixels_need_a_log_uniform_grid():
    # spectra already on a linear grid were taken as log-spaced and moved by ~280 A
    from skspec.preprocessing import WavelengthResampler

    grid = np.linspace(4000.0, 6000.0, 500)
    X = np.ones((2, 500))
    with pytest.raises(ValueError, match="not log-uniform.*pass wavelength="):
        WavelengthResampler(grid=grid).fit(X)
    np.testing.assert_allclose(WavelengthResampler(grid=grid, wavelength=grid).fit_transform(X), X)
    log_grid = np.geomspace(4000.0, 6000.0, 500)
    np.testing.assert_allclose(WavelengthResampler(grid=log_grid).fit_transform(X), X)
