"""Typed errors of the readers: what went wrong with which file, without parsing messages.

Every error a reader or :func:`~skspec.io.read_onto_grid` raises about a file
is a :class:`SpectrumReadError`. Its message starts with the file name, its
``path`` attribute holds that name and its ``flag`` attribute says which
catalogue flag the problem earns (``"unreadable"``, ``"short_coverage"`` or
``"nan_heavy"``), so callers branch on the class or on ``flag``, never on the
text. The base class is a :class:`ValueError`, so code that caught the
readers' ValueErrors keeps working.
"""

from __future__ import annotations

__all__ = [
    "InvalidSpectrumError",
    "ShortCoverageError",
    "SpectrumReadError",
    "TooManyBadPixelsError",
    "TruncatedFileError",
    "UnreadableFileError",
    "UnrecognisedFormatError",
]


class SpectrumReadError(ValueError):
    """A file could not be read as a spectrum, or not onto the grid asked for.

    Parameters
    ----------
    path : str
        The file (as given, or a printable name for a file object).
    reason : str
        What is wrong, without the file name; the message is
        ``"<path>: <reason>"``.
    meta : dict, default=None
        What was read of the file before the problem showed (the reader's
        ``meta``, with ``bad_fraction``), for the errors raised after reading.

    Attributes
    ----------
    path : str
        The file.
    reason : str
        What is wrong.
    meta : dict or None
        See above.
    flag : str
        The catalogue flag of this kind of problem (see
        :data:`skspec.survey.FLAGS`).

    Examples
    --------
    >>> from skspec.io import SpectrumReadError, read_fits
    >>> try:
    ...     read_fits("nowhere.fits")
    ... except SpectrumReadError as exc:
    ...     print(type(exc).__name__, exc.flag, "|", exc)
    UnreadableFileError unreadable | nowhere.fits: no such file
    """

    flag = "unreadable"

    def __init__(self, path, reason: str, *, meta: dict | None = None):
        self.path = str(path)
        self.reason = str(reason)
        self.meta = meta
        super().__init__(f"{self.path}: {self.reason}")

    def __reduce__(self):  # picklable across worker processes, meta included
        return (type(self), (self.path, self.reason), self.__dict__)


class UnreadableFileError(SpectrumReadError):
    """The file's bytes cannot be read as FITS.

    Missing, a directory, a symbolic-link loop, permission denied, an I/O
    error, not FITS at all, a corrupt gzip stream or a damaged header.
    """


class TruncatedFileError(UnreadableFileError):
    """The file ends early: an incomplete gzip/bzip2 stream or FITS data cut short."""


class UnrecognisedFormatError(SpectrumReadError):
    """The file is FITS, but no reader recognises its layout (or not the reader asked for)."""


class InvalidSpectrumError(SpectrumReadError):
    """The layout is known but its content is unusable.

    A wavelength keyword missing or not a number, a wavelength axis that is
    not strictly increasing, a stored wavelength that disagrees with the
    header, or any other failure of a custom reader.
    """


class ShortCoverageError(SpectrumReadError):
    """The spectrum does not cover the wavelength grid it should be resampled onto."""

    flag = "short_coverage"


class TooManyBadPixelsError(SpectrumReadError):
    """Too many of the spectrum's pixels on the grid are bad (or none is good)."""

    flag = "nan_heavy"
