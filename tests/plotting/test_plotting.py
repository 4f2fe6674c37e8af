"""skspec.plotting: spectrum and importance plots (Agg backend, no display)."""

import matplotlib

matplotlib.use("Agg")

import astropy.units as u  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from skspec.plotting import O_STAR_LINES, plot_attention, plot_spectrum  # noqa: E402


@pytest.fixture
def spectrum():
    wave = np.linspace(3900.0, 7400.0, 700)
    flux = 1.0 - 0.5 * np.exp(-0.5 * ((wave - O_STAR_LINES["He II 4686"][0]) / 3.0) ** 2)
    return wave, flux


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_o_star_lines():
    assert list(O_STAR_LINES) == ["H gamma", "He I 4471", "He II 4541", "He II 4686", "H beta",
                                  "He I 4922"]  # in order of wavelength
    air = {"H gamma": 4340, "H beta": 4861}
    for label, (lam, _) in O_STAR_LINES.items():
        named = air[label] if label in air else float(label.split()[-1])
        assert abs(lam - named) < 3  # vacuum Angstrom, within 3 of the air-wavelength name


def test_plot_spectrum_draws_flux_and_lines(spectrum):
    wave, flux = spectrum
    fig, ax = plt.subplots()
    out = plot_spectrum(wave, flux, ax=ax, label="O5V")
    assert out is ax
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), flux)
    marked = sorted(line.get_xdata()[0] for line in ax.lines[1:])
    assert marked == [centre for centre, _ in O_STAR_LINES.values()]
    assert [t.get_text().strip() for t in ax.texts] == list(O_STAR_LINES)


def test_plot_spectrum_quantity_and_no_lines(spectrum):
    wave, flux = spectrum
    ax = plot_spectrum(wave / 10 * u.nm, flux, lines=None)
    assert len(ax.lines) == 1
    assert ax.get_xlim() == pytest.approx((3900.0, 7400.0))


def test_lines_outside_range_are_skipped(spectrum):
    wave, flux = spectrum
    ax = plot_spectrum(wave[wave > 4600], flux[wave > 4600])
    assert [t.get_text().strip() for t in ax.texts] == ["He II 4686", "H beta", "He I 4922"]


def test_plot_attention(spectrum):
    wave, flux = spectrum
    importance = np.exp(-0.5 * ((wave - 4686) / 10) ** 2)
    ax = plot_attention(wave, flux, importance, title="HD 46223")
    twin = ax.importance_ax
    assert twin.get_ylabel() == "Importance"
    assert len(twin.collections) == 1  # the filled importance curve
    assert len(ax.images) == 1  # the importance colour band
    np.testing.assert_array_equal(ax.images[0].get_array()[0], importance)
    assert ax.get_title() == "HD 46223"
    ax.figure.canvas.draw()  # renders without error


def test_plot_attention_from_a_classifier():
    from skspec.datasets import make_spectra
    from skspec.neural_network import RACNetClassifier

    X, y, wave = make_spectra(40, 64, return_wavelength=True, random_state=0)
    clf = RACNetClassifier(module__channels=(4,), max_epochs=1, random_state=0).fit(X, y)
    ax = plot_attention(wave, X[0], clf.attention_maps(X[:1])[0])
    ax.figure.canvas.draw()


@pytest.mark.parametrize("flux, importance, match", [
    (np.ones(699), np.ones(700), "flux must be 1-D with 700 pixels"),
    (np.ones(700), np.ones((1, 700)), "importance must be 1-D with 700 pixels"),
    (np.ones(700), np.r_[np.ones(699), np.nan], "non-finite value at pixel 699"),
])
def test_bad_input(spectrum, flux, importance, match):
    wave, _ = spectrum
    with pytest.raises(ValueError, match=match):
        plot_attention(wave, flux, importance)


def test_decreasing_wavelength_is_rejected(spectrum):
    wave, flux = spectrum
    with pytest.raises(ValueError, match="strictly increasing"):
        plot_spectrum(wave[::-1], flux)
