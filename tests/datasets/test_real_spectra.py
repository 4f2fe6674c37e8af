"""load_real_spectra: every bundled real spectrum on one grid, one resolution; bad ranges."""

import numpy as np
import pytest
from astropy import units as u

from skspec.datasets import load_obafgkm, load_real_spectra
from skspec.preprocessing._resample import default_grid


def test_real_spectra_one_table():
    real = load_real_spectra()
    assert real.data.shape == (522, 1493) and real.data.dtype == np.float32
    assert np.isfinite(real.data).all()
    assert int((real.target == "O").sum()) == 28 and int((real.target == "B").sum()) == 65
    per_source = {s: int((real.source == s).sum()) for s in set(real.source)}
    assert per_source == {"STELIB_v3.2": 181, "SDSS_PyHammer": 47, "LAMOST_DR1": 120,
                          "MKCLASS": 174}
    w = real.wavelength.to_value(u.AA)
    assert 3900 <= w[0] < 3901 and 5499 < w[-1] <= 5500
    np.testing.assert_allclose(w, default_grid()[: w.size], rtol=1e-12)
    for text in ("3900", "5500", "3.6", "vacuum", "Gray", "Le Borgne"):
        assert text in real.DESCR, text
    # the same star twice in STELIB (HD053929 and HD53929) is one group
    assert int((real.object == "HD53929").sum()) == 2
    assert len(set(real.object)) == 521
    i = list(real.object).index("HD30614")
    assert (real.spectral_type[i], real.luminosity_class[i]) == ("O9.5", "Ia")


def test_real_spectra_degrades_the_sharper_sources_only():
    sharp = load_real_spectra(fwhm=None)
    common = load_real_spectra()
    mk = sharp.source == "MKCLASS"
    np.testing.assert_array_equal(sharp.data[mk], common.data[mk])
    # without convolution the rows are load_obafgkm's pixels as they are
    ob = load_obafgkm()
    np.testing.assert_array_equal(sharp.data[~mk], ob.data[:, : sharp.data.shape[1]])
    # convolution keeps the mean flux but smooths the pixel-to-pixel scatter
    a, b = sharp.data[~mk].astype(float), common.data[~mk].astype(float)
    np.testing.assert_allclose(b[:, 50:-50].mean(axis=1), a[:, 50:-50].mean(axis=1), rtol=0.01)
    assert (np.abs(np.diff(b, axis=1)).sum(axis=1) < np.abs(np.diff(a, axis=1)).sum(axis=1)).all()


def test_common_resolution_is_the_requested_fwhm():
    from skspec.datasets._real import _to_fwhm

    wave = default_grid()[:800]
    line = np.ones((1, wave.size), dtype=np.float32)
    centre = 400
    line[0, centre] = 2.0  # one pixel: a line much sharper than any source's resolution
    for source, fwhm_in in (("STELIB_v3.2", 3.0), ("SDSS_PyHammer", wave[centre] / 2000)):
        out = _to_fwhm(line, wave, source, 3.6)[0] - 1.0
        # the kernel's second moment: sigma^2 = (3.6^2 - fwhm_in^2) / 8 ln 2
        mean = np.sum(out * wave) / out.sum()
        sigma = np.sqrt(np.sum(out * (wave - mean) ** 2) / out.sum())
        expected = np.sqrt(3.6**2 - fwhm_in**2) / (2 * np.sqrt(2 * np.log(2)))
        assert sigma == pytest.approx(expected, rel=0.05), source
    assert _to_fwhm(line, wave, "MKCLASS", 3.6) is line


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"wavelength_range": (3800, 5500)},
         r"outside the coverage of STELIB_v3.2, SDSS_PyHammer, LAMOST_DR1 \(3900.3-7399.5 A.*"
         r"no data at 3800.0-3900.3 A"),
        ({"wavelength_range": (4000, 6000)},
         r"outside the coverage of MKCLASS \(3841.5-5559.0 A.*no data at 5559.0-6000.0 A"),
        ({"wavelength_range": (5000, 5000.5)}, "fewer than 2 grid pixels"),
        ({"wavelength_range": (5500, 4000)}, "low < high"),
        ({"wavelength_range": 4000}, r"must be \(low, high\)"),
        ({"fwhm": 2.0}, r"fwhm=2.0 A is sharper than STELIB_v3.2's own resolution"),
        ({"fwhm": -1}, "positive number"),
    ],
)
def test_real_spectra_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_real_spectra(**kwargs)


def test_real_spectra_narrower_range_and_coarser_fwhm():
    real = load_real_spectra(wavelength_range=(4000, 4500), fwhm=5.0)
    w = real.wavelength.to_value(u.AA)
    assert w[0] >= 4000 and w[-1] <= 4500 and real.data.shape[0] == 522


@pytest.mark.parametrize("subclass, expected", [
    ("O9.5Iae", ("O9.5", "Ia")), ("M1Ia-ab", ("M1", "Ia-ab")), ("K3III-IV", ("K3", "III-IV")),
    ("G8IV/V", ("G8", "IV/V")), ("O9.7Ib-II", ("O9.7", "Ib-II")), ("A0", ("A0", "")),
])
def test_types_split_into_spectral_type_and_luminosity_class(subclass, expected):
    from skspec.datasets._real import split_mk_type

    assert split_mk_type(subclass) == expected


def test_a_wide_fwhm_gives_the_same_pixels_whatever_the_range():
    # the kernel was cut at a fixed 25 A beyond the range: fwhm 40 changed the edge pixels
    a = load_real_spectra(wavelength_range=(4300, 4800), fwhm=40.0)
    b = load_real_spectra(wavelength_range=(4000, 5100), fwhm=40.0)
    i0 = int(np.searchsorted(b.wavelength.value, a.wavelength.value[0] - 1e-6))
    np.testing.assert_allclose(a.data, b.data[:, i0:i0 + a.data.shape[1]], rtol=1e-5)
