"""The spectrum record every reader returns, FITS opening with clear errors, air/vacuum."""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import (
    InvalidSpectrumError,
    SpectrumReadError,
    TruncatedFileError,
    UnreadableFileError,
)

__all__ = ["SpectrumData", "air_to_vacuum", "vacuum_to_air"]

#: keys every reader puts in ``SpectrumData.meta``
META_KEYS = ("class", "subclass", "mk_class", "object_id", "obsid", "snr", "source_file", "format")
_MK = "OBAFGKM"


@dataclass(repr=False)
class SpectrumData:
    """One spectrum read from a file: the common return type of the skspec readers.

    Attributes
    ----------
    wavelength : Quantity of shape (n_pixels,)
        Pixel centres in Angstrom, strictly increasing; vacuum unless the
        reader was called with ``vacuum=False`` (``meta["vacuum"]`` says which).
    flux : ndarray of float32, shape (n_pixels,)
        Flux density as stored in the file (bad pixels are NOT altered).
    ivar : ndarray of float32 or None
        Inverse variance, when the file has one.
    mask : ndarray of bool
        True marks a bad pixel: ivar <= 0, non-finite flux or ivar, and for
        STELIB a zero flux (no data).
    meta : dict
        Always has ``class`` (object class, e.g. ``"STAR"``, ``"QSO"``; None if
        unknown), ``subclass`` (spectral type as written, e.g. ``"F9"``,
        ``"O6/O7"``), ``mk_class`` (the MK letter O/B/A/F/G/K/M of a star's
        subclass, else None), ``object_id``, ``obsid``, ``snr`` (float or None;
        for LAMOST the g-band S/N), ``source_file``, ``format`` (``"lamost"``,
        ``"sdss"`` or ``"stelib"``), ``vacuum`` and ``flux_unit`` (str or None),
        plus format-specific keys.
    pixel_flags : dict
        Extra per-pixel arrays the file holds (LAMOST ``andmask``/``ormask``).
    """

    wavelength: Any
    flux: np.ndarray
    ivar: np.ndarray | None
    mask: np.ndarray
    meta: dict = field(default_factory=dict)
    pixel_flags: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        w = self.wavelength.to_value("AA")
        return (
            f"SpectrumData({self.meta.get('format')}, {self.flux.size} px, "
            f"{w[0]:.1f}-{w[-1]:.1f} A, class={self.meta.get('class')!r}, "
            f"subclass={self.meta.get('subclass')!r}, {int(self.mask.sum())} bad px, "
            f"source_file={self.meta.get('source_file')!r})"
        )

    def to_specutils(self):
        """Return a specutils ``Spectrum`` (``Spectrum1D`` before specutils 2).

        ``ivar`` becomes an ``InverseVariance`` uncertainty, ``mask`` the mask
        and ``meta`` the meta. Needs specutils (``pip install specutils``).
        """
        try:
            import specutils
        except ImportError as exc:  # pragma: no cover - specutils is an extra
            raise ImportError("to_specutils needs specutils: pip install specutils") from exc
        from astropy.nddata import InverseVariance

        cls = getattr(specutils, "Spectrum", None) or specutils.Spectrum1D
        unit = parse_flux_unit(self.meta.get("flux_unit"))
        flux = self.flux * unit
        unc = None if self.ivar is None else InverseVariance(self.ivar / unit**2)
        return cls(
            flux=flux, spectral_axis=self.wavelength, uncertainty=unc,
            mask=self.mask.copy(), meta=dict(self.meta),
        )


def parse_flux_unit(text: str | None):
    """An astropy unit from a header string like ``'erg /s /cm2 /angstroms'``.

    Unparseable or missing units give ``dimensionless_unscaled``.
    """
    import re

    import astropy.units as u

    if not text:
        return u.dimensionless_unscaled
    text = re.sub(r"\b(angstroms|Angstroms|Ang|ang)\b", "Angstrom", text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", u.UnitsWarning)
        try:
            return u.Unit(text)
        except (ValueError, TypeError):
            return u.dimensionless_unscaled


def mk_class(subclass: str | None, object_class: str | None) -> str | None:
    """The MK letter of a star's spectral type (``"sdF5"`` -> F, ``"dM5"`` -> M)."""
    if not subclass or (object_class not in (None, "STAR")):
        return None
    s = subclass.strip()
    for prefix in ("sd", "d", "g"):
        if s.startswith(prefix) and s[len(prefix):][:1] in _MK and len(s) > len(prefix):
            s = s[len(prefix):]
            break
    return s[0] if s[:1] in _MK and s[:1] != "" else None


def air_to_vacuum(wavelength):
    """Air to vacuum wavelength (Angstrom), the Piskunov / VALD formula.

    ``n = 1 + 8.336624212083e-5 + 2.408926869968e-2 / (130.1065924522 - s^2)
    + 1.599740894897e-4 / (38.92568793293 - s^2)`` with ``s = 1e4 / lambda_air``.
    It is the conversion used to build the bundled tables.

    Examples
    --------
    >>> from skspec.io import air_to_vacuum
    >>> round(float(air_to_vacuum(6562.80)), 2)    # H-alpha
    6564.61
    """
    w = np.asarray(wavelength, dtype=np.float64)
    s2 = (1e4 / w) ** 2
    n = (1 + 8.336624212083e-5 + 2.408926869968e-2 / (130.1065924522 - s2)
         + 1.599740894897e-4 / (38.92568793293 - s2))
    return w * n


def vacuum_to_air(wavelength):
    """Vacuum to air wavelength (Angstrom): the inverse of :func:`air_to_vacuum`.

    Solved by fixed-point iteration; the round trip agrees to better than 1e-8 A.

    Examples
    --------
    >>> from skspec.io import vacuum_to_air
    >>> round(float(vacuum_to_air(6564.61)), 2)
    6562.8
    """
    vac = np.asarray(wavelength, dtype=np.float64)
    air = vac / 1.00029
    for _ in range(4):
        air = air * vac / air_to_vacuum(air)
    return air


def source_name(source) -> str:
    """A printable name for a path, a file object or an HDUList."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    if isinstance(name, str):
        return name
    filename = getattr(source, "filename", None)
    if callable(filename):
        fname = filename()
        if fname:
            return str(fname)
    return f"<{type(source).__name__}>"


_GZIP_MAGIC = b"\x1f\x8b"
_BZIP2_MAGIC = b"BZh"


def _read_bytes(path, name: str) -> bytes:
    """The bytes of the file at ``path``; an UnreadableFileError saying why not."""
    import errno
    import stat

    try:
        info = os.stat(path)  # follows links: a loop or a dangling link fails here
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "symbolic link loop (too many levels of symbolic links)"
        elif isinstance(exc, FileNotFoundError) and os.path.islink(path):
            reason = f"broken symbolic link (it points to {os.readlink(path)!r}, which is not there)"
        elif isinstance(exc, FileNotFoundError):
            reason = "no such file"
        elif isinstance(exc, PermissionError):
            reason = "permission denied"
        else:
            reason = f"cannot open it ({exc.strerror or exc})"
        raise UnreadableFileError(name, reason) from exc
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableFileError(name, "is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFileError(name, "not a regular file (a device, socket or pipe)")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except PermissionError as exc:
        raise UnreadableFileError(name, "permission denied") from exc
    except OSError as exc:
        raise UnreadableFileError(name, f"cannot read it ({exc.strerror or exc})") from exc


def _decompress(raw: bytes, name: str) -> bytes:
    """Whole gzip or bzip2 streams decompressed in memory (other bytes as they are).

    Decompressing first is faster than letting astropy read through a gzip
    file object, and it tells a file cut short (no end-of-stream marker) from
    a damaged one. gzip goes through zlib-ng's ``gzip_ng.decompress``, the
    same bytes as the standard library's ``gzip.decompress`` in about half the
    time (0.17 against 0.32 ms per LAMOST file, ``benchmarks/results/read.md``).
    """
    import bz2
    import zlib

    from zlib_ng import gzip_ng, zlib_ng

    if raw[:2] == _GZIP_MAGIC:
        kind, decompress = "gzip", gzip_ng.decompress
    elif raw[:3] == _BZIP2_MAGIC:
        kind, decompress = "bzip2", bz2.decompress
    else:
        return raw
    try:
        return decompress(raw)
    except (EOFError, ValueError) as exc:  # gzip: EOFError, bz2: ValueError
        raise TruncatedFileError(
            name, f"truncated {kind} file: the compressed stream ends before its end-of-stream "
            f"marker ({len(raw)} bytes; the file was cut short or damaged)"
        ) from exc
    except (OSError, zlib.error, zlib_ng.error) as exc:  # BadGzipFile, CRC, damaged stream
        raise UnreadableFileError(name, f"corrupt {kind} file ({exc})") from exc


def _what_is_wrong(head: bytes) -> str:
    """Say whether bytes astropy cannot parse are not FITS at all or a damaged FITS file."""
    if head[:6] != b"SIMPLE":
        return "not a FITS file (it does not start with SIMPLE)"
    return "corrupt or truncated FITS file"


@contextmanager
def open_fits(source):
    """Yield ``(hdulist, name)``; unreadable input raises a SpectrumReadError naming it.

    A path is read into memory whole (gzip and bzip2 decompressed there, an
    incomplete stream raising :class:`TruncatedFileError`); a file object is
    read to its end the same way; an ``HDUList`` is used as is and left open.
    Plain survey files are parsed by :func:`._fastfits.parse_simple_fits`
    (the yielded object is then a list of HDU-like objects with ``header``,
    ``data`` and ``columns``), anything else by astropy. Every HDU's header
    and data are parsed inside the ``with`` block, so a truncated file fails
    here and not later.
    """
    from astropy.io import fits

    name = source_name(source)
    if isinstance(source, fits.HDUList):
        with _naming(name):
            yield source, name
        return
    if isinstance(source, (str, os.PathLike)):
        raw = _read_bytes(source, name)
    else:
        try:
            raw = source.read()
        except OSError as exc:
            raise UnreadableFileError(name, f"cannot read it ({exc})") from exc
        if not isinstance(raw, bytes):
            raise UnreadableFileError(name, "a file object must be opened in binary mode ('rb')")
    data = _decompress(raw, name)
    from ._fastfits import parse_simple_fits

    hdus = parse_simple_fits(data, name)  # None: a FITS feature astropy must read
    if hdus is not None:
        with _naming(name):
            yield hdus, name
        return
    with _read_all(data, name) as hdul, _naming(name):
        yield hdul, name


@contextmanager
def _naming(name: str):
    """A reader's unforeseen failure on odd content (a header value of the wrong
    type, a missing column) becomes an InvalidSpectrumError naming the file."""
    try:
        yield
    except SpectrumReadError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise InvalidSpectrumError(name, f"{type(exc).__name__}: {exc}") from exc


@contextmanager
def _read_all(data: bytes, name: str):
    """Parse FITS bytes with every HDU's data read now; failures become SpectrumReadErrors."""
    from astropy.io import fits
    from astropy.utils.exceptions import AstropyUserWarning

    from ._fastfits import check_complete

    if len(data) < 2880:
        if data[:6] == b"SIMPLE":
            raise TruncatedFileError(
                name, f"truncated FITS file: {len(data)} bytes, less than one 2880-byte header block"
            )
        raise UnreadableFileError(name, _what_is_wrong(data))
    check_complete(data, name)  # astropy drops a header cut in the middle without a word
    with warnings.catch_warnings():
        # astropy only warns on a truncated file and pads the data: make it an error
        warnings.filterwarnings("error", message=".*truncated.*", category=AstropyUserWarning)
        warnings.filterwarnings("ignore", category=fits.verify.VerifyWarning)
        try:
            hdul = fits.HDUList.fromstring(data)
            try:
                for hdu in hdul:
                    hdu.data  # noqa: B018 - force the parse so truncation is caught here
            except BaseException:
                hdul.close()
                raise
        except Exception as exc:  # astropy raises OSError, EOFError, ValueError, ...
            problem = _what_is_wrong(data)
            text = str(exc).lower()
            if problem.startswith("corrupt") and ("truncated" in text or "too small" in text):
                raise TruncatedFileError(
                    name, f"truncated FITS file: the data end early ({len(data)} bytes; {exc})"
                ) from exc
            raise UnreadableFileError(name, f"{problem} ({exc})") from exc
    try:
        yield hdul
    finally:
        hdul.close()


def header_str(header, key: str) -> str | None:
    """A header string value, stripped; None when absent or empty."""
    value = header.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def header_float(header, *keys: str) -> float | None:
    """The first of ``keys`` present in ``header`` as a float, else None."""
    for key in keys:
        value = header.get(key)
        if value is None or isinstance(value, bool):
            continue
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return None


def make_spectrum(name, wave_aa, flux, ivar, bad, meta, *, vacuum_in, vacuum, fmt, flags=None):
    """Check the arrays of one spectrum and build its :class:`SpectrumData`."""
    import astropy.units as u

    from ..utils._validation import check_wavelength

    flux = np.asarray(flux, dtype=np.float32).ravel()
    try:
        wave = check_wavelength(wave_aa, n_pixels=flux.size)
    except ValueError as exc:
        raise InvalidSpectrumError(name, str(exc)) from exc
    if vacuum_in and not vacuum:
        wave = vacuum_to_air(wave)
    elif vacuum and not vacuum_in:
        wave = air_to_vacuum(wave)
    if ivar is not None:
        ivar = np.asarray(ivar, dtype=np.float32).ravel()
        bad = bad | ~(ivar > 0)
    bad = bad | ~np.isfinite(flux)
    meta = dict(meta)
    meta.setdefault("mk_class", mk_class(meta.get("subclass"), meta.get("class")))
    meta.update(source_file=name, format=fmt, vacuum=bool(vacuum))
    meta.setdefault("flux_unit", None)
    for key in META_KEYS:
        meta.setdefault(key, None)
    return SpectrumData(
        wavelength=wave * u.AA, flux=flux, ivar=ivar, mask=np.asarray(bad, dtype=bool),
        meta=meta, pixel_flags=dict(flags or {}),
    )
