"""read_mkclass: the MKCLASS two-column files, the name decoder, and bad input."""

import io

import numpy as np
import pytest
from astropy import units as u

from skspec.io import air_to_vacuum, decode_mkclass_name, read_mkclass


def _write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def _good_lines(n=20, start=4000.0):
    lines = [f"{start + i:.6f} {1.0 + 0.01 * i:.6e}" for i in range(n)]
    lines[0] = f"{start:.6f} 0.000000e+00"      # MKCLASS: 0 = no data
    lines[-1] = f"{start + n - 1:.6f} 0.000000e+00"
    return lines


@pytest.mark.parametrize(
    "name, expected",
    [
        ("t010l00p00", ("O", "O4", "Ia")),
        ("t060l10p00", ("O", "O9", "Ib")),
        ("t070l50p00", ("B", "B0", "V")),
        ("t077l30p00", ("B", "B0.7", "III")),
        ("t085l00p00", ("B", "B1.5", "Ia")),
        ("t150l40p00", ("B", "B9", "IV")),
        ("t160l30p00", ("A", "A0", "III")),
        ("t260l25p00", ("F", "F5", "II-III")),
        ("t300l50p00", ("G", "G0", "V")),
        ("t340l10p00", ("K", "K0", "Ib")),
        ("t385l10p00", ("K", "K4.5", "Ib")),
        ("t407l30p00", ("M", "M0", "III")),
        ("t455l50p00", ("M", "M5", "V")),
        ("t500l50p00", ("M", "M9", "V")),  # the last code MKCLASS has
    ],
)
def test_names_decode_to_mk_types(name, expected):
    d = decode_mkclass_name(name + ".rbn")
    assert (d["mk_class"], d["spectral_type"], d["luminosity_class"]) == expected
    assert d["subclass"] == f"{expected[1]} {expected[2]}"
    assert d["metallicity"] == 0.0


@pytest.mark.parametrize(
    "name, match",
    [
        ("HD30614.rbn", "does not decode"),
        ("t60l10p00.rbn", "does not decode"),
        ("t060l10x00.rbn", "does not decode"),
        ("t060l07p00.rbn", "luminosity code l07"),
        ("t600l50p00.rbn", "beyond M9"),
    ],
)
def test_bad_names_are_named(name, match):
    with pytest.raises(ValueError, match=match) as err:
        decode_mkclass_name("somewhere/" + name)
    assert name in str(err.value)


def test_reads_a_file_cuts_no_data_ends_and_converts_air(tmp_path):
    path = _write(tmp_path, "t060l10p00.rbn", _good_lines())
    spec = read_mkclass(path)
    # the zero at each end ("no data") and the two partly covered pixels next to it are cut
    assert spec.flux.dtype == np.float32 and spec.flux.size == 14
    np.testing.assert_allclose(spec.flux, 1.0 + 0.01 * np.arange(3, 17), rtol=1e-6)
    assert not spec.mask.any()
    assert spec.ivar is None
    air = 4003.0 + np.arange(14)
    np.testing.assert_allclose(spec.wavelength.to_value(u.AA), air_to_vacuum(air))
    assert spec.meta["vacuum"] is True and spec.meta["format"] == "mkclass"
    assert spec.meta["subclass"] == "O9 Ib" and spec.meta["mk_class"] == "O"
    assert spec.meta["object_id"] == "t060l10p00"
    assert spec.meta["source_file"] == str(path)
    air_spec = read_mkclass(path, vacuum=False)
    np.testing.assert_allclose(air_spec.wavelength.to_value(u.AA), air)
    # a file object (binary or text) reads the same
    with open(path, "rb") as fh:
        np.testing.assert_array_equal(read_mkclass(fh).flux, spec.flux)
    text = io.StringIO(path.read_text())
    np.testing.assert_array_equal(read_mkclass(text, name=str(path)).flux, spec.flux)


def test_zeros_inside_the_data_are_masked_with_their_neighbours(tmp_path):
    lines = _good_lines(30)
    lines[14] = "4014.000000 0.000000e+00"
    spec = read_mkclass(_write(tmp_path, "t060l10p00.rbn", lines), vacuum=False)
    wave = spec.wavelength.to_value(u.AA)
    assert wave[0] == 4003.0 and wave[-1] == 4026.0
    np.testing.assert_array_equal(wave[spec.mask], [4012.0, 4013.0, 4014.0, 4015.0, 4016.0])


def test_a_grid_beyond_the_data_is_refused_not_filled(tmp_path):
    from skspec.io import ShortCoverageError, read_onto_grid

    path = _write(tmp_path, "t060l10p00.rbn", _good_lines(60))
    inside = read_onto_grid(path, wavelength=np.arange(4010.0, 4050.0), reader=read_mkclass)
    assert inside.flags == () and inside.meta["bad_fraction"] == 0.0
    # the file's first lines hold no data: a grid reaching them must not get invented flux
    with pytest.raises(ShortCoverageError, match="t060l10p00"):
        read_onto_grid(path, wavelength=np.arange(4001.0, 4050.0), reader=read_mkclass)


def test_the_bundled_files_lose_their_partial_edge_pixels():
    """MKCLASS's own files: the first pixels after the no-data run are too low."""
    from skspec.datasets import load_mk_standards

    mk = load_mk_standards()
    row = list(mk.object).index("MKCLASS t330l40p00")  # its data start latest: 0.006, 0.083, 0.318
    first = mk.data[row, :3]
    assert first.min() > 0.9 * np.median(mk.data[row, 3:10])


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda ls: ls[:5] + ["4005.0 1.0 7.0"] + ls[6:], r"line 6: expected 2 columns"),
        (lambda ls: ls[:7] + ["4007.0"] + ls[8:], r"line 8: expected 2 columns .*got 1"),
        (lambda ls: ls[:3] + ["4003.0 abc"] + ls[4:], r"line 4: the flux 'abc' is not a number"),
        (lambda ls: ls[:3] + ["x4003 1.0"] + ls[4:], r"line 4: the wavelength 'x4003'"),
        (lambda ls: ls[:3] + ["4003.0 nan"] + ls[4:], r"line 4: the flux 'nan' is not finite"),
        (lambda ls: ls[:9] + ["4007.0 1.0"] + ls[10:], r"line 10: wavelength 4007.0 does not "
                                                      r"increase \(line 9 has 4008.0\)"),
        (lambda ls: [f"{4000 + i}.0 0.0" for i in range(len(ls))], r"every flux value is 0"),
        (lambda ls: [f"{4000 + i}.0 {1.0 if 8 <= i <= 11 else 0.0}" for i in range(len(ls))],
         r"fewer than two pixels hold data over their whole width"),
        (lambda ls: ls[:1], r"1 data line"),
        (lambda ls: [], r"0 data lines"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, edit, match):
    path = _write(tmp_path, "t070l50p00.rbn", edit(_good_lines()))
    with pytest.raises(ValueError, match=match) as err:
        read_mkclass(path)
    assert str(path) in str(err.value)


def test_undecodable_name_and_missing_file(tmp_path):
    path = _write(tmp_path, "standard.txt", _good_lines())
    with pytest.raises(ValueError, match=r"standard.txt: the file name 'standard' does not"):
        read_mkclass(path)
    with pytest.raises(ValueError, match="no such file"):
        read_mkclass(tmp_path / "t070l50p00.rbn")
    with pytest.raises(TypeError, match="path or a file object"):
        read_mkclass(42)


def test_blank_lines_and_comments_are_skipped(tmp_path):
    lines = _good_lines()
    path = _write(tmp_path, "t070l50p00.rbn", ["# MKCLASS standard", ""] + lines + [""])
    assert read_mkclass(path).flux.size == len(lines) - 6  # two zeros, four partial pixels


def test_every_shared_mkclass_file_reads(shared_data):
    raw = shared_data / "raw" / "mkclass"
    files = sorted((raw / "libnor36").glob("*.rbn")) + sorted((raw / "libr36").glob("*.rbn"))
    assert len(files) == 174 + 112
    counts = {}
    for f in files[:174]:
        spec = read_mkclass(f)
        counts[spec.meta["mk_class"]] = counts.get(spec.meta["mk_class"], 0) + 1
        # the no-data ends are cut: what is left is data, over the range the library covers
        wave = spec.wavelength.to_value(u.AA)
        assert 1700 < spec.flux.size <= 1800 and not spec.mask.any() and (spec.flux != 0).all()
        assert wave[0] < 3842.0 and wave[-1] > 5559.0
    assert counts == {"O": 18, "B": 36, "A": 23, "F": 30, "G": 21, "K": 24, "M": 22}
    spec = read_mkclass(raw / "libnor36" / "t060l10p00.rbn", vacuum=False)
    # its data start at 3823 A (air); the two partly covered pixels after the zeros are cut
    assert spec.wavelength[0].to_value(u.AA) == 3825.0 and spec.meta["library"] == "libnor36"


def test_read_spectra_with_the_mkclass_reader_gives_the_bundled_table(shared_data):
    from skspec.datasets import load_mk_standards
    from skspec.io import read_spectra

    files = sorted((shared_data / "raw" / "mkclass" / "libnor36").glob("*.rbn"))[:4]
    mk = load_mk_standards()
    result = read_spectra(files, grid=mk.wavelength, reader=read_mkclass, verbose=0)
    np.testing.assert_array_equal(result.flux, mk.data[:4])
    assert [m["subclass"] for m in result.meta] == list(mk.subclass[:4])
