"""SpectrumAugmenter: seeding, composition, the order of effects, bad parameters."""

import pickle

import astropy.units as u
import numpy as np
import pytest
from sklearn.base import clone

from skspec.augmentation import SpectrumAugmenter, redden
from skspec.preprocessing import degrade
from skspec.preprocessing._resample import default_grid

WAVE = default_grid()[::4]  # 696 log-uniform pixels, 3900-7400 A
ALL_ON = dict(ebv=(0.0, 2.0), rv=(2.5, 4.0), flux_calibration=(0.0, 0.1),
              radial_velocity=(-100.0, 100.0), vsini=(0.0, 300.0), resolution=(1500.0, 2500.0),
              snr=(10.0, 100.0), bad_pixels=0.5)


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    base = np.linspace(2.0, 1.0, WAVE.size)  # a blue continuum
    lines = 1 - 0.5 * np.exp(-0.5 * ((WAVE[None, :] - rng.uniform(4000, 7000, (6, 1))) / 3.0) ** 2)
    return (base * lines * rng.uniform(0.5, 2, (6, 1))).astype(np.float32)


def test_same_seed_same_output_different_seeds_differ(X):
    aug = SpectrumAugmenter(WAVE, **ALL_ON, random_state=0)
    a, b = aug.augment(X), aug.augment(X)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and a.shape == X.shape
    c = aug.augment(X, random_state=1)
    assert not np.allclose(a, c)
    np.testing.assert_array_equal(c, SpectrumAugmenter(WAVE, **ALL_ON).augment(X, random_state=1))
    # a RandomState advances: two calls differ (fresh draws per batch)
    rs = np.random.RandomState(3)
    assert not np.allclose(aug.augment(X, random_state=rs), aug.augment(X, random_state=rs))
    assert np.isfinite(a).all()


def test_draws_at_the_law_limits_stay_inside_the_range(X):
    # G23 allows R(V) up to 5.6; rounding the draws to 0.01 made 5.6000000000000005
    aug = SpectrumAugmenter(WAVE, ebv=0.5, rv=5.6, snr=None, random_state=0)
    np.testing.assert_allclose(aug.augment(X), redden(X, WAVE, 0.5, rv=5.6), rtol=1e-6)
    wide = np.repeat(X, 200, axis=0)
    assert np.isfinite(SpectrumAugmenter(WAVE, ebv=0.5, rv=(2.3, 5.6), snr=None,
                                         random_state=0).augment(wide)).all()
    # a fixed resolving power is used as given, not rounded to the 1 % grid (1808)
    fixed = SpectrumAugmenter(WAVE, ebv=None, resolution=1800.0, snr=None).augment(X)
    np.testing.assert_allclose(fixed, degrade(X, resolution=1800.0, wavelength=WAVE), rtol=1e-5)


def test_input_resolution_gives_the_drawn_resolving_power():
    wave = default_grid()  # 1.2 A pixels at 5000 A
    sharp = 1.0 - 0.8 * np.exp(-0.5 * ((wave - 5000.0) / 0.3) ** 2)[None, :]
    at_3000 = degrade(sharp, resolution=3000.0, wavelength=wave)
    target = 1.0 - degrade(sharp, resolution=1500.0, wavelength=wave).min()
    aug = SpectrumAugmenter(wave, ebv=None, resolution=1500.0, input_resolution=3000.0, snr=None)
    # convolved again from R 3000, the line is as deep as convolved once to R 1500
    assert 1.0 - aug.augment(at_3000).min() == pytest.approx(target, rel=0.02)
    blind = SpectrumAugmenter(wave, ebv=None, resolution=1500.0, snr=None).augment(at_3000)
    assert 1.0 - blind.min() < 0.93 * target  # without it: broader than asked


def test_a_state_saved_before_input_resolution_existed_loads(X):
    aug = SpectrumAugmenter(WAVE, ebv=0.5, snr=None, random_state=0)
    state = aug.__getstate__()
    del state["input_resolution"]  # what an older skspec saved (the bundled model's)
    old = SpectrumAugmenter.__new__(SpectrumAugmenter)
    old.__setstate__(state)
    assert old.get_params()["input_resolution"] is None
    np.testing.assert_array_equal(clone(old).augment(X), aug.augment(X))


def test_input_is_left_alone(X):
    before = X.copy()
    SpectrumAugmenter(WAVE, **ALL_ON, random_state=0).augment(X)
    np.testing.assert_array_equal(X, before)


def test_every_effect_off_is_the_identity(X):
    off = {name: None for name in ALL_ON if name != "rv"}
    np.testing.assert_array_equal(SpectrumAugmenter(WAVE, **off).augment(X), X)


def test_reddening_alone_equals_redden_with_the_drawn_ebv(X):
    aug = SpectrumAugmenter(WAVE, ebv=0.7, snr=None)
    np.testing.assert_allclose(aug.augment(X), redden(X, WAVE, 0.7), rtol=1e-6)
    # a Quantity grid passed at call time
    aug = SpectrumAugmenter(ebv=0.7, snr=None)
    np.testing.assert_allclose(aug.augment(X, wavelength=(WAVE * u.AA).to(u.nm)),
                               redden(X, WAVE, 0.7), rtol=1e-6)


def test_noise_alone_is_degrades_noise_model():
    X = np.ones((4000, 50))
    out = SpectrumAugmenter(ebv=None, snr=20.0, random_state=0).augment(X)  # no grid needed
    np.testing.assert_allclose(out.std(), degrade(X, snr=20, random_state=0).std(), rtol=0.02)
    np.testing.assert_allclose(out.std(), 0.05, rtol=0.02)


def test_snr_is_drawn_log_uniformly():
    X = np.ones((3000, 400))
    out = SpectrumAugmenter(ebv=None, snr=(5.0, 100.0), random_state=0).augment(X)
    log_snr = np.log(1.0 / out.std(axis=1))
    assert log_snr.min() == pytest.approx(np.log(5), abs=0.15)
    assert log_snr.max() == pytest.approx(np.log(100), abs=0.15)
    assert np.median(log_snr) == pytest.approx(0.5 * (np.log(5) + np.log(100)), abs=0.1)


def test_switching_one_effect_keeps_the_others_draws(X):
    base = dict(ebv=(0.0, 2.0), snr=None)
    a = SpectrumAugmenter(WAVE, **base, random_state=0).augment(X)
    b = SpectrumAugmenter(WAVE, **base, radial_velocity=(0.0, 0.0), random_state=0).augment(X)
    np.testing.assert_allclose(a, b, rtol=1e-9)  # a zero velocity changes nothing


def test_ebv_range_is_respected():
    flat = np.ones((500, WAVE.size))
    out = SpectrumAugmenter(WAVE, ebv=(0.5, 1.0), snr=None, random_state=0).augment(flat)
    k = -2.5 * np.log10(redden(np.ones(WAVE.size), WAVE, 1.0))
    ebv = -2.5 * np.log10(out[:, 0]) / k[0]
    assert ebv.min() >= 0.5 - 1e-9 and ebv.max() <= 1.0 + 1e-9
    assert ebv.max() - ebv.min() > 0.45


def test_bad_pixel_runs_lie_in_the_region(X):
    X = np.random.default_rng(1).uniform(1, 2, size=(40, WAVE.size))  # no pixel is its neighbours' mean
    aug = SpectrumAugmenter(WAVE, ebv=None, snr=None, bad_pixels=1.0, random_state=0)
    out = aug.augment(X)
    changed = ~np.isclose(out, X, rtol=1e-9)
    assert changed.any(axis=1).sum() >= 35  # a run between two pixels masks none
    assert (WAVE[changed.any(axis=0)] >= 5700).all() and (WAVE[changed.any(axis=0)] <= 5900).all()
    none = SpectrumAugmenter(WAVE, ebv=None, snr=None, bad_pixels=0.0, random_state=0).augment(X)
    np.testing.assert_array_equal(none, X)


def test_clone_and_pickle(X):
    aug = SpectrumAugmenter(WAVE, **ALL_ON, random_state=0)
    twin = clone(aug)
    np.testing.assert_array_equal(twin.augment(X), aug.augment(X))
    back = pickle.loads(pickle.dumps(aug))
    np.testing.assert_array_equal(back.augment(X), aug.augment(X))
    assert back.get_params()["vsini"] == (0.0, 300.0)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"ebv": (-0.1, 1.0)}, r"ebv=\(-0.1, 1\): values must be >= 0"),
        ({"ebv": (2.0, 1.0)}, r"ebv=\(2, 1\): the low end exceeds the high end"),
        ({"vsini": (-10.0, 100.0)}, r"vsini=\(-10, 100\): values must be >= 0"),
        ({"snr": (0.0, 10.0)}, r"snr=\(0, 10\): values must be > 0"),
        ({"snr": -5.0}, r"snr=\(-5, -5\): values must be > 0"),
        ({"snr": (50.0, 10.0)}, r"snr=\(50, 10\): the low end exceeds"),
        ({"radial_velocity": (100.0, -100.0)}, "radial_velocity=.*low end exceeds"),
        ({"resolution": (0.0, 100.0)}, "resolution=.*must be > 0"),
        ({"flux_calibration": (0.0, 1.5)}, "flux_calibration=.*must be < 1"),
        ({"bad_pixels": 1.5}, "bad_pixels=.*must be <= 1"),
        ({"law": "XYZ"}, "law must be one of"),
        ({"rv": (1.0, 3.0)}, r"rv=\(1, 3\) is outside the R\(V\) range of law 'G23' \(2.3-5.6\)"),
        ({"ebv": "big"}, "ebv must be None, a number or a"),
        ({"bad_pixels": 0.5, "bad_pixel_region": (100.0, 200.0)}, "bad_pixel_region.*outside"),
        ({"resolution": (1000.0, 2000.0), "input_resolution": 1800.0},
         r"input_resolution=1800.0 must be a number above the resolution range's high end \(2000\)"),
        ({"resolution": 1000.0, "input_resolution": "sharp"}, "input_resolution='sharp'"),
    ],
)
def test_bad_parameters_name_the_argument(X, params, match):
    with pytest.raises(ValueError, match=match):
        SpectrumAugmenter(WAVE, **params).augment(X, random_state=0)


def test_bad_data(X):
    aug = SpectrumAugmenter(WAVE)
    with pytest.raises(ValueError, match="wavelength has 696 pixels but the spectra have 695"):
        aug.augment(X[:, :-1])
    with pytest.raises(ValueError, match="strictly increasing"):
        SpectrumAugmenter(WAVE[::-1]).augment(X)
    bad = X.copy()
    bad[3, 10] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite flux in 1 spectrum \(row 3\)"):
        aug.augment(bad)
    with pytest.raises(ValueError, match="needs the wavelength grid of X's columns for ebv"):
        SpectrumAugmenter().augment(X)
    with pytest.raises(ValueError, match="X must be 2-D"):
        aug.augment(X[0])
