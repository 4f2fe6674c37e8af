"""read_onto_grid: the one read path (typed errors, one bad-pixel rule, one suffix list)."""

import gzip
import pickle

import numpy as np
import pytest
from astropy.io import fits

from skspec.io import (
    FITS_SUFFIXES,
    GriddedSpectrum,
    InvalidSpectrumError,
    ShortCoverageError,
    SpectrumReadError,
    TooManyBadPixelsError,
    TruncatedFileError,
    UnreadableFileError,
    UnrecognisedFormatError,
    read_onto_grid,
    read_spectra,
)

N_PIX = 200
GRID = np.geomspace(4010.0, 4150.0, 40)  # inside the files written below (3981-4168 A)


def lamost_image(path, *, bad=slice(50, 53)):
    wave = 10 ** (3.6 + 1e-4 * np.arange(N_PIX))
    flux = 1.0 + (wave - 4000.0) / 1000.0
    ivar = np.ones(N_PIX)
    ivar[bad] = 0.0
    hdu = fits.PrimaryHDU(np.vstack([flux, ivar, wave, np.zeros(N_PIX), np.zeros(N_PIX)])
                          .astype(np.float32))
    hdu.header.update(COEFF0=3.6, COEFF1=1e-4, CLASS="STAR", SUBCLASS="B2", OBSID=9, SNRG=20.0,
                      DESIG="LAMOST J1", TELESCOP="LAMOST")
    hdu.writeto(path)
    return path


def test_returns_flux_meta_and_flags(tmp_path):
    spectrum = read_onto_grid(lamost_image(tmp_path / "a.fits"), GRID)
    assert isinstance(spectrum, GriddedSpectrum)
    assert spectrum.flux.shape == GRID.shape and spectrum.flux.dtype == np.float32
    np.testing.assert_allclose(spectrum.flux, 1.0 + (GRID - 4000.0) / 1000.0, rtol=2e-4)
    assert spectrum.meta["subclass"] == "B2" and spectrum.meta["n_bad"] == 3
    assert spectrum.meta["bad_fraction"] == pytest.approx(3 / 153)  # 153 source px overlap GRID
    assert spectrum.flags == ()
    assert spectrum.meta["source_file"].endswith("a.fits")


def test_flag_and_refuse_thresholds_are_one_rule(tmp_path):
    path = lamost_image(tmp_path / "holey.fits", bad=slice(20, 80))  # 50 of the 153 on GRID: 33 % bad
    flagged = read_onto_grid(path, GRID)
    assert flagged.flags == ("nan_heavy",) and flagged.meta["bad_fraction"] == pytest.approx(50 / 153)
    assert read_onto_grid(path, GRID, flag_bad_fraction=0.5).flags == ()
    with pytest.raises(TooManyBadPixelsError, match=r"holey\.fits: 50 of the pixels .*\(33%\)") as info:
        read_onto_grid(path, GRID, max_bad_fraction=0.3)
    assert info.value.flag == "nan_heavy" and info.value.meta["bad_fraction"] == pytest.approx(50 / 153)
    assert info.value.meta["subclass"] == "B2"  # what was read is kept for the catalogue row


def test_no_good_pixel_is_refused_even_when_allowed(tmp_path):
    path = lamost_image(tmp_path / "dead.fits", bad=slice(0, N_PIX))
    with pytest.raises(TooManyBadPixelsError, match="no good pixel"):
        read_onto_grid(path, GRID, max_bad_fraction=1.0)


def test_short_coverage_says_by_how_much(tmp_path):
    path = lamost_image(tmp_path / "a.fits")
    with pytest.raises(ShortCoverageError, match=r"a\.fits: spectrum covers 3980.\d\d-4168.\d\d A, "
                       r"the grid needs .* short at the red end") as info:
        read_onto_grid(path, np.geomspace(4010.0, 4200.0, 40))
    assert info.value.flag == "short_coverage" and info.value.meta["format"] == "lamost"


@pytest.mark.parametrize("make, error, flag", [
    (lambda p: None, UnreadableFileError, "unreadable"),
    (lambda p: p.write_text("not FITS\n" * 400), UnreadableFileError, "unreadable"),
    (lambda p: p.write_bytes(gzip.compress(lamost_image(p.with_suffix(".x")).read_bytes())[:900]),
     TruncatedFileError, "unreadable"),
    (lambda p: fits.PrimaryHDU().writeto(p), UnrecognisedFormatError, "unreadable"),
])
def test_typed_errors(tmp_path, make, error, flag):
    path = tmp_path / "f.fits"
    make(path)
    with pytest.raises(error) as info:
        read_onto_grid(path, GRID)
    assert isinstance(info.value, SpectrumReadError) and isinstance(info.value, ValueError)
    assert info.value.flag == flag and info.value.path == str(path)
    assert str(info.value).startswith(f"{path}: ")
    again = pickle.loads(pickle.dumps(info.value))  # errors cross worker processes
    assert type(again) is error and str(again) == str(info.value) and again.path == str(path)


def test_any_failure_of_a_custom_reader_becomes_a_per_file_error(tmp_path):
    path = lamost_image(tmp_path / "a.fits")

    def no_permission(source, vacuum=True):
        raise PermissionError(13, "Permission denied", str(source))

    def broken(source, vacuum=True):
        raise KeyError("FLUX")

    with pytest.raises(UnreadableFileError, match=r"a\.fits: PermissionError"):
        read_onto_grid(path, GRID, reader=no_permission)
    with pytest.raises(InvalidSpectrumError, match=r"a\.fits: KeyError: 'FLUX'"):
        read_onto_grid(path, GRID, reader=broken)


def test_bad_options_raise(tmp_path):
    path = lamost_image(tmp_path / "a.fits")
    with pytest.raises(ValueError, match="method must be"):
        read_onto_grid(path, GRID, method="cubic")
    with pytest.raises(ValueError, match="flag_bad_fraction must be a number in"):
        read_onto_grid(path, GRID, flag_bad_fraction=1.5)
    with pytest.raises(ValueError, match="max_bad_fraction must be a number in"):
        read_onto_grid(path, GRID, max_bad_fraction=-0.1)


def test_read_spectra_rows_are_read_onto_grid(tmp_path):
    lamost_image(tmp_path / "a.fits")
    lamost_image(tmp_path / "holey.fits", bad=slice(20, 80))
    result = read_spectra(tmp_path, GRID, verbose=0)
    for row, path in zip(result.flux, result.filenames):
        np.testing.assert_array_equal(row, read_onto_grid(path, GRID).flux)
    assert [m["flags"] for m in result.meta] == [(), ("nan_heavy",)]
    assert result.meta[1]["bad_fraction"] == pytest.approx(50 / 153)


def test_one_suffix_list_for_folders(tmp_path):
    """read_spectra lists a folder with the suffixes predict_files walks (.fits.fz was missing)."""
    assert {".fits", ".fits.gz", ".fit.gz", ".fits.bz2", ".fits.fz"} <= set(FITS_SUFFIXES)
    lamost_image(tmp_path / "a.fits")
    (tmp_path / "b.fits.fz").write_bytes((tmp_path / "a.fits").read_bytes())
    result = read_spectra(tmp_path, GRID, verbose=0)
    assert [p.split("/")[-1] for p in result.filenames] == ["a.fits", "b.fits.fz"]


def sdss_on_the_bundled_grid(path, loglam_format="E", shift_px=0.0):
    """One bundled spectrum as a new user would store it: an SDSS table, loglam float32."""
    from skspec.datasets import load_obafgkm

    data = load_obafgkm()
    loglam = np.log10(np.asarray(data.wavelength, dtype=np.float64)) + 1e-4 * shift_px
    cols = [fits.Column(name="loglam", format=loglam_format, array=loglam),
            fits.Column(name="flux", format="E", array=data.data[0]),
            fits.Column(name="ivar", format="E", array=np.ones(loglam.size, np.float32))]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols)]).writeto(path)
    return path, data.data[0]


def test_float32_loglam_on_exactly_the_grid_is_not_short(tmp_path):
    """Issue 13: float32 rounding of the outer bin edges was refused as short coverage."""
    path, flux = sdss_on_the_bundled_grid(tmp_path / "spec.fits")
    spectrum = read_onto_grid(path)  # the bundled (model) grid
    assert spectrum.flags == ()
    np.testing.assert_allclose(spectrum.flux, flux, rtol=1e-3)
    np.testing.assert_allclose(read_spectra([path], verbose=0).flux[0], spectrum.flux)


def test_short_coverage_message_shows_the_difference(tmp_path):
    path, _ = sdss_on_the_bundled_grid(tmp_path / "spec.fits", loglam_format="D", shift_px=-0.3)
    with pytest.raises(ShortCoverageError) as info:
        read_onto_grid(path)
    message = str(info.value)
    assert "spectrum covers 3899.6" in message and "the grid needs 3899.8" in message
    assert "(0.3 px) short at the red end" in message and "blue end" not in message
