"""One reader per source: LAMOST low resolution, SDSS-style tables, STELIB images."""

from __future__ import annotations

import os
import re

import numpy as np

from ._base import SpectrumData, header_float, header_str, make_spectrum, open_fits
from ._errors import InvalidSpectrumError, UnrecognisedFormatError

__all__ = ["read_lamost", "read_sdss", "read_stelib"]

_LAMOST_ROWS = ("flux", "ivar", "wavelength", "andmask", "ormask")
_PYHAMMER = re.compile(r"^([OBAFGKM]\d(?:\.\d)?)(?:_|$)")


def _lamost_rows(header, n_rows: int) -> dict[str, int]:
    """Row index of each quantity in a LAMOST image, from EXTEN0 when it is there.

    DR1 writes ``'Flux Inverse Subcontinuum Andmask Ormask'`` (row 2 is not a
    wavelength), DR2 and later ``'Flux, Inverse, Wavelength, Andmask, Ormask'``.
    """
    names = header_str(header, "EXTEN0")
    tokens = re.split(r"[,\s]+", names.lower()) if names else list(_LAMOST_ROWS)
    tokens = ["ivar" if t.startswith("inverse") else t for t in tokens if t]
    return {t: i for i, t in enumerate(tokens) if t in _LAMOST_ROWS and i < n_rows}


def _lamost_table(hdul):
    """The first binary table with FLUX and IVAR columns (LAMOST COADD), or None."""
    for hdu in hdul[1:]:
        cols = getattr(hdu, "columns", None)
        if cols is not None and {"FLUX", "IVAR"} <= {c.upper() for c in cols.names}:
            return hdu
    return None


def _coeff_wavelength(header, n: int, name: str, required: bool = True):
    c0, c1 = header.get("COEFF0"), header.get("COEFF1")
    if c0 is None or c1 is None:
        if not required:
            return None
        missing = " and ".join(k for k, v in (("COEFF0", c0), ("COEFF1", c1)) if v is None)
        raise InvalidSpectrumError(
            name, f"the LAMOST header lacks {missing}, needed for the wavelength "
            "(log10 lambda = COEFF0 + COEFF1 * pixel)"
        )
    coeffs = []
    for key, value in (("COEFF0", c0), ("COEFF1", c1)):
        try:
            if isinstance(value, bool):
                raise TypeError(key)
            coeffs.append(float(value))
        except (TypeError, ValueError):
            raise InvalidSpectrumError(
                name, f"the LAMOST header's {key} = {value!r} is not a number (the wavelength is "
                "log10 lambda = COEFF0 + COEFF1 * pixel)"
            ) from None
    return 10.0 ** (coeffs[0] + coeffs[1] * np.arange(n))


def _check_stored_wavelength(stored, wave, name: str) -> None:
    stored = np.asarray(stored, dtype=np.float64)
    if not np.allclose(stored, wave, rtol=1e-5, atol=0):
        i = int(np.argmax(np.abs(stored - wave)))
        raise InvalidSpectrumError(
            name, f"the stored wavelength ({stored[i]:.3f} A at pixel {i}) disagrees "
            f"with COEFF0/COEFF1 ({wave[i]:.3f} A)"
        )


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None if value is None else str(value).strip() or None


def _column(hdu, name: str):
    """Column ``name`` (any case) of a table HDU as a 1-D array, or None."""
    for col in hdu.columns.names:
        if col.lower() == name.lower():
            return np.asarray(hdu.data[col]).ravel()
    return None


def read_lamost(source, *, vacuum: bool = True) -> SpectrumData:
    """Read a LAMOST low-resolution spectrum (DR1 to DR13).

    Two layouts are recognised: the image layout of DR1-DR8 (primary HDU rows
    flux, ivar, wavelength, andmask, ormask; in DR1 row 2 holds a continuum, not
    the wavelength) and the binary-table layout of DR9 and later (a ``COADD``
    table with FLUX, IVAR, WAVELENGTH, ANDMASK, ORMASK columns).

    The wavelength is computed from the header, ``10 ** (COEFF0 + COEFF1 *
    pixel)`` (vacuum), in float64; a stored wavelength row or column is checked
    against it. ``meta["snr"]`` is the g-band S/N (``SNRG``, or ``SN_G`` in
    DR1); all bands are kept as ``snr_u`` ... ``snr_z``.

    Parameters
    ----------
    source : str, path-like, file object or astropy.io.fits.HDUList
        The FITS file (gzip is fine).
    vacuum : bool, default=True
        Return vacuum wavelengths (LAMOST's own); False converts to air.

    Returns
    -------
    spectrum : SpectrumData
        ``flux``, ``ivar`` (float32, as stored), ``wavelength`` (Quantity,
        Angstrom), ``mask`` (ivar <= 0 or non-finite), ``meta`` and
        ``pixel_flags`` (``andmask``, ``ormask``).

    Raises
    ------
    ValueError
        Naming the file: not a readable FITS file, not a LAMOST layout,
        COEFF0/COEFF1 missing, wavelength not strictly increasing.

    Examples
    --------
    >>> from skspec.datasets import load_lamost_samples
    >>> from skspec.io import read_lamost
    >>> spec = read_lamost(load_lamost_samples().filenames[0])
    >>> spec.flux.dtype, spec.wavelength.unit, spec.meta["class"]
    (dtype('float32'), Unit("Angstrom"), 'STAR')
    """
    with open_fits(source) as (hdul, name):
        return _lamost_from_hdul(hdul, name, vacuum)


def _lamost_from_hdul(hdul, name: str, vacuum: bool) -> SpectrumData:
    header = hdul[0].header
    primary = hdul[0].data
    table = _lamost_table(hdul)
    flags = {}
    if primary is not None and primary.ndim == 2 and primary.shape[0] >= 2:
        layout = "image"
        rows = _lamost_rows(header, primary.shape[0])
        if "flux" not in rows or "ivar" not in rows:
            raise UnrecognisedFormatError(name, "LAMOST image without flux and ivar rows")
        flux, ivar = primary[rows["flux"]], primary[rows["ivar"]]
        wave = _coeff_wavelength(header, primary.shape[1], name)
        if "wavelength" in rows:
            _check_stored_wavelength(primary[rows["wavelength"]], wave, name)
        for key in ("andmask", "ormask"):
            if key in rows:
                flags[key] = np.array(primary[rows[key]])
    elif table is not None:
        layout = "table"
        flux, ivar = _column(table, "FLUX"), _column(table, "IVAR")
        stored = _column(table, "WAVELENGTH")
        wave = _coeff_wavelength(header, flux.size, name, required=stored is None)
        if wave is None:
            wave = stored.astype(np.float64)
        elif stored is not None:
            _check_stored_wavelength(stored, wave, name)
        for key in ("andmask", "ormask"):
            col = _column(table, key)
            if col is not None:
                flags[key] = np.array(col)
    else:
        raise UnrecognisedFormatError(
            name, "not a LAMOST spectrum (no 2-D primary image with flux and "
            "ivar rows, no table with FLUX and IVAR columns)"
        )
    obsid = header.get("OBSID")
    meta = {
        "class": header_str(header, "CLASS"),
        "subclass": header_str(header, "SUBCLASS"),
        "object_id": header_str(header, "DESIG") or header_str(header, "OBJNAME"),
        "obsid": _as_int(obsid),
        "snr": header_float(header, "SNRG", "SN_G"),
        "layout": layout,
        "objname": header_str(header, "OBJNAME"),
        "data_version": header_str(header, "DATA_V"),
        "redshift": header_float(header, "Z"),
    }
    for band in "ugriz":
        meta[f"snr_{band}"] = header_float(header, f"SNR{band.upper()}", f"SN_{band.upper()}")
    flux = np.array(flux, dtype=np.float32)
    ivar = np.array(ivar, dtype=np.float32)
    bad = ~np.isfinite(ivar)
    return make_spectrum(
        name, wave, flux, ivar, bad, meta, vacuum_in=True, vacuum=vacuum, fmt="lamost",
        flags=flags,
    )


def _sdss_table(hdul):
    for hdu in hdul[1:]:
        cols = getattr(hdu, "columns", None)
        if cols is not None and {"loglam", "flux"} <= {c.lower() for c in cols.names}:
            return hdu
    return None


def _sdss_meta(hdul, name: str) -> dict:
    """Class, subclass, ids and S/N from an spAll-like table, the header, or the file name."""
    meta: dict = {}
    for hdu in hdul[1:]:
        cols = getattr(hdu, "columns", None)
        if cols is None or "CLASS" not in [c.upper() for c in cols.names] or len(hdu.data) == 0:
            continue
        row = {c.upper(): hdu.data[c][0] for c in cols.names}
        meta["class"] = str(row["CLASS"]).strip() or None
        meta["subclass"] = str(row.get("SUBCLASS", "")).strip() or None
        if "SN_MEDIAN_ALL" in row:
            meta["snr"] = float(row["SN_MEDIAN_ALL"])
        for key in ("SPECOBJID", "BESTOBJID", "THING_ID"):
            if key in row and str(row[key]).strip() not in ("", "0", "-1"):
                meta["object_id"] = str(row[key]).strip()
                break
        if {"PLATE", "MJD", "FIBERID"} <= row.keys():
            meta["obsid"] = f"{int(row['PLATE'])}-{int(row['MJD'])}-{int(row['FIBERID'])}"
        return meta
    header = hdul[0].header
    if header_str(header, "CLASS"):
        meta["class"] = header_str(header, "CLASS")
        meta["subclass"] = header_str(header, "SUBCLASS")
        meta["object_id"] = header_str(header, "OBJID") or header_str(header, "OBJECT")
        return meta
    stem = os.path.basename(name).split(".fits")[0]
    match = _PYHAMMER.match(stem)
    if match:  # PyHammer templates carry the type only in the file name (A3_+0.0_Dwarf)
        meta.update({"class": "STAR", "subclass": match.group(1), "object_id": stem})
    return meta


def read_sdss(source, *, vacuum: bool = True) -> SpectrumData:
    """Read an SDSS-style spectrum: a binary table with ``loglam`` and ``flux`` columns.

    Works for SDSS/BOSS ``spec-*.fits`` files (HDU 1 ``COADD`` with flux,
    loglam, ivar; class, subclass, S/N ``SN_MEDIAN_ALL`` and ids from HDU 2) and
    for the PyHammer co-added templates (``LogLam``, ``Flux``, ``PropErr``,
    ``Std``; the type comes from the file name, e.g. ``A3_+0.0_Dwarf``). Column
    names match in any case. SDSS wavelengths are vacuum.

    ``ivar`` is the ``ivar`` column when there is one, else None: PyHammer's
    ``PropErr``/``Std`` are not turned into an ivar (some templates hold NaN
    there for every pixel).

    Parameters
    ----------
    source : str, path-like, file object or astropy.io.fits.HDUList
    vacuum : bool, default=True
        Return vacuum wavelengths; False converts to air.

    Returns
    -------
    spectrum : SpectrumData

    Raises
    ------
    ValueError
        Naming the file: not a readable FITS file, no table with loglam and
        flux, wavelength not strictly increasing.
    """
    with open_fits(source) as (hdul, name):
        return _sdss_from_hdul(hdul, name, vacuum)


def _sdss_from_hdul(hdul, name: str, vacuum: bool) -> SpectrumData:
    table = _sdss_table(hdul)
    if table is None:
        raise UnrecognisedFormatError(name, "no binary table with loglam and flux columns (SDSS)")
    loglam = _column(table, "loglam").astype(np.float64)
    flux = np.array(_column(table, "flux"), dtype=np.float32)
    ivar = _column(table, "ivar")
    ivar = None if ivar is None else np.array(ivar, dtype=np.float32)
    flags = {}
    and_mask = _column(table, "and_mask")
    if and_mask is not None:
        flags["and_mask"] = np.array(and_mask)
    meta = _sdss_meta(hdul, name)
    unit = None
    for i, col in enumerate(table.columns.names, start=1):
        if col.lower() == "flux":
            unit = header_str(table.header, f"TUNIT{i}")
    meta["flux_unit"] = unit
    bad = np.zeros(flux.size, dtype=bool)
    return make_spectrum(
        name, 10.0**loglam, flux, ivar, bad, meta, vacuum_in=True, vacuum=vacuum, fmt="sdss",
        flags=flags,
    )


def read_stelib(source, *, vacuum: bool = True) -> SpectrumData:
    """Read a STELIB spectrum (or any 1-D image with a linear CRVAL1/CDELT1 axis).

    The wavelength is ``CRVAL1 + CDELT1 * (pixel + 1 - CRPIX1)`` (``CD1_1`` when
    CDELT1 is absent; log10 when ``DC-FLAG = 1``). STELIB wavelengths are in
    air and are converted to vacuum by default with :func:`air_to_vacuum`
    (a header ``VACUUM = T`` or ``AIRORVAC = 'vac'`` marks vacuum input).
    Zero flux means "no data" in STELIB: those pixels are masked.

    Parameters
    ----------
    source : str, path-like, file object or astropy.io.fits.HDUList
    vacuum : bool, default=True
        Return vacuum wavelengths (as the rest of skspec); False keeps air.

    Returns
    -------
    spectrum : SpectrumData
        ``ivar`` is None; ``meta["subclass"]`` is the header ``SPECTYPE``
        verbatim, ``meta["object_id"]`` the ``OBJECT``.

    Raises
    ------
    ValueError
        Naming the file: not a readable FITS file, not a 1-D image, no
        CRVAL1/CDELT1, wavelength not strictly increasing.
    """
    with open_fits(source) as (hdul, name):
        return _stelib_from_hdul(hdul, name, vacuum)


def _stelib_from_hdul(hdul, name: str, vacuum: bool) -> SpectrumData:
    header, data = hdul[0].header, hdul[0].data
    if data is None or data.ndim != 1:
        shape = None if data is None else data.shape
        raise UnrecognisedFormatError(name, f"not a 1-D spectrum image (primary data shape {shape})")
    step = header_float(header, "CDELT1", "CD1_1")
    start = header_float(header, "CRVAL1")
    if start is None or step is None:
        raise InvalidSpectrumError(
            name, "the header lacks CRVAL1 or CDELT1/CD1_1 (wavelength axis)"
        )
    ref = header_float(header, "CRPIX1")
    if ref is None:  # absent: the FITS default; CRPIX1 = 0 is a valid reference pixel
        ref = 1.0
    wave = start + step * (np.arange(data.size) + 1.0 - ref)
    if header.get("DC-FLAG") == 1:
        wave = 10.0**wave
    vacuum_in = header.get("VACUUM") is True or str(header.get("AIRORVAC", "")).lower() == "vac"
    flux = np.array(data, dtype=np.float32)
    meta = {
        "class": "STAR",
        "subclass": header_str(header, "SPECTYPE"),
        "object_id": header_str(header, "OBJECT") or header_str(header, "STARIDEN"),
        "flux_unit": header_str(header, "BUNIT"),
    }
    return make_spectrum(
        name, wave, flux, None, flux == 0, meta, vacuum_in=vacuum_in, vacuum=vacuum,
        fmt="stelib",
    )
