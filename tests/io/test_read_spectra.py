import logging
import os

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits

from skspec.io import ShortCoverageError, read_lamost, read_spectra

N_PIX = 200
GRID = np.geomspace(4010.0, 4150.0, 40)  # inside every file written below


def lamost_image(path, *, ivar_zero=slice(50, 53), scale=1.0):
    """A LAMOST DR6-style image file, 3981-4168 A (log10 step 1e-4)."""
    wave = 10 ** (3.6 + 1e-4 * np.arange(N_PIX))
    flux = scale * (1.0 + (wave - 4000.0) / 1000.0)
    ivar = np.ones(N_PIX)
    ivar[ivar_zero] = 0.0
    flux[ivar_zero] = 0.0  # garbage where ivar == 0
    hdu = fits.PrimaryHDU(np.vstack([flux, ivar, wave, np.zeros(N_PIX), np.zeros(N_PIX)]).astype(np.float32))
    hdu.header.update(COEFF0=3.6, COEFF1=1e-4, CLASS="STAR", SUBCLASS="B2", OBSID=9, SNRG=20.0,
                      DESIG="LAMOST J1", TELESCOP="LAMOST")
    hdu.writeto(path)
    return str(path)


def stelib_image(path):
    """A STELIB-style 1-D image, air 4000-4398 A, 2 A pixels, a few zero (no data) pixels."""
    air = 4000.0 + 2.0 * np.arange(N_PIX)
    data = (1.0 + (air - 4000.0) / 1000.0).astype(np.float32)
    data[40:42] = 0.0
    hdu = fits.PrimaryHDU(data)
    hdu.header.update(CRVAL1=4000.0, CDELT1=2.0, CRPIX1=1.0, SPECTYPE="O5e", OBJECT="HD1")
    hdu.writeto(path)
    return str(path)


@pytest.fixture
def folder(tmp_path):
    lamost_image(tmp_path / "a.fits")
    lamost_image(tmp_path / "b.fits.gz", scale=2.0)
    stelib_image(tmp_path / "c.fits")
    (tmp_path / "README.txt").write_text("not a spectrum")
    return tmp_path


def test_reads_a_directory_onto_the_grid(folder):
    result = read_spectra(folder, GRID, verbose=0)
    assert result.flux.shape == (3, GRID.size) and result.flux.dtype == np.float32
    assert [p.split("/")[-1] for p in result.filenames] == ["a.fits", "b.fits.gz", "c.fits"]
    np.testing.assert_allclose(result.wavelength.to_value(u.AA), GRID)
    assert result.skipped == []
    # each file is the ramp 1 + (lambda - 4000)/1000 (times 2 for b); ivar == 0 and
    # STELIB zero pixels were interpolated over, not averaged in as zeros
    ramp = 1.0 + (GRID - 4000.0) / 1000.0
    np.testing.assert_allclose(result.flux[0], ramp, rtol=2e-4)
    np.testing.assert_allclose(result.flux[1], 2 * ramp, rtol=2e-4)
    # STELIB is air: on the vacuum grid its ramp is shifted by about 1.1 A
    np.testing.assert_allclose(result.flux[2], ramp, rtol=2e-3)


def test_per_file_metadata(folder):
    result = read_spectra(folder, GRID, verbose=0)
    first, _, stelib = result.meta
    assert first["class"] == "STAR" and first["subclass"] == "B2" and first["mk_class"] == "B"
    assert first["object_id"] == "LAMOST J1" and first["obsid"] == 9 and first["snr"] == 20.0
    assert first["format"] == "lamost" and first["source_file"].endswith("a.fits")
    assert first["n_bad"] == 3
    assert stelib["format"] == "stelib" and stelib["subclass"] == "O5e" and stelib["n_bad"] == 2


def test_list_glob_and_directory_agree(folder):
    by_dir = read_spectra(folder, GRID, verbose=0)
    by_glob = read_spectra(str(folder / "*.fits*"), GRID, verbose=0)
    by_list = read_spectra(by_dir.filenames, GRID, verbose=0)
    for other in (by_glob, by_list):
        np.testing.assert_array_equal(other.flux, by_dir.flux)
        assert other.filenames == by_dir.filenames


def test_skip_logs_and_reports_bad_files(folder, caplog):
    (folder / "junk.fits").write_text("junk " * 500)
    cut = folder / "cut.fits"
    cut.write_bytes((folder / "a.fits").read_bytes()[:-3000])
    with caplog.at_level(logging.WARNING, logger="skspec.io"):
        result = read_spectra(folder, GRID, on_error="skip", verbose=0)
    assert result.flux.shape == (3, GRID.size)
    skipped = {path.split("/")[-1]: reason for path, reason in result.skipped}
    assert set(skipped) == {"junk.fits", "cut.fits"}
    assert "not a FITS file" in skipped["junk.fits"]
    assert "truncated" in skipped["cut.fits"]
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 2
    assert "cut.fits" not in " ".join(result.filenames)


def test_raise_names_the_bad_file(folder):
    (folder / "junk.fits").write_text("junk " * 500)
    with pytest.raises(ValueError, match=r"junk\.fits: not a FITS file"):
        read_spectra(folder, GRID, verbose=0)


def test_all_skipped_gives_an_empty_array(tmp_path):
    (tmp_path / "junk.fits").write_text("junk " * 500)
    result = read_spectra(tmp_path, GRID, on_error="skip", verbose=0)
    assert result.flux.shape == (0, GRID.size) and result.flux.dtype == np.float32
    assert len(result.skipped) == 1


def test_progress_bar_follows_verbose(folder, capsys):
    read_spectra(folder, GRID, verbose=0)
    assert "reading spectra" not in capsys.readouterr().err
    read_spectra(folder, GRID, verbose=1)
    assert "reading spectra" in capsys.readouterr().err


def test_linear_method(folder):
    result = read_spectra(folder, GRID, method="linear", verbose=0)
    np.testing.assert_allclose(result.flux[0], 1.0 + (GRID - 4000.0) / 1000.0, rtol=2e-4)


def test_reader_can_be_forced(folder):
    with pytest.raises(ValueError, match=r"c\.fits: not a LAMOST spectrum"):
        read_spectra(folder, GRID, reader=read_lamost, verbose=0)


# ---- on the raw survey files ----

def test_default_grid_is_the_bundled_grid(shared_data):
    from skspec.datasets import load_obafgkm

    path = next(shared_data.glob("raw/lamost_dr7/*.fits"))
    result = read_spectra([path], verbose=0)
    np.testing.assert_allclose(result.wavelength, load_obafgkm().wavelength, rtol=1e-12)
    assert result.flux.shape == (1, 2782)


def test_reproduces_the_bundled_table(shared_data):
    """read_spectra on the raw files gives back build_data.py's table."""
    table = np.load(shared_data / "obafgkm_train.npz")
    files = [shared_data / f for f in table["raw_file"]]
    result = read_spectra(files, max_bad_fraction=1.0, verbose=0)
    assert result.skipped == [] and result.flux.shape == table["flux"].shape
    scale = np.abs(table["flux"]).max(axis=1, keepdims=True)
    rel = np.abs(result.flux - table["flux"]) / scale
    lamost = table["source"] == "LAMOST_DR1"
    assert rel[~lamost].max() < 1e-4  # STELIB (air -> vacuum) and SDSS: the same
    # LAMOST: build_data.py interpolated over ivar == 0 pixels inside the grid only,
    # using the raw values of ivar == 0 pixels just outside it; skspec masks those
    # too. So a few spectra differ, and only in their first/last 50 pixels.
    differ = rel[lamost].max(axis=1) > 1e-4
    assert differ.sum() <= 0.06 * lamost.sum()
    assert rel[lamost][:, 50:-50].max() < 1e-4
    assert [m["mk_class"] for m in result.meta] == list(table["label"])


# ---- bad input: one test per case ----

def test_grid_outside_coverage_names_the_file(folder):
    with pytest.raises(ShortCoverageError, match=r"a\.fits: spectrum covers .* short at the blue end"):
        read_spectra(folder, np.linspace(3900.0, 4100.0, 20), verbose=0)


def test_too_many_bad_pixels_raise(tmp_path):
    lamost_image(tmp_path / "holey.fits", ivar_zero=slice(20, 180))
    with pytest.raises(ValueError, match=r"holey\.fits: .* pixels inside the grid .* are bad"):
        read_spectra(tmp_path, GRID, verbose=0)


def test_no_good_pixel_inside_the_grid_raises_even_when_allowed(tmp_path):
    lamost_image(tmp_path / "dead.fits", ivar_zero=slice(0, N_PIX))
    with pytest.raises(ValueError, match=r"dead\.fits: .*\(100%\) are bad"):
        read_spectra(tmp_path, GRID, max_bad_fraction=1.0, verbose=0)


def test_nothing_matches_raises(tmp_path):
    with pytest.raises(ValueError, match="no files matching"):
        read_spectra(str(tmp_path / "*.fits"), GRID, verbose=0)
    with pytest.raises(ValueError, match="no FITS files"):
        read_spectra(tmp_path, GRID, verbose=0)
    with pytest.raises(ValueError, match=r"missing\.fits: no such file or directory"):
        read_spectra(tmp_path / "missing.fits", GRID, verbose=0)


def test_bad_options_raise(folder):
    with pytest.raises(ValueError, match="on_error must be"):
        read_spectra(folder, GRID, on_error="ignore")
    with pytest.raises(ValueError, match="method must be"):
        read_spectra(folder, GRID, method="spline")
    with pytest.raises(ValueError, match="max_bad_fraction"):
        read_spectra(folder, GRID, max_bad_fraction=2)


def test_grid_not_increasing_raises(folder):
    with pytest.raises(ValueError, match="grid must be strictly increasing"):
        read_spectra(folder, GRID[::-1], verbose=0)


# ---- issue 17: every failure to open a file is a per-file error ----

def test_skip_goes_past_a_file_it_may_not_open(folder, monkeypatch):
    """PermissionError from opening one file used to abort read_spectra(on_error="skip")."""
    from skspec.io import _base

    real_open = open

    def no_permission_for_b(path, *args, **kwargs):
        if str(path).endswith("b.fits.gz"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(_base, "open", no_permission_for_b, raising=False)  # root ignores chmod
    result = read_spectra(folder, GRID, on_error="skip", verbose=0)
    assert [p.split("/")[-1] for p in result.filenames] == ["a.fits", "c.fits"]
    (path, reason), = result.skipped
    assert path.endswith("b.fits.gz") and reason.endswith("b.fits.gz: permission denied")
    with pytest.raises(ValueError, match=r"b\.fits\.gz: permission denied"):
        read_spectra(folder, GRID, verbose=0)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode")
def test_skip_goes_past_an_unreadable_mode(folder):
    os.chmod(folder / "b.fits.gz", 0)
    result = read_spectra(folder, GRID, on_error="skip", verbose=0)
    assert len(result.filenames) == 2 and "permission denied" in result.skipped[0][1]


def test_skip_goes_past_an_oserror_of_a_custom_reader(folder):
    def reader(source, vacuum=True):
        if str(source).endswith("a.fits"):
            raise OSError("disk on fire")
        return read_lamost(source, vacuum=vacuum)

    result = read_spectra([folder / "a.fits", folder / "b.fits.gz"], GRID, reader=reader,
                          on_error="skip", verbose=0)
    assert len(result.filenames) == 1 and result.filenames[0].endswith("b.fits.gz")
    assert "a.fits: OSError: disk on fire" in result.skipped[0][1]


def test_skip_goes_past_a_directory_and_a_link_loop(folder):
    (folder / "night.fits").mkdir()  # a folder named like a file
    os.symlink(folder / "l2.fits", folder / "l1.fits")
    os.symlink(folder / "l1.fits", folder / "l2.fits")
    result = read_spectra(folder, GRID, on_error="skip", verbose=0)
    assert len(result.filenames) == 3
    reasons = {p.split("/")[-1]: r for p, r in result.skipped}
    assert reasons["night.fits"].endswith("is a directory, not a file")
    assert reasons["l1.fits"].endswith("symbolic link loop (too many levels of symbolic links)")
