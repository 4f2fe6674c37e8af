import gzip
import os

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits

from skspec.io import (
    TruncatedFileError,
    UnreadableFileError,
    SpectrumData,
    air_to_vacuum,
    detect_format,
    read_fits,
    read_lamost,
    read_sdss,
    read_stelib,
    vacuum_to_air,
)

N_PIX = 200
META_KEYS = {"class", "subclass", "mk_class", "object_id", "obsid", "snr", "source_file", "format"}


# ---- small FITS files in the layouts of each survey, written to tmp_path ----

def lamost_image(path, *, dr1=False, n=N_PIX, drop=()):
    """A LAMOST image-layout file: rows flux, ivar, wavelength (DR1: continuum), and/or mask."""
    wave = 10 ** (3.6 + 1e-4 * np.arange(n))
    flux = np.linspace(1.0, 2.0, n, dtype=np.float32)
    ivar = np.full(n, 4.0, dtype=np.float32)
    ivar[50:53] = 0.0
    row2 = np.ones(n) if dr1 else wave
    hdu = fits.PrimaryHDU(np.vstack([flux, ivar, row2, np.zeros(n), np.zeros(n)]).astype(np.float32))
    hdr = hdu.header
    hdr["EXTEN0"] = ("Flux Inverse Subcontinuum Andmask Ormask" if dr1
                     else "Flux, Inverse, Wavelength, Andmask, Ormask")
    hdr.update(COEFF0=3.6, COEFF1=1e-4, CLASS="STAR", SUBCLASS="F5", DESIG="LAMOST J000000.00+000000.0",
               OBJNAME="1234", TELESCOP="LAMOST")
    if dr1:
        hdr["SN_G"] = 42.0
    else:
        hdr.update(OBSID=101, SNRG=42.0, SNRR=50.0)
    for key in drop:
        del hdr[key]
    hdu.writeto(path)
    return path


def lamost_table(path, n=N_PIX):
    wave = (10 ** (3.6 + 1e-4 * np.arange(n))).astype(np.float32)
    cols = [fits.Column(name=name, format=f"{n}E", array=arr[None, :].astype(np.float32))
            for name, arr in [("FLUX", np.linspace(1, 2, n)), ("IVAR", np.ones(n)),
                              ("WAVELENGTH", wave), ("ANDMASK", np.zeros(n)), ("ORMASK", np.zeros(n))]]
    primary = fits.PrimaryHDU()
    primary.header.update(COEFF0=3.6, COEFF1=1e-4, CLASS="STAR", SUBCLASS="dM5", OBSID=7, SNRG=3.5,
                          TELESCOP="LAMOST")
    table = fits.BinTableHDU.from_columns(cols, name="COADD")
    fits.HDUList([primary, table]).writeto(path)
    return path


def sdss_table(path, loglam=None, n=N_PIX):
    loglam = 3.6 + 1e-4 * np.arange(n) if loglam is None else loglam
    cols = [fits.Column(name="LogLam", format="D", array=loglam),
            fits.Column(name="Flux", format="E", array=np.linspace(1, 2, loglam.size)),
            fits.Column(name="Std", format="E", array=np.full(loglam.size, 0.1))]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols)]).writeto(path)
    return path


def stelib_image(path, n=N_PIX):
    data = np.linspace(1.0, 2.0, n).astype(np.float32)
    data[:5] = 0.0  # STELIB: zero = no data
    hdu = fits.PrimaryHDU(data)
    hdu.header.update(CRVAL1=4000.0, CDELT1=2.0, CRPIX1=1.0, SPECTYPE="O9.5Ib", OBJECT="HR7589",
                      BUNIT="erg /s /cm2 /angstroms")
    hdu.writeto(path)
    return path


# ---- the raw survey files in ../shared/data ----

def _direct_lamost(path):
    """flux, ivar and wavelength of a LAMOST file read with plain astropy."""
    with fits.open(path) as hdul:
        hdr = hdul[0].header
        if hdul[0].data is not None:  # image layout
            data = hdul[0].data
            flux, ivar = data[0].copy(), data[1].copy()
            stored = data[2].copy() if "Wavelength" in hdr.get("EXTEN0", "") else None
        else:  # DR9+ COADD table
            table = hdul[1].data
            flux, ivar, stored = table["FLUX"][0].copy(), table["IVAR"][0].copy(), table["WAVELENGTH"][0].copy()
        wave = 10 ** (hdr["COEFF0"] + hdr["COEFF1"] * np.arange(flux.size))
    return flux, ivar, wave, stored


def test_read_lamost_matches_astropy_on_every_raw_file(shared_data):
    paths = sorted(shared_data.glob("raw/lamost*/*.fits*"))
    assert len(paths) >= 176 + 1 + 1 + 7
    layouts = set()
    for path in paths:
        spec = read_lamost(path)
        flux, ivar, wave, stored = _direct_lamost(path)
        np.testing.assert_array_equal(spec.flux, flux, err_msg=str(path))
        np.testing.assert_array_equal(spec.ivar, ivar, err_msg=str(path))
        np.testing.assert_allclose(spec.wavelength.to_value(u.AA), wave, rtol=1e-12, err_msg=str(path))
        if stored is not None:  # DR6+ also store the wavelength, in float32
            np.testing.assert_allclose(spec.wavelength.to_value(u.AA), stored, rtol=1e-6)
        np.testing.assert_array_equal(spec.mask, ~(ivar > 0) | ~np.isfinite(flux))
        layouts.add((path.parent.name, spec.meta["layout"]))
    assert layouts == {("lamost_dr1", "image"), ("lamost_dr6", "image"), ("lamost_dr7", "image"),
                       ("lamost_cmost_tests", "table")}


def test_lamost_meta_from_raw_files(shared_data):
    dr7 = read_lamost(next(shared_data.glob("raw/lamost_dr7/*.fits")))
    assert dr7.meta["class"] == "STAR" and dr7.meta["subclass"] == "G3" and dr7.meta["mk_class"] == "G"
    assert dr7.meta["obsid"] == 677503031 and dr7.meta["snr"] == pytest.approx(153.72)
    assert dr7.meta["snr_r"] == pytest.approx(241.09)
    dr1 = read_lamost(shared_data / "raw/lamost_dr1/spec-55862-B6212_sp06-003.fits.gz")
    assert dr1.meta["snr"] == pytest.approx(71.41) and dr1.meta["object_id"] == "LAMOST J063715.90+271356.5"
    qso = read_lamost(shared_data / "raw/lamost_cmost_tests/spec-60591-LN042429N340750BM01_sp01-005.fits.gz")
    assert qso.meta["class"] == "QSO" and qso.meta["mk_class"] is None


@pytest.mark.parametrize("name", ["lamost_dr1/spec-55862-B6212_sp06-003.fits.gz",
                                  "lamost_cmost_tests/spec-55859-F5902_sp01-001.fits.gz"])
def test_path_file_object_and_hdulist_give_the_same(shared_data, name):
    path = shared_data / "raw" / name
    by_path = read_lamost(path)
    with open(path, "rb") as fh:
        by_file = read_lamost(fh)
    with fits.open(path) as hdul:
        by_hdul = read_lamost(hdul)
        assert hdul[0].header["CLASS"] == "STAR"  # the caller's HDUList is left open
    for other in (by_file, by_hdul):
        np.testing.assert_array_equal(other.flux, by_path.flux)
        np.testing.assert_array_equal(other.ivar, by_path.ivar)
        np.testing.assert_array_equal(other.wavelength, by_path.wavelength)
        assert other.meta["subclass"] == by_path.meta["subclass"]
    assert by_file.meta["source_file"] == str(path)


def test_read_sdss_pyhammer_template(shared_data):
    path = shared_data / "raw/sdss_pyhammer/O9.fits.gz"
    spec = read_sdss(path)
    table = fits.getdata(path, 1)
    np.testing.assert_array_equal(spec.flux, table["Flux"])
    np.testing.assert_allclose(spec.wavelength.to_value(u.AA), 10.0 ** table["LogLam"].astype(float), rtol=1e-12)
    assert spec.ivar is None and not spec.mask.any()
    assert (spec.meta["class"], spec.meta["subclass"], spec.meta["mk_class"]) == ("STAR", "O9", "O")


def test_read_stelib_converts_air_to_vacuum(shared_data):
    path = shared_data / "raw/stelib/STELIB_v3.2_HD188209.fits"
    hdr, data = fits.getheader(path), fits.getdata(path)
    air = hdr["CRVAL1"] + hdr["CDELT1"] * (np.arange(data.size) + 1 - hdr["CRPIX1"])
    vac = read_stelib(path)
    np.testing.assert_allclose(vac.wavelength.to_value(u.AA), air_to_vacuum(air), rtol=1e-12)
    np.testing.assert_allclose(read_stelib(path, vacuum=False).wavelength.to_value(u.AA), air, rtol=1e-12)
    np.testing.assert_array_equal(vac.mask, data == 0)
    assert vac.meta["subclass"] == "O9.5Ib" and vac.meta["object_id"] == "HR7589"


@pytest.mark.parametrize("folder, fmt", [("lamost_dr1", "lamost"), ("lamost_dr6", "lamost"),
                                         ("lamost_cmost_tests", "lamost"), ("sdss_pyhammer", "sdss"),
                                         ("stelib", "stelib")])
def test_read_fits_detects_each_raw_format(shared_data, folder, fmt):
    path = sorted((shared_data / "raw" / folder).glob("*.fits*"))[0]
    assert detect_format(path) == fmt
    spec = read_fits(path)
    assert spec.meta["format"] == fmt and META_KEYS <= spec.meta.keys()


# ---- the same on files written here (no ../shared needed) ----

@pytest.mark.parametrize("dr1", [True, False])
def test_lamost_image_layout(tmp_path, dr1):
    spec = read_fits(lamost_image(tmp_path / "s.fits", dr1=dr1))
    assert isinstance(spec, SpectrumData) and spec.meta["format"] == "lamost"
    np.testing.assert_allclose(spec.wavelength.to_value(u.AA), 10 ** (3.6 + 1e-4 * np.arange(N_PIX)))
    assert spec.flux.dtype == np.float32 and spec.ivar.dtype == np.float32
    np.testing.assert_array_equal(np.flatnonzero(spec.mask), [50, 51, 52])
    assert spec.meta["snr"] == 42.0 and spec.meta["obsid"] == (None if dr1 else 101)
    assert set(spec.pixel_flags) == {"andmask", "ormask"}
    assert META_KEYS <= spec.meta.keys()


def test_lamost_table_layout(tmp_path):
    spec = read_fits(lamost_table(tmp_path / "t.fits"))
    assert spec.meta["layout"] == "table" and spec.meta["mk_class"] == "M"
    assert spec.flux.shape == (N_PIX,) and spec.meta["obsid"] == 7


def test_sdss_and_stelib_files(tmp_path):
    sdss = read_fits(sdss_table(tmp_path / "K7_+0.0_Dwarf.fits"))
    assert sdss.meta["format"] == "sdss" and sdss.meta["subclass"] == "K7"
    stelib = read_fits(stelib_image(tmp_path / "star.fits"))
    assert stelib.meta["format"] == "stelib" and stelib.mask[:5].all() and not stelib.mask[5:].any()
    assert stelib.meta["flux_unit"] == "erg /s /cm2 /angstroms"


def test_vacuum_false_gives_air(tmp_path):
    path = lamost_image(tmp_path / "s.fits")
    vac = read_lamost(path).wavelength.to_value(u.AA)
    air = read_lamost(path, vacuum=False).wavelength.to_value(u.AA)
    assert read_lamost(path, vacuum=False).meta["vacuum"] is False
    np.testing.assert_allclose(air_to_vacuum(air), vac, rtol=1e-12)
    assert np.all(vac - air > 1.0)  # about 1.1 A at 4000 A


def test_air_vacuum_round_trip():
    wave = np.linspace(3000.0, 11000.0, 50)
    np.testing.assert_allclose(vacuum_to_air(air_to_vacuum(wave)), wave, rtol=1e-13)


def test_to_specutils(tmp_path):
    pytest.importorskip("specutils")
    spec = read_stelib(stelib_image(tmp_path / "star.fits"))
    sp = spec.to_specutils()
    np.testing.assert_array_equal(sp.flux.value, spec.flux)
    np.testing.assert_array_equal(sp.spectral_axis.to_value(u.AA), spec.wavelength.to_value(u.AA))
    assert sp.flux.unit == u.erg / u.s / u.cm**2 / u.AA and sp.mask.sum() == 5
    lamost = read_lamost(lamost_image(tmp_path / "s.fits")).to_specutils()
    expected = np.full(N_PIX, 4.0)
    expected[50:53] = 0.0
    np.testing.assert_array_equal(lamost.uncertainty.array, expected)


# ---- bad input: one test per case, each error names the file ----

def test_non_fits_file_raises(tmp_path):
    path = tmp_path / "notes.fits"
    path.write_text("these are not FITS\n" * 200)
    with pytest.raises(ValueError, match=r"notes\.fits: not a FITS file"):
        read_fits(path)


def test_truncated_fits_raises(tmp_path):
    good = lamost_image(tmp_path / "good.fits")
    cut = tmp_path / "cut.fits"
    cut.write_bytes(good.read_bytes()[:-2000])
    with pytest.raises(TruncatedFileError, match=r"cut\.fits: truncated FITS file"):
        read_lamost(cut)


def test_truncated_gzip_raises(tmp_path):
    raw = lamost_image(tmp_path / "good.fits").read_bytes()
    cut = tmp_path / "cut.fits.gz"
    cut.write_bytes(gzip.compress(raw)[:300])
    with pytest.raises(TruncatedFileError, match=r"cut\.fits\.gz: truncated gzip file"):
        read_fits(cut)


@pytest.mark.parametrize("damage", ["stream", "crc"])
def test_corrupt_gzip_raises(tmp_path, damage):
    packed = bytearray(gzip.compress(lamost_image(tmp_path / "good.fits").read_bytes()))
    if damage == "stream":
        packed[20:60] = b"\xff" * 40  # an invalid deflate block
    else:
        packed[-8:-4] = bytes(a ^ 0xFF for a in packed[-8:-4])  # the CRC-32 trailer
    bad = tmp_path / "bad.fits.gz"
    bad.write_bytes(bytes(packed))
    with pytest.raises(UnreadableFileError, match=r"bad\.fits\.gz: corrupt gzip file"):
        read_fits(bad)


def test_gzip_decompression_matches_the_standard_library(shared_data):
    # zlib-ng does the decompressing; the bytes must be the standard library's
    from skspec.io._base import _decompress

    for path in sorted((shared_data / "raw" / "lamost_dr1").glob("*.gz"))[:20]:
        raw = path.read_bytes()
        assert _decompress(raw, path.name) == gzip.decompress(raw)


def test_corrupt_header_raises(tmp_path):
    raw = bytearray(lamost_image(tmp_path / "good.fits").read_bytes())
    raw[80:160] = b"\x00\xff" * 40  # the BITPIX card is garbage
    bad = tmp_path / "bad.fits"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"bad\.fits: corrupt or truncated FITS file"):
        read_fits(bad)


@pytest.mark.parametrize("key", ["COEFF0", "COEFF1"])
def test_missing_coeff_raises(tmp_path, key):
    path = lamost_image(tmp_path / "nocoeff.fits", dr1=True, drop=(key,))
    with pytest.raises(ValueError, match=rf"nocoeff\.fits: the LAMOST header lacks {key}"):
        read_lamost(path)


def test_wavelength_not_increasing_raises(tmp_path):
    loglam = 3.6 + 1e-4 * np.arange(N_PIX)
    loglam[100] = loglam[99]
    path = sdss_table(tmp_path / "flat.fits", loglam=loglam)
    with pytest.raises(ValueError, match=r"flat\.fits: wavelength must be strictly increasing; it is not at index 100"):
        read_sdss(path)


def test_stored_wavelength_disagreeing_with_coeff_raises(tmp_path):
    path = lamost_image(tmp_path / "shifted.fits")
    with fits.open(path, mode="update") as hdul:
        hdul[0].header["COEFF0"] = 3.61
    with pytest.raises(ValueError, match=r"shifted\.fits: the stored wavelength .* disagrees with COEFF0/COEFF1"):
        read_lamost(path)


def test_unrecognised_format_raises(tmp_path):
    path = tmp_path / "empty.fits"
    fits.PrimaryHDU().writeto(path)
    with pytest.raises(ValueError, match=r"empty\.fits: unrecognised spectrum format"):
        read_fits(path)


def test_wrong_reader_raises(tmp_path):
    path = stelib_image(tmp_path / "star.fits")
    with pytest.raises(ValueError, match=r"star\.fits: not a LAMOST spectrum"):
        read_lamost(path)
    with pytest.raises(ValueError, match=r"star\.fits: no binary table with loglam and flux"):
        read_sdss(path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(ValueError, match=r"nowhere\.fits: no such file"):
        read_fits(tmp_path / "nowhere.fits")


def test_stelib_without_crval_raises(tmp_path):
    path = tmp_path / "nowcs.fits"
    hdu = fits.PrimaryHDU(np.ones(10, dtype=np.float32))
    hdu.header["CDELT1"] = 1.0
    hdu.writeto(path)
    with pytest.raises(ValueError, match=r"nowcs\.fits: the header lacks CRVAL1"):
        read_stelib(path)


def test_import_does_not_pull_torch():
    import subprocess
    import sys

    code = "import sys, skspec.io, skspec.preprocessing; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("crpix, first", [(0.0, 4002.0), (1.0, 4000.0), (None, 4000.0), (3.0, 3996.0)])
def test_stelib_crpix1_zero_is_a_reference_pixel_not_missing(tmp_path, crpix, first):
    """Issue 17: CRPIX1 = 0 was taken for 'absent' (1.0) and shifted the axis by one pixel."""
    path = tmp_path / "star.fits"
    hdu = fits.PrimaryHDU(np.ones(10, dtype=np.float32))
    hdu.header.update(CRVAL1=4000.0, CDELT1=2.0, AIRORVAC="vac")
    if crpix is not None:
        hdu.header["CRPIX1"] = crpix
    hdu.writeto(path)
    wave = read_stelib(path).wavelength.to_value(u.AA)
    np.testing.assert_allclose(wave, first + 2.0 * np.arange(10), rtol=1e-12)


@pytest.mark.parametrize("name", ["sdss_pyhammer/O9.fits.gz",
                                  "lamost_cmost_tests/spec-55859-F5902_sp01-001.fits.gz"])
@pytest.mark.parametrize("kept", [0.5, 0.9, 0.99, 0.999])
def test_truncated_gzip_of_a_real_file_says_truncated(shared_data, tmp_path, name, kept):
    """Issue 17: a cut .fits.gz gave 'unrecognised format' or was read with HDUs lost."""
    from skspec.io import TruncatedFileError

    raw = (shared_data / "raw" / name).read_bytes()
    cut = tmp_path / name.split("/")[1]
    cut.write_bytes(raw[: int(len(raw) * kept)])
    with pytest.raises(TruncatedFileError, match=rf"{cut.name}: truncated gzip file"):
        read_fits(cut)


@pytest.mark.parametrize("key", ["COEFF0", "COEFF1"])
def test_coeff_not_a_number_names_the_file(tmp_path, key):
    """Issue 17: COEFF1 = 'abc' gave 'could not convert string to float' without the file."""
    from skspec.io import InvalidSpectrumError

    path = lamost_image(tmp_path / "abc.fits")
    with fits.open(path, mode="update") as hdul:
        hdul[0].header[key] = "abc"
    with pytest.raises(InvalidSpectrumError, match=rf"abc\.fits: the LAMOST header's {key} = 'abc' "
                       "is not a number"):
        read_lamost(path)


def test_odd_header_value_elsewhere_names_the_file(tmp_path):
    path = tmp_path / "odd.fits"
    cols = [fits.Column(name="loglam", format="D", array=3.6 + 1e-4 * np.arange(N_PIX)),
            fits.Column(name="flux", format="E", array=np.ones(N_PIX))]
    spall = fits.BinTableHDU.from_columns([fits.Column(name="CLASS", format="4A", array=["STAR"]),
                                           fits.Column(name="SN_MEDIAN_ALL", format="3A", array=["n/a"])])
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols), spall]).writeto(path)
    with pytest.raises(ValueError, match=r"odd\.fits: ValueError: could not convert"):
        read_sdss(path)


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.mkdir(), "is a directory, not a file"),
    (lambda p: (os.symlink(p.with_name("l2.fits"), p), os.symlink(p, p.with_name("l2.fits"))),
     r"symbolic link loop \(too many levels of symbolic links\)"),
    (lambda p: os.symlink(p.with_name("gone.fits"), p), "broken symbolic link"),
])
def test_directory_and_link_loop_are_not_called_missing(tmp_path, make, reason):
    from skspec.io import UnreadableFileError

    path = tmp_path / "x.fits"
    make(path)
    with pytest.raises(UnreadableFileError, match=rf"x\.fits: {reason}"):
        read_fits(path)
