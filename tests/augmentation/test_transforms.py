"""Physics of the single transforms: Doppler shift, rotation, calibration, bad pixels, noise."""

import numpy as np
import pytest
from scipy.integrate import trapezoid  # np.trapezoid needs numpy 2

from skspec.augmentation import (
    broaden_rotation,
    distort_calibration,
    doppler_shift,
    mask_pixels,
    rotational_kernel,
)
from skspec.augmentation._base import C_KMS
from skspec.preprocessing import degrade
from skspec.preprocessing._resample import default_grid

N = 2000
LOG_STEP = 1e-4  # log10 step of the grid: 69.03 km/s per pixel
WAVE = 10 ** (3.6 + LOG_STEP * np.arange(N))


def _line(centre, sigma=1.5, depth=0.6, n=N):
    pix = np.arange(n)
    return 1.0 - depth * np.exp(-0.5 * ((pix - centre) / sigma) ** 2)


def _centre(flux):
    depth = 1.0 - flux
    return float((depth * np.arange(flux.size)).sum() / depth.sum())


@pytest.mark.parametrize("velocity", [-250.0, -30.0, 45.0, 100.0, 600.0])
def test_doppler_shift_moves_a_line_by_the_expected_pixels(velocity):
    beta = velocity / C_KMS
    expected = np.log10(np.sqrt((1 + beta) / (1 - beta))) / LOG_STEP
    shifted = doppler_shift(_line(1000.3), WAVE, velocity)
    assert _centre(shifted) - 1000.3 == pytest.approx(expected, abs=0.01)
    # flux conserving: the line keeps its equivalent width
    assert (1 - shifted).sum() == pytest.approx((1 - _line(1000.3)).sum(), rel=1e-6)


def test_doppler_shift_per_row_and_non_log_grid():
    wave = np.linspace(4000.0, 4400.0, 801)  # 0.5 A pixels
    flux = np.vstack([_line(400, n=801), _line(400, n=801)])
    out = doppler_shift(flux, wave, [0.0, 150.0])
    np.testing.assert_allclose(out[0], flux[0], atol=1e-12)
    lam0 = wave[400]
    beta = 150.0 / C_KMS
    expected_px = lam0 * (np.sqrt((1 + beta) / (1 - beta)) - 1) / 0.5
    assert _centre(out[1]) - 400 == pytest.approx(expected_px, abs=0.02)


def test_doppler_shift_errors():
    with pytest.raises(ValueError, match="velocity must be a scalar or have one value per spectrum"):
        doppler_shift(np.ones((2, N)), WAVE, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="speed of light"):
        doppler_shift(np.ones(N), WAVE, 3e5)


def test_rotational_kernel_is_normalised_and_shaped():
    v = np.linspace(-400, 400, 400001)
    for eps in (0.0, 0.6, 1.0):
        prof = rotational_kernel(v, 200.0, limb_darkening=eps)
        assert trapezoid(prof, v) == pytest.approx(1.0, abs=1e-5)
        assert prof[np.abs(v) > 200].max() == 0
    # without limb darkening it is a half ellipse: G(0) = 2 / (pi vsini)
    assert rotational_kernel([0.0], 100.0, limb_darkening=0.0)[0] == pytest.approx(2 / (np.pi * 100))


@pytest.mark.parametrize("vsini", [20.0, 150.0, 400.0])
@pytest.mark.parametrize("grid", ["log", "linear"])
def test_rotation_conserves_flux_and_equivalent_width(vsini, grid):
    wave = WAVE if grid == "log" else np.linspace(WAVE[0], WAVE[-1], N)
    flux = _line(1000, sigma=1.0, depth=0.8) * np.linspace(1.0, 2.0, N)  # a line on a slope
    out = broaden_rotation(flux, wave, vsini)
    cont = np.linspace(1.0, 2.0, N)
    width = np.gradient(wave)
    ew_in = ((1 - flux / cont) * width).sum()
    ew_out = ((1 - out / cont) * width).sum()
    assert ew_out == pytest.approx(ew_in, rel=2e-3)
    core = slice(200, N - 200)  # total flux away from the edges
    assert (out[core] * width[core]).sum() == pytest.approx((flux[core] * width[core]).sum(), rel=1e-4)
    if vsini > 69.03:  # wider than a pixel: the line gets shallower
        assert out.min() > flux.min() + 0.05
    window = slice(900, 1101)  # the line stays where it was
    assert _centre((out / cont)[window]) == pytest.approx(_centre((flux / cont)[window]), abs=0.02)


def test_rotation_width_matches_the_kernel():
    # a line much narrower than the kernel takes the kernel's shape and width
    vsini = 500.0
    flux = _line(1000, sigma=0.3, depth=0.9)
    out = broaden_rotation(flux, WAVE, vsini, limb_darkening=0.0)
    v = (np.arange(N) - 1000) * LOG_STEP * np.log(10) * C_KMS
    depth = 1 - out
    var = (depth * v**2).sum() / depth.sum()
    assert np.sqrt(var) == pytest.approx(vsini / 2, rel=0.05)  # half ellipse: sigma = vsini / 2


def test_rotation_zero_is_identity_and_errors():
    flux = np.vstack([_line(1000), _line(900)])
    out = broaden_rotation(flux, WAVE, [0.0, 100.0])
    np.testing.assert_array_equal(out[0], flux[0])
    with pytest.raises(ValueError, match="vsini must be >= 0, got -5"):
        broaden_rotation(flux, WAVE, -5.0)
    with pytest.raises(ValueError, match="limb_darkening must be in"):
        broaden_rotation(flux, WAVE, 10.0, limb_darkening=1.5)


def test_calibration_error_is_smooth_with_the_chosen_amplitude():
    flux = np.ones((50, N))
    out = distort_calibration(flux, WAVE, 0.2, order=3, random_state=0)
    np.testing.assert_allclose(np.abs(out - 1).max(axis=1), 0.2)
    # smooth: a cubic has at most two turning points
    turns = (np.diff(np.sign(np.diff(out, axis=1)), axis=1) != 0).sum(axis=1)
    assert turns.max() <= 2
    assert not np.allclose(out[0], out[1])
    np.testing.assert_array_equal(out, distort_calibration(flux, WAVE, 0.2, random_state=0))
    with pytest.raises(ValueError, match="amplitude must be below 1"):
        distort_calibration(flux, WAVE, 1.0)
    with pytest.raises(ValueError, match="amplitude must be >= 0"):
        distort_calibration(flux, WAVE, -0.1)


def test_mask_pixels_fills_like_the_readers():
    from skspec.preprocessing import resample_spectrum

    wave = default_grid()
    rng = np.random.default_rng(0)
    flux = rng.uniform(1, 2, size=wave.size)
    out = mask_pixels(flux, wave, 5700.0, 5900.0)
    inside = (wave >= 5700) & (wave <= 5900)
    masked = flux.copy()
    masked[inside] = np.nan  # what a reader gets from a masked pixel
    np.testing.assert_allclose(out, resample_spectrum(wave, masked, wave), rtol=1e-12)
    np.testing.assert_array_equal(out[~inside], flux[~inside])
    # linear in wavelength between the run's two neighbours
    lo, hi = np.flatnonzero(inside)[[0, -1]]
    line = np.interp(wave[inside], wave[[lo - 1, hi + 1]], flux[[lo - 1, hi + 1]])
    np.testing.assert_allclose(out[inside], line, rtol=1e-12)
    with pytest.raises(ValueError, match="start .* exceeds stop"):
        mask_pixels(flux, wave, 5900.0, 5700.0)
    with pytest.raises(ValueError, match="no good pixel"):
        mask_pixels(flux, wave, 0.0, 1e5)


def test_degrade_noise_is_the_shared_implementation():
    from skspec.preprocessing._degrade import add_noise

    X = np.ones((3, 100)) * np.array([[1.0], [2.0], [5.0]])
    a = degrade(X, snr=10, random_state=0)
    b = add_noise(X, 10, np.random.RandomState(0))
    np.testing.assert_array_equal(a, b)
    per_row = add_noise(np.ones((2, 20000)), np.array([10.0, 100.0]), np.random.RandomState(0))
    np.testing.assert_allclose(per_row.std(axis=1), [0.1, 0.01], rtol=0.03)
