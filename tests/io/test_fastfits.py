"""The fast FITS parser against astropy, the reference: identical spectra, or astropy itself."""

import gzip

import numpy as np
import pytest
from astropy.io import fits

from skspec.io import TruncatedFileError, read_fits
from skspec.io._fastfits import parse_simple_fits


def _same(a, b):
    np.testing.assert_array_equal(a.flux, b.flux)
    assert a.flux.flags.writeable and a.wavelength.flags.writeable  # copies, not views of bytes
    assert (a.ivar is None) == (b.ivar is None)
    if a.ivar is not None:
        np.testing.assert_array_equal(a.ivar, b.ivar)
    np.testing.assert_array_equal(a.mask, b.mask)
    np.testing.assert_array_equal(a.wavelength, b.wavelength)
    assert a.pixel_flags.keys() == b.pixel_flags.keys()
    for key in a.pixel_flags:
        np.testing.assert_array_equal(a.pixel_flags[key], b.pixel_flags[key])
    meta_a, meta_b = dict(a.meta), dict(b.meta)
    meta_a.pop("source_file"), meta_b.pop("source_file")
    assert meta_a.keys() == meta_b.keys()
    for key in meta_a:
        x, y = meta_a[key], meta_b[key]
        assert type(x) is type(y) and (x == y or (x != x and y != y)), key


def _raw_files(shared_data):
    files = sorted(shared_data.glob("raw/lamost*/*.fits*")) + sorted(
        shared_data.glob("raw/sdss_pyhammer/*.fits*"))[::3]
    return files + sorted(shared_data.glob("raw/stelib/*.fits"))[::15]


def test_every_raw_file_reads_as_with_astropy(shared_data):
    """Paths take the fast parser (or astropy); an HDUList is astropy's own objects."""
    n_fast, files = 0, _raw_files(shared_data)
    for path in files:
        with fits.open(path) as hdul:
            reference = read_fits(hdul)
        _same(read_fits(path), reference)
        n_fast += parse_simple_fits(gzip.decompress(path.read_bytes())
                                    if path.suffix == ".gz" else path.read_bytes(), "x") is not None
    assert n_fast == len(files)  # all of them are plain enough for the fast parser


def test_header_values_are_typed_as_astropy_types_them(shared_data):
    for path in _raw_files(shared_data)[::7]:
        data = path.read_bytes()
        data = gzip.decompress(data) if path.suffix == ".gz" else data
        fast = parse_simple_fits(data, "x")
        with fits.open(path) as hdul:
            for ours, theirs in zip(fast, hdul):
                for card in theirs.header.cards:
                    if card.keyword in ("", "COMMENT", "HISTORY") or card.keyword in seen(theirs):
                        continue
                    try:
                        expected = card.value
                    except fits.VerifyError:  # e.g. STELIB's 'APNUM1  = 1 0': ours raises too
                        with pytest.raises(fits.VerifyError):
                            ours.header[card.keyword]
                        continue
                    value = ours.header[card.keyword]
                    assert type(value) is type(expected) and value == expected, card


def seen(hdu):
    """Keywords that occur twice (the first is the one both parsers return)."""
    keys = [c.keyword for c in hdu.header.cards]
    return {k for k in keys if keys.count(k) > 1}


def _image_file(path, **cards):
    hdu = fits.PrimaryHDU(np.arange(12, dtype=np.float32).reshape(2, 6))
    hdu.header.update(cards)
    hdu.writeto(path)
    return path.read_bytes()


@pytest.mark.parametrize("cards", [
    {"BSCALE": 2.0},                      # scaled data: astropy applies it
    {"LONGSTR": "x" * 100},               # CONTINUE cards
    {"HIERARCH ESO DET": 1},              # HIERARCH keywords
])
def test_features_it_does_not_parse_go_to_astropy(tmp_path, cards):
    assert parse_simple_fits(_image_file(tmp_path / "f.fits", **cards), "f.fits") is None


def test_odd_values_are_parsed_by_astropy(tmp_path):
    data = _image_file(tmp_path / "f.fits", QUOTED="it's", EMPTY="", COMPLEX=complex(1, 2),
                       EXP=1.5e-300, NEG=-7)
    header = parse_simple_fits(data, "f.fits")[0].header
    assert header["QUOTED"] == "it's" and header["EMPTY"] == "" and header["COMPLEX"] == 1 + 2j
    assert header["EXP"] == 1.5e-300 and header["NEG"] == -7 and header.get("coeff9") is None
    assert header.get("quoted") == "it's"  # keys in any case, as astropy


def test_string_columns_go_to_astropy(tmp_path):
    table = fits.BinTableHDU.from_columns([fits.Column(name="CLASS", format="4A", array=["STAR"])])
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(tmp_path / "t.fits")
    assert parse_simple_fits((tmp_path / "t.fits").read_bytes(), "t.fits") is None


def test_cut_inside_a_later_header_or_its_data_is_truncated(tmp_path):
    cols = [fits.Column(name="FLUX", format="100E", array=np.ones((1, 100), np.float32))]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols)]).writeto(tmp_path / "t.fits")
    data = (tmp_path / "t.fits").read_bytes()
    assert len(parse_simple_fits(data, "t.fits")) == 2
    for cut in (2880 + 1000, 2 * 2880 + 100):  # in the table's header, in its data
        with pytest.raises(TruncatedFileError, match=r"t\.fits: truncated FITS file"):
            parse_simple_fits(data[:cut], "t.fits")
        (tmp_path / "cut.fits").write_bytes(data[:cut])
        with pytest.raises(TruncatedFileError):
            read_fits(tmp_path / "cut.fits")


def test_header_cut_in_a_file_astropy_parses_is_truncated(tmp_path):
    """astropy dropped a last header cut in the middle: the spAll metadata was lost silently."""
    n = 50
    cols = [fits.Column(name="loglam", format="E", array=3.6 + 1e-4 * np.arange(n)),
            fits.Column(name="flux", format="E", array=np.ones(n))]
    spall = fits.BinTableHDU.from_columns([fits.Column(name="CLASS", format="6A", array=["STAR"]),
                                           fits.Column(name="SUBCLASS", format="6A", array=["F5"])])
    primary = fits.PrimaryHDU()
    primary.header["COMMENTS"] = "a long string value, " * 5  # CONTINUE cards: astropy's file
    fits.HDUList([primary, fits.BinTableHDU.from_columns(cols), spall]).writeto(
        tmp_path / "spec.fits")
    data = (tmp_path / "spec.fits").read_bytes()
    assert parse_simple_fits(data, "spec.fits") is None
    assert read_fits(tmp_path / "spec.fits").meta["subclass"] == "F5"
    (tmp_path / "cut.fits").write_bytes(data[:3 * 2880 + 1500])  # inside the spAll header
    with pytest.raises(TruncatedFileError, match=r"cut\.fits: truncated FITS file: the header "
                       r"at byte 8640 has no END card"):
        read_fits(tmp_path / "cut.fits")
