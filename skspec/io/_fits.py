"""Read any supported spectrum file: detect the format, then call its reader."""

from __future__ import annotations

from ._base import SpectrumData, open_fits
from ._errors import UnrecognisedFormatError
from ._surveys import (
    _lamost_from_hdul,
    _lamost_table,
    _sdss_from_hdul,
    _sdss_table,
    _stelib_from_hdul,
)

__all__ = ["detect_format", "read_fits"]

_READERS = {"lamost": _lamost_from_hdul, "sdss": _sdss_from_hdul, "stelib": _stelib_from_hdul}


def _detect(hdul, name: str) -> str:
    header, data = hdul[0].header, hdul[0].data
    lamost_header = str(header.get("TELESCOP", "")).strip().upper().startswith("LAMOST") or (
        "COEFF0" in header
    )
    if data is not None and data.ndim == 2 and lamost_header:
        return "lamost"
    if _lamost_table(hdul) is not None and (lamost_header or _sdss_table(hdul) is None):
        return "lamost"
    if _sdss_table(hdul) is not None:
        return "sdss"
    if data is not None and data.ndim == 1 and "CRVAL1" in header:
        return "stelib"
    raise UnrecognisedFormatError(
        name, "unrecognised spectrum format (not a LAMOST image or COADD table, "
        "an SDSS loglam/flux table, nor a 1-D image with CRVAL1/CDELT1)"
    )


def detect_format(source) -> str:
    """Name the reader that fits a file: ``"lamost"``, ``"sdss"`` or ``"stelib"``.

    Parameters
    ----------
    source : str, path-like, file object or astropy.io.fits.HDUList

    Returns
    -------
    format : str

    Raises
    ------
    ValueError
        Naming the file when it is not readable FITS or no reader fits.

    Examples
    --------
    >>> from skspec.datasets import load_lamost_samples
    >>> from skspec.io import detect_format
    >>> detect_format(load_lamost_samples().filenames[0])
    'lamost'
    """
    with open_fits(source) as (hdul, name):
        return _detect(hdul, name)


def read_fits(source, *, vacuum: bool = True) -> SpectrumData:
    """Read one spectrum from a LAMOST, SDSS-style or STELIB FITS file.

    The format is detected from the content (see :func:`detect_format`), then
    :func:`read_lamost`, :func:`read_sdss` or :func:`read_stelib` does the work.

    Parameters
    ----------
    source : str, path-like, file object or astropy.io.fits.HDUList
        The file (gzip is fine). An HDUList is read and left open.
    vacuum : bool, default=True
        Return vacuum wavelengths (air input, STELIB, is converted); False
        returns air wavelengths.

    Returns
    -------
    spectrum : SpectrumData
        ``wavelength`` (Quantity, Angstrom), ``flux`` (float32), ``ivar``
        (float32 or None), ``mask`` (bool, True = bad pixel), ``meta`` (dict)
        and ``pixel_flags``.

    Raises
    ------
    ValueError
        Naming the file: not FITS, corrupt or truncated, unrecognised format,
        missing wavelength keywords, wavelength not strictly increasing.

    Examples
    --------
    >>> from skspec.datasets import load_lamost_samples
    >>> from skspec.io import read_fits
    >>> spec = read_fits(load_lamost_samples().filenames[0])
    >>> spec.meta["format"], spec.flux.shape == spec.wavelength.shape
    ('lamost', True)
    """
    with open_fits(source) as (hdul, name):
        return _READERS[_detect(hdul, name)](hdul, name, vacuum)
