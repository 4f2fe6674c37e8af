"""redden / deredden against dust_extinction's own extinguish, and their errors."""

import astropy.units as u
import numpy as np
import pytest
from dust_extinction.parameter_averages import CCM89, F99, G23

from skspec.augmentation import deredden, extinction_curve, redden

WAVE = np.geomspace(3700.0, 9000.0, 500)


@pytest.mark.parametrize("law, cls", [("G23", G23), ("F99", F99), ("CCM89", CCM89)])
@pytest.mark.parametrize("rv", [2.5, 3.1, 5.0])
def test_flat_spectrum_becomes_the_extinction_curve(law, cls, rv):
    ebv = 0.8
    red = redden(np.ones(WAVE.size), WAVE, ebv, rv=rv, law=law)
    expected = cls(Rv=rv).extinguish(WAVE * u.AA, Ebv=ebv)
    np.testing.assert_allclose(red, expected, rtol=1e-10)
    # in magnitudes: E(B-V) times the curve A(lambda)/E(B-V)
    np.testing.assert_allclose(-2.5 * np.log10(red), ebv * extinction_curve(WAVE, rv=rv, law=law))


def test_deredden_undoes_redden_per_row_and_keeps_float32(rng):
    X = rng.uniform(0.5, 2.0, size=(4, WAVE.size)).astype(np.float32)
    ebv = np.array([0.0, 0.3, 1.0, 2.0])
    red = redden(X, WAVE, ebv)
    assert red.dtype == np.float32 and red.shape == X.shape
    np.testing.assert_array_equal(red[0], X[0])
    assert (red[1:, 0] / X[1:, 0] < red[1:, -1] / X[1:, -1]).all()  # blue loses most
    np.testing.assert_allclose(deredden(red, WAVE, ebv), X, rtol=1e-5)
    np.testing.assert_allclose(deredden(redden(X[0], WAVE, 1.5), WAVE, 1.5), X[0], rtol=1e-5)


def test_quantity_wavelength_is_converted():
    flat = np.ones(WAVE.size)
    np.testing.assert_allclose(
        redden(flat, (WAVE * u.AA).to(u.nm), 0.5), redden(flat, WAVE, 0.5), rtol=1e-12
    )


def test_per_row_rv():
    flat = np.ones((2, WAVE.size))
    out = redden(flat, WAVE, 1.0, rv=[3.1, 5.0])
    np.testing.assert_allclose(out[0], redden(flat[0], WAVE, 1.0, rv=3.1))
    np.testing.assert_allclose(out[1], redden(flat[1], WAVE, 1.0, rv=5.0))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"ebv": -0.1}, "ebv must be >= 0"),
        ({"ebv": [0.1, 0.2, 0.3]}, r"ebv must be a scalar or have one value per spectrum \(2\)"),
        ({"ebv": 0.5, "law": "XX"}, "law must be one of"),
        ({"ebv": 0.5, "rv": 7.0}, r"rv=7 is outside the R\(V\) range of law 'G23' \(2.3-5.6\)"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        redden(np.ones((2, WAVE.size)), WAVE, **kwargs)


def test_grid_outside_the_law_names_the_law_and_its_range():
    wave = np.geomspace(500.0, 9000.0, 100)  # extends into the far UV
    with pytest.raises(ValueError, match=r"validity of extinction law 'CCM89' \(1000-33333 A\)"):
        redden(np.ones(100), wave, 0.5, law="CCM89")
    with pytest.raises(ValueError, match=r"'G23' \(912-320000 A\)"):
        deredden(np.ones(100), wave, 0.5)


def test_bad_grid_and_nan_flux():
    with pytest.raises(ValueError, match="wavelength has 499 pixels but the spectra have 500"):
        redden(np.ones(500), WAVE[:-1], 0.5)
    with pytest.raises(ValueError, match="strictly increasing"):
        redden(np.ones(500), WAVE[::-1], 0.5)
    flux = np.ones((3, 500))
    flux[2, 7] = np.nan
    with pytest.raises(ValueError, match=r"flux contains NaN or infinite flux in 1 spectrum \(row 2\)"):
        redden(flux, WAVE, 0.5)
