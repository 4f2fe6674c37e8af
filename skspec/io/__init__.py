"""Read stellar spectra from LAMOST, SDSS-style and STELIB FITS files (astropy.io.fits)
and MKCLASS standards (two-column ASCII, :func:`read_mkclass`).

Every reader takes a path, a file object or an ``astropy.io.fits.HDUList`` and
returns a :class:`SpectrumData` (``wavelength`` Quantity in vacuum Angstrom,
float32 ``flux``, ``ivar``, bad-pixel ``mask``, ``meta`` dict).
:func:`read_onto_grid` reads one file onto a wavelength grid (the rules every
caller shares) and :func:`read_spectra` many files onto one grid. Problems with
a file raise a :class:`SpectrumReadError` subclass naming it.
This subpackage does not import torch.
"""

from ._base import SpectrumData, air_to_vacuum, vacuum_to_air
from ._collection import read_spectra
from ._errors import (
    InvalidSpectrumError,
    ShortCoverageError,
    SpectrumReadError,
    TooManyBadPixelsError,
    TruncatedFileError,
    UnreadableFileError,
    UnrecognisedFormatError,
)
from ._fits import detect_format, read_fits
from ._mkclass import decode_mkclass_name, read_mkclass
from ._onto_grid import FITS_SUFFIXES, GriddedSpectrum, read_onto_grid
from ._surveys import read_lamost, read_sdss, read_stelib

__all__ = [
    "FITS_SUFFIXES",
    "GriddedSpectrum",
    "InvalidSpectrumError",
    "ShortCoverageError",
    "SpectrumData",
    "SpectrumReadError",
    "TooManyBadPixelsError",
    "TruncatedFileError",
    "UnreadableFileError",
    "UnrecognisedFormatError",
    "air_to_vacuum",
    "decode_mkclass_name",
    "detect_format",
    "read_fits",
    "read_lamost",
    "read_mkclass",
    "read_onto_grid",
    "read_sdss",
    "read_spectra",
    "read_stelib",
    "vacuum_to_air",
]
