"""load_mk_standards: contents, provenance, grid, the shipped table against the raw files."""

import numpy as np
import pytest
from astropy import units as u

from skspec.datasets import load_mk_standards
from skspec.io import read_mkclass
from skspec.preprocessing import resample_spectrum
from skspec.preprocessing._resample import default_grid


def test_mk_standards_bunch():
    mk = load_mk_standards()
    assert mk.data.shape == (174, 1606) and mk.data.dtype == np.float32
    assert np.isfinite(mk.data).all()
    counts = {c: int((mk.target == c).sum()) for c in "OBAFGKM"}
    assert counts == {"O": 18, "B": 36, "A": 23, "F": 30, "G": 21, "K": 24, "M": 22}
    for key in ("subclass", "source", "object", "raw_file", "n_interp", "spectral_type",
                "luminosity_class"):
        assert len(mk[key]) == 174, key
    assert set(mk.source) == {"MKCLASS"}
    o_lum = sorted(set(mk.luminosity_class[mk.target == "O"]))
    assert o_lum == ["III", "Ia", "Ib", "V"]
    i = list(mk.object).index("MKCLASS t060l10p00")
    assert (mk.subclass[i], mk.spectral_type[i], mk.luminosity_class[i]) == ("O9 Ib", "O9", "Ib")
    assert mk.wavelength.unit == u.AA
    for text in ("Gray", "Corbally", "2014", "MIT", "NutMaat", "cc377d2", "air"):
        assert text in mk.DESCR, text


def test_mk_grid_is_the_skspec_grid_extended_blue():
    wave = load_mk_standards().wavelength.to_value(u.AA)
    grid = default_grid()
    # the same pixels as load_obafgkm's where both exist
    start = int(np.searchsorted(wave, grid[0]))
    np.testing.assert_allclose(wave[start:], grid[: wave.size - start], rtol=1e-12)
    assert wave[0] < 3842 < 5558 < wave[-1]


def test_rectified_library_pairs_share_object_ids():
    nor, rect = load_mk_standards(), load_mk_standards(rectified=True)
    assert rect.data.shape == (112, 1606)
    assert set(rect.object) <= set(nor.object)
    # rectified: continuum ~ 1; normalised: it keeps the star's colour
    assert 0.9 < np.median(rect.data) < 1.1
    assert int((rect.target == "O").sum()) == 18 and int((rect.target == "B").sum()) == 36


def test_return_x_y_frame_and_copies():
    X, y = load_mk_standards(return_X_y=True)
    assert X.shape == (174, 1606) and y.shape == (174,)
    X[:] = -1
    assert load_mk_standards().data.max() > 0
    pd = pytest.importorskip("pandas")
    b = load_mk_standards(as_frame=True)
    assert isinstance(b.data, pd.DataFrame)
    assert {"class", "object", "spectral_type", "luminosity_class"} <= set(b.frame.columns)


def test_shipped_table_matches_the_raw_files(shared_data):
    raw = shared_data / "raw" / "mkclass"
    mk = load_mk_standards()
    grid = mk.wavelength.to_value(u.AA)
    for name in ("t060l10p00", "t070l50p00", "t455l00p00"):
        spec = read_mkclass(raw / "libnor36" / f"{name}.rbn")
        expected = resample_spectrum(spec.wavelength, spec.flux, grid, mask=spec.mask)
        i = list(mk.object).index(f"MKCLASS {name}")
        np.testing.assert_allclose(mk.data[i], expected, rtol=1e-6)
