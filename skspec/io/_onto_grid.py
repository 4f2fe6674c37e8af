"""The one way a spectrum file becomes a row on a wavelength grid: read, check, resample.

Training-time :func:`~skspec.io.read_spectra` and survey-time
:func:`~skspec.survey.predict_files` both call :func:`read_onto_grid`, so a
file is accepted, flagged or refused by the same rules wherever it is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._base import source_name
from ._errors import (
    InvalidSpectrumError,
    ShortCoverageError,
    SpectrumReadError,
    TooManyBadPixelsError,
    UnreadableFileError,
)

__all__ = ["FITS_SUFFIXES", "GriddedSpectrum", "read_onto_grid"]

#: Names of the files a folder contributes (lower case): FITS, gzip or bzip2
#: compressed FITS, and tile-compressed ``.fits.fz``.
FITS_SUFFIXES = (
    ".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz",
    ".fits.bz2", ".fit.bz2", ".fts.bz2", ".fits.fz",
)

#: Default fraction of bad pixels on the grid above which a spectrum is flagged.
FLAG_BAD_FRACTION = 0.1
#: Default fraction of bad pixels on the grid above which a spectrum is refused.
MAX_BAD_FRACTION = 0.5

_METHODS = ("flux_conserving", "linear")


@dataclass(repr=False)
class GriddedSpectrum:
    """One spectrum on a wavelength grid, as :func:`read_onto_grid` returns it.

    Attributes
    ----------
    flux : ndarray of float32, shape (n_grid,)
        The flux on the grid; bad pixels were interpolated before resampling.
    meta : dict
        The reader's ``meta`` (``class``, ``subclass``, ``mk_class``,
        ``object_id``, ``obsid``, ``snr``, ``source_file``, ``format``, ...)
        plus ``n_bad`` (bad source pixels whose bins overlap the grid's range)
        and ``bad_fraction`` (``n_bad`` over the source pixels there).
    flags : tuple of str
        ``("nan_heavy",)`` when ``bad_fraction`` is above the flag threshold,
        else empty.
    """

    flux: np.ndarray
    meta: dict = field(default_factory=dict)
    flags: tuple = ()

    def __repr__(self) -> str:
        return (
            f"GriddedSpectrum({self.flux.size} px, flags={self.flags}, "
            f"bad_fraction={self.meta.get('bad_fraction', float('nan')):.3f}, "
            f"source_file={self.meta.get('source_file')!r})"
        )


def check_bad_fractions(flag_bad_fraction, max_bad_fraction) -> None:
    """ValueError unless both thresholds are numbers in [0, 1]."""
    for label, value in (("flag_bad_fraction", flag_bad_fraction),
                         ("max_bad_fraction", max_bad_fraction)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not (
            0 <= value <= 1
        ):
            raise ValueError(f"{label} must be a number in [0, 1], got {value!r}")


def bad_pixels_on_grid(src_edges: np.ndarray, bad: np.ndarray, grid_edges: np.ndarray):
    """Bad source pixels whose bins overlap the grid's range: ``(n_bad, fraction)``.

    The fraction is 1.0 when no source pixel overlaps the grid.
    """
    inside = (src_edges[1:] > grid_edges[0]) & (src_edges[:-1] < grid_edges[-1])
    n_inside = int(inside.sum())
    n_bad = int((bad & inside).sum())
    return n_bad, (n_bad / n_inside if n_inside else 1.0)


def _reason(exc: BaseException, name: str) -> str:
    """An exception's message without a leading ``"<name>: "``, with its type when bare."""
    text = str(exc)
    if text.startswith(f"{name}: "):
        return text[len(name) + 2:]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read(source, reader, vacuum: bool, name: str):
    """Call the reader; whatever it raises about the file becomes a SpectrumReadError."""
    try:
        return reader(source, vacuum=vacuum)
    except SpectrumReadError:
        raise
    except MemoryError:
        raise
    except OSError as exc:  # PermissionError, IsADirectoryError, ... from a custom reader
        raise UnreadableFileError(name, _reason(exc, name)) from exc
    except Exception as exc:  # a custom reader's ValueError, KeyError, ...
        raise InvalidSpectrumError(name, _reason(exc, name)) from exc


#: the last resampling plan, ``(method, wavelength, grid, plan)``: the files of a
#: LAMOST plate share their pixels, so most files reuse the previous file's plan
_LAST_PLAN: list = [None]


def _plan_for(wave: np.ndarray, grid: np.ndarray, method: str, src_edges: np.ndarray):
    from ..utils._resampling import _resample_plan

    last = _LAST_PLAN[0]
    if (last is not None and last[0] == method and last[1].shape == wave.shape
            and last[2].shape == grid.shape and np.array_equal(last[1], wave)
            and np.array_equal(last[2], grid)):
        return last[3]
    plan = _resample_plan(wave, grid, method, "the spectrum", src_edges)
    _LAST_PLAN[0] = (method, wave.copy(), grid.copy(), plan)
    return plan


def read_onto_grid(
    source,
    wavelength=None,
    *,
    reader=None,
    method: str = "flux_conserving",
    flag_bad_fraction: float = FLAG_BAD_FRACTION,
    max_bad_fraction: float = MAX_BAD_FRACTION,
    vacuum: bool = True,
) -> GriddedSpectrum:
    """Read one spectrum file and resample it onto a wavelength grid.

    The rules, shared by :func:`read_spectra` and
    :func:`skspec.survey.predict_files`:

    1. The file is read with ``reader`` (format detected by :func:`read_fits`
       by default). Anything that stops it becomes a :class:`SpectrumReadError`
       naming the file.
    2. **Coverage**: the grid must lie inside the spectrum's pixels (their
       outer bin edges; with ``method="linear"`` the grid's outer pixel
       centres). It may reach 0.05 of its outer pixel beyond them, so that the
       float32 rounding of a spectrum sampled on the grid itself is not
       counted as missing coverage. Else :class:`ShortCoverageError`, saying by
       how much it is short at which end.
    3. **Bad pixels** (masked, ``ivar <= 0``, non-finite flux or ivar, STELIB
       zeros) are counted among the source pixels whose bins overlap the
       grid's range. Above ``flag_bad_fraction`` the result is flagged
       ``nan_heavy``; above ``max_bad_fraction``, or with no good pixel there,
       :class:`TooManyBadPixelsError`.
    4. Bad pixels are linearly interpolated from their good neighbours and the
       spectrum is resampled as :func:`skspec.preprocessing.resample_spectrum`
       does (the same arithmetic; the pixel bookkeeping is reused from the
       previous call when the wavelengths are the same).

    Parameters
    ----------
    source : str, path-like, file object or astropy.io.fits.HDUList
        The file.
    wavelength : array-like or Quantity of shape (n_grid,), default=None
        The grid's pixel centres (plain arrays in Angstrom), strictly
        increasing. None: the grid of the bundled data (2782 vacuum pixels,
        3900.3 to 7399.5 A).
    reader : callable, default=None
        ``reader(source, vacuum=...) -> SpectrumData``; None uses
        :func:`read_fits`.
    method : {"flux_conserving", "linear"}, default="flux_conserving"
        See :func:`skspec.preprocessing.resample_spectrum`.
    flag_bad_fraction : float in [0, 1], default=0.1
        Above this fraction of bad pixels the result carries the flag
        ``nan_heavy`` (it is still resampled).
    max_bad_fraction : float in [0, 1], default=0.5
        Above this fraction the file is refused (interpolating over that much
        would invent the spectrum). A file with no good pixel on the grid is
        always refused.
    vacuum : bool, default=True
        The grid is in vacuum wavelengths; False: air.

    Returns
    -------
    spectrum : GriddedSpectrum
        ``flux`` (float32, shape (n_grid,)), ``meta`` (the reader's plus
        ``n_bad`` and ``bad_fraction``) and ``flags``.

    Raises
    ------
    SpectrumReadError
        A subclass saying what went wrong: :class:`UnreadableFileError`
        (missing, directory, link loop, permission, not FITS, corrupt),
        :class:`TruncatedFileError`, :class:`UnrecognisedFormatError`,
        :class:`InvalidSpectrumError` (bad wavelength keywords or axis, or
        any other failure of a custom reader), :class:`ShortCoverageError`,
        :class:`TooManyBadPixelsError`. The last two carry the reader's
        ``meta`` (with ``bad_fraction``) as the attribute ``meta``.
    ValueError
        For a bad ``wavelength``, ``method`` or threshold.

    Examples
    --------
    >>> from skspec.datasets import load_lamost_samples
    >>> from skspec.io import read_onto_grid
    >>> spectrum = read_onto_grid(load_lamost_samples().filenames[0])
    >>> spectrum.flux.shape, spectrum.flux.dtype, spectrum.meta["format"]
    ((2782,), dtype('float32'), 'lamost')
    >>> spectrum.flags, round(spectrum.meta["bad_fraction"], 3)
    ((), 0.0)
    """
    from ..utils._resampling import (
        _bin_edges,
        coverage_shortfall,
        default_grid,
        describe_shortfall,
        COVERAGE_TOLERANCE,
        _apply_plan,
        _fill_bad_pixels,
    )
    from ..utils._validation import check_wavelength
    from ._fits import read_fits

    if method not in _METHODS:
        raise ValueError(f"method must be 'flux_conserving' or 'linear', got {method!r}")
    check_bad_fractions(flag_bad_fraction, max_bad_fraction)
    grid = default_grid() if wavelength is None else check_wavelength(wavelength, name="wavelength")
    name = source_name(source)
    spec = _read(source, read_fits if reader is None else reader, vacuum, name)
    meta = dict(getattr(spec, "meta", None) or {})
    name = meta.get("source_file") or name
    try:
        wave = spec.wavelength.to_value("AA") if hasattr(spec.wavelength, "to_value") else (
            np.asarray(spec.wavelength, dtype=np.float64))
        wave = check_wavelength(wave, n_pixels=np.size(spec.flux))
        flux = np.asarray(spec.flux).ravel()
        bad = np.asarray(spec.mask, dtype=bool).ravel() | ~np.isfinite(flux)
        ivar = getattr(spec, "ivar", None)
        if ivar is not None:
            bad = bad | ~(np.asarray(ivar, dtype=np.float64).ravel() > 0)
    except (AttributeError, TypeError, ValueError) as exc:
        raise InvalidSpectrumError(name, f"the reader returned no usable spectrum ({exc})") from exc

    src_edges, grid_edges = _bin_edges(wave), _bin_edges(grid)
    n_bad, fraction = bad_pixels_on_grid(src_edges, bad, grid_edges)
    meta.update(source_file=name, n_bad=n_bad, bad_fraction=fraction)
    needed, short = coverage_shortfall(src_edges, grid, method)
    if max(short[0][1], short[1][1]) > COVERAGE_TOLERANCE:
        what = "outer pixel edges" if method == "flux_conserving" else "outer pixel centres"
        raise ShortCoverageError(
            name, f"spectrum covers {src_edges[0]:.2f}-{src_edges[-1]:.2f} A, the grid needs "
            f"{needed[0]:.2f}-{needed[1]:.2f} A (its {what}): {describe_shortfall(short)}",
            meta=meta,
        )
    if fraction >= 1.0 or fraction > max_bad_fraction:
        raise TooManyBadPixelsError(
            name, f"{n_bad} of the pixels inside the grid ({100 * fraction:.0f}%) are bad "
            "(masked, ivar <= 0 or no data), "
            + ("no good pixel is left" if fraction >= 1.0
               else f"more than max_bad_fraction={max_bad_fraction}"),
            meta=meta,
        )
    try:
        filled = _fill_bad_pixels(flux.astype(np.float64)[None, :], wave, bad[None, :], "it")
        out = _apply_plan(filled, _plan_for(wave, grid, method, src_edges))[0]
    except ValueError as exc:
        raise InvalidSpectrumError(name, str(exc)) from exc
    out = out.astype(np.float32)
    if not np.isfinite(out).all():
        raise InvalidSpectrumError(
            name, "the flux is not finite after resampling (values beyond float32?)"
        )
    flags = ("nan_heavy",) if fraction > flag_bad_fraction else ()
    return GriddedSpectrum(flux=out, meta=meta, flags=flags)
