"""Line evidence for O candidates: EWs with errors, log W' subtype, flags."""

import numpy as np
import pytest

from skspec.metrics import O_B_CRITERIA, estimate_o_subtype, line_flags, measure_lines

WAVE = np.arange(3950.0, 5000.0, 1.0)


def _gauss(name, depth, sigma=1.5, wave=WAVE):
    return depth * np.exp(-0.5 * ((wave - O_B_CRITERIA[name][0]) / sigma) ** 2)


@pytest.mark.parametrize("name", list(O_B_CRITERIA))
def test_ew_of_a_gaussian_matches_the_analytic_value_on_a_sloped_continuum(name):
    continuum = 2.0 + 1e-3 * (WAVE - 4000)
    sigma = min(1.5, O_B_CRITERIA[name][1] / 3)
    flux = continuum * (1 - _gauss(name, 0.3, sigma))
    m = measure_lines(flux, WAVE, lines=[name])
    np.testing.assert_allclose(m.ew[0, 0], 0.3 * sigma * np.sqrt(2 * np.pi), rtol=0.03)
    assert m.covered[0, 0]


@pytest.mark.parametrize("use_ivar", [True, False])
def test_error_matches_the_scatter_over_noise_draws(use_ivar):
    rng = np.random.default_rng(1)
    flux = 1 - _gauss("He II 4541", 0.2) - _gauss("He I 4471", 0.3)
    sig = 0.02
    noisy = flux + rng.normal(0, sig, (400, WAVE.size))
    ivar = np.full(noisy.shape, 1 / sig**2) if use_ivar else None
    m = measure_lines(noisy, WAVE, ivar=ivar, lines=["He II 4541", "He I 4471"])
    assert m.noise_from == ("ivar" if use_ivar else "continuum scatter")
    spread = m.ew.std(axis=0)
    typical = np.median(m.ew_err, axis=0)
    np.testing.assert_allclose(typical, spread, rtol=0.2)


def test_short_spectrum_is_flagged_not_an_error():
    flux = np.ones(WAVE.size)
    keep = WAVE < 4500
    m = measure_lines(flux[keep], WAVE[keep])
    j = m.column("He II 4686")
    assert not m.covered[0, j] and np.isnan(m.ew[0, j])
    assert m.covered[0, m.column("He I 4026")]
    assert line_flags(m)["short_coverage"][0]
    assert estimate_o_subtype(m)["flag"][0] == "not_covered"


def test_bad_pixels_in_a_window_are_skipped_or_flagged():
    flux = 1 - _gauss("He II 4541", 0.2)
    ivar = np.full(WAVE.size, 1e4)
    centre = O_B_CRITERIA["He II 4541"][0]
    one_bad = ivar.copy()
    one_bad[np.argmin(np.abs(WAVE - centre - 3))] = 0
    m = measure_lines(flux, WAVE, ivar=one_bad, lines=["He II 4541"])
    assert m.covered[0, 0] and np.isfinite(m.ew_err[0, 0])
    most_bad = ivar.copy()
    most_bad[np.abs(WAVE - centre) < 4] = 0
    nan_flux = flux.copy()
    nan_flux[np.abs(WAVE - centre) < 4] = np.nan
    for kwargs in ({"flux": flux, "ivar": most_bad}, {"flux": nan_flux}):
        m = measure_lines(kwargs.pop("flux"), WAVE, lines=["He II 4541"], **kwargs)
        assert not m.covered[0, 0]


@pytest.mark.parametrize(
    "ratio, expected",
    [(0.2, "O4"), (0.3, "O5"), (0.45, "O5.5"), (1.0 / 1.4, "O6.5"), (1.13, "O7.5"),
     (1.8, "O8.5"), (2.5, "O9"), (3.5, "O9.5"), (6.0, "O9.7")],
)
def test_subtype_bins_follow_the_calibration(ratio, expected):
    depth_ii = 0.08
    flux = 1 - _gauss("He I 4471", depth_ii * ratio) - _gauss("He II 4541", depth_ii)
    m = measure_lines(flux, WAVE, lines=["He I 4471", "He II 4541"])
    result = estimate_o_subtype(m, min_ew=0.0)
    np.testing.assert_allclose(result["log_w_prime"][0], np.log10(ratio), atol=0.02)
    assert result["subtype"][0] == expected


def test_subtype_outside_the_range_of_validity():
    b0 = 1 - _gauss("He I 4471", 0.5) - _gauss("He II 4541", 0.04)  # log W' ~ 1.1
    b2 = 1 - _gauss("He I 4471", 0.5)
    o3 = 1 - _gauss("He II 4541", 0.3)
    noise = np.random.default_rng(0).normal(0, 0.002, (3, WAVE.size))
    m = measure_lines(np.vstack([b0, b2, o3]) + noise, WAVE, lines=["He I 4471", "He II 4541"])
    result = estimate_o_subtype(m, min_ew=0.0)
    assert result["flag"].tolist() == ["later_than_O9.7", "no_he_ii", "no_he_i"]
    assert result["subtype"].tolist() == ["", "", "O4"]
    assert np.isnan(result["subtype_code"][:2]).all()


def test_emission_and_he_ii_absent_flags():
    rng = np.random.default_rng(0)
    of = 1 - _gauss("He II 4541", 0.2) + _gauss("He II 4686", 0.4)
    oe = 1 - _gauss("He II 4541", 0.2) + _gauss("H beta", 0.6, 3.0)
    b = 1 - _gauss("He I 4471", 0.3) - _gauss("H beta", 0.5, 4.0)
    flux = np.vstack([of, oe, b]) + rng.normal(0, 0.005, (3, WAVE.size))
    flags = line_flags(measure_lines(flux, WAVE))
    assert flags["he_ii_4686_emission"].tolist() == [True, False, False]
    assert flags["h_beta_emission"].tolist() == [False, True, False]
    assert flags["he_ii_absent"].tolist() == [False, False, True]
    # at low S/N the upper limit is too loose to say "absent"
    noisy_b = b + rng.normal(0, 0.1, WAVE.size)
    assert not line_flags(measure_lines(noisy_b, WAVE))["he_ii_absent"][0]


def test_records_and_frame():
    m = measure_lines(np.ones((2, WAVE.size)), WAVE, lines=["He I 4471", "H beta"])
    rec = m.records(1)
    assert [r["line"] for r in rec] == ["He I 4471", "H beta"]
    assert set(rec[0]) == {"line", "centre", "ew", "ew_err", "covered"}
    pytest.importorskip("pandas")
    assert list(m.to_frame().columns) == ["ew_He I 4471", "ew_err_He I 4471", "ew_H beta", "ew_err_H beta"]


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="unknown lines"):
        measure_lines(np.ones(WAVE.size), WAVE, lines=["He III 1"])
    with pytest.raises(ValueError, match="blue band < line window < red band"):
        measure_lines(np.ones(WAVE.size), WAVE, lines={"x": (4500.0, 5.0, (4490.0, 4499.0), (4510.0, 4520.0))})
    with pytest.raises(ValueError, match="ivar must have the shape"):
        measure_lines(np.ones(WAVE.size), WAVE, ivar=np.ones(3))
    with pytest.raises(KeyError, match="was not measured"):
        estimate_o_subtype(measure_lines(np.ones(WAVE.size), WAVE, lines=["H beta"]))


def _gaussian_line(name="He II 4541", depth=0.2, sigma=1.5):
    from skspec.metrics import O_B_CRITERIA

    wave = np.arange(3950.0, 5000.0, 1.0)
    centre = O_B_CRITERIA[name][0]
    flux = 1 - depth * np.exp(-0.5 * ((wave - centre) / sigma) ** 2)
    return wave, flux, centre, depth * sigma * np.sqrt(2 * np.pi)


def test_continuum_is_weighted_by_ivar():
    from skspec.metrics import O_B_CRITERIA, measure_lines

    name = "He II 4541"
    wave, flux, _, true_ew = _gaussian_line(name)
    red = O_B_CRITERIA[name][3]
    k = np.argmin(np.abs(wave - (red[0] + 3)))
    flux[k], ivar = 5.0, np.full(wave.size, 1e4)
    ivar[k] = 1e-6  # garbage flux its ivar says is worthless
    m = measure_lines(flux, wave, ivar=ivar, lines=[name])
    assert m.ew[0, 0] == pytest.approx(true_ew, abs=0.03)  # 1.79 unweighted
    # and the error matches the scatter when the two bands' noise differs 20-fold
    rng = np.random.default_rng(0)
    clean = _gaussian_line(name)[1]
    sig = np.where((wave >= red[0]) & (wave <= red[1]), 0.1, 0.005)
    noisy = clean + rng.normal(0, 1, (1000, wave.size)) * sig
    m = measure_lines(noisy, wave, ivar=np.broadcast_to(1 / sig**2, noisy.shape), lines=[name])
    assert m.ew[:, 0].std() / np.median(m.ew_err[:, 0]) == pytest.approx(1.0, abs=0.1)


def test_a_bad_pixel_in_the_window_is_interpolated_not_continuum():
    from skspec.metrics import measure_lines

    name = "He II 4541"
    wave, flux, centre, true_ew = _gaussian_line(name, sigma=2.5)
    ivar = np.full(wave.size, 1e4)
    ivar[np.argmin(np.abs(wave - centre - 2))] = 0  # one of the window's pixels, off the core
    good = measure_lines(flux, wave, lines=[name]).ew[0, 0]
    m = measure_lines(flux, wave, ivar=ivar, lines=[name])
    assert m.covered[0, 0]
    # as continuum it took that pixel's depth (about 0.14 A) off the line
    assert m.ew[0, 0] == pytest.approx(good, abs=0.02)
