"""Read stellar spectra from LAMOST, SDSS-style and STELIB FITS files (astropy.io.fits)
and MKCLASS standards (two-column ASCII, :func:`read_mkclass`).

Every reader takes a path, a file object or an ``astropy.io.fits.HDUList`` and
returns a :class:`SpectrumData` (``wavelength`` Quantity in vacuum Angstrom,
float32 ``flux``, ``ivar``, bad-pixel ``mask``, ``meta`` dict).
:func:`read_spectra` reads many files onto one wavelength grid.
This subpackage does not import torch.
"""

from ._base import SpectrumData, air_to_vacuum, vacuum_to_air
from ._collection import read_spectra
from ._fits import detect_format, read_fits
from ._mkclass import decode_mkclass_name, read_mkclass
from ._surveys import read_lamost, read_sdss, read_stelib

__all__ = [
    "SpectrumData",
    "air_to_vacuum",
    "decode_mkclass_name",
    "detect_format",
    "read_fits",
    "read_lamost",
    "read_mkclass",
    "read_sdss",
    "read_spectra",
    "read_stelib",
    "vacuum_to_air",
]
