"""Read many spectrum files into one aligned array on a common wavelength grid."""

from __future__ import annotations

import glob
import logging
import os

import numpy as np
from sklearn.utils import Bunch

from ..preprocessing._resample import _bin_edges, default_grid, resample_spectrum
from ..utils._validation import check_wavelength
from ._base import source_name
from ._fits import read_fits

__all__ = ["read_spectra"]

logger = logging.getLogger("skspec.io")

_FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz", ".fits.bz2")
#: per-file keys copied from each spectrum's meta into ``read_spectra(...).meta``
_KEEP = ("class", "subclass", "mk_class", "object_id", "obsid", "snr", "source_file", "format")


def _expand(paths) -> list:
    """A list of files from a list, a glob pattern, a directory or one path."""
    if isinstance(paths, (str, os.PathLike)):
        text = os.fspath(paths)
        if os.path.isdir(text):
            names = [n for n in os.listdir(text) if n.lower().endswith(_FITS_SUFFIXES)]
            found = sorted(os.path.join(text, n) for n in names)
            where = f"FITS files ({', '.join(_FITS_SUFFIXES)}) in the directory {text}"
        elif glob.has_magic(text):
            found = sorted(glob.glob(text))
            where = f"files matching {text!r}"
        elif os.path.exists(text):
            found = [text]
            where = text
        else:
            raise ValueError(f"{text}: no such file or directory")
    else:
        found = list(paths)
        where = "files in the list given"
    if not found:
        raise ValueError(f"no {where}")
    return found


def _bad_fraction(wave: np.ndarray, mask: np.ndarray, grid: np.ndarray) -> tuple[int, float]:
    """Bad source pixels whose bins overlap the grid's range, as a count and a fraction."""
    src, out = _bin_edges(wave), _bin_edges(grid)
    inside = (src[1:] > out[0]) & (src[:-1] < out[-1])
    n_inside = int(inside.sum())
    n_bad = int((mask & inside).sum())
    return n_bad, (n_bad / n_inside if n_inside else 1.0)


def _one(source, grid, method, reader, vacuum, max_bad_fraction):
    spec = reader(source, vacuum=vacuum)
    name = spec.meta.get("source_file") or source_name(source)
    wave = spec.wavelength.to_value("AA")
    n_bad, frac = _bad_fraction(wave, spec.mask, grid)
    if frac >= 1.0 or frac > max_bad_fraction:
        raise ValueError(
            f"{name}: {n_bad} of the pixels inside the grid ({100 * frac:.0f}%) are bad "
            f"(masked, ivar <= 0 or no data), more than max_bad_fraction={max_bad_fraction}"
        )
    try:
        flux = resample_spectrum(wave, spec.flux, grid, mask=spec.mask, method=method)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc
    meta = {key: spec.meta.get(key) for key in _KEEP}
    meta.update(source_file=name, n_bad=n_bad)
    return flux.astype(np.float32), meta


def read_spectra(
    paths,
    grid=None,
    *,
    method: str = "flux_conserving",
    on_error: str = "raise",
    max_bad_fraction: float = 0.5,
    vacuum: bool = True,
    reader=None,
    verbose: int = 1,
) -> Bunch:
    """Read many spectrum files into one float32 array on a common wavelength grid.

    Each file is read with :func:`read_fits` (format detected per file), its
    bad pixels (masked, ivar <= 0, STELIB zeros, NaN) are linearly interpolated
    from good neighbours, and it is resampled onto ``grid`` with
    :func:`skspec.preprocessing.resample_spectrum`.

    Parameters
    ----------
    paths : str, path-like or list
        A list of paths (or file objects / HDULists), a glob pattern
        (``"raw/lamost_dr1/*.fits.gz"``), a directory (all ``*.fits``,
        ``*.fits.gz``, ``*.fit`` ... files in it, sorted) or one file.
    grid : array-like or Quantity, default=None
        Output pixel centres (plain arrays in Angstrom). None: the grid of the
        bundled data, ``log10(lambda) = 3.5682 + 1e-4 k``, k = 229..3010
        (2782 vacuum pixels, 3900.3 to 7399.5 A).
    method : {"flux_conserving", "linear"}, default="flux_conserving"
        See :func:`skspec.preprocessing.resample_spectrum`.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a file that cannot be read or resampled: raise its
        ValueError (which names the file), or log a warning (logger
        ``skspec.io``) and list it in ``skipped``.
    max_bad_fraction : float, default=0.5
        A file whose bad pixels make up more than this fraction of the pixels
        inside the grid's range is an error (interpolating over that much
        would invent the spectrum). A file with no good pixel there is always
        an error.
    vacuum : bool, default=True
        Work in vacuum wavelengths (``grid`` is then vacuum); False: air.
    reader : callable, default=None
        ``reader(source, vacuum=...) -> SpectrumData``; None uses
        :func:`read_fits`. Pass :func:`read_lamost` etc. to force a format.
    verbose : int, default=1
        Show a tqdm progress bar when > 0.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``flux``: float32 ndarray (n_read, n_grid), one row per file read.
        ``wavelength``: Quantity (n_grid,), Angstrom.
        ``meta``: list of dicts (one per row) with ``class``, ``subclass``,
        ``mk_class``, ``object_id``, ``obsid``, ``snr``, ``source_file``,
        ``format`` and ``n_bad`` (bad source pixels interpolated inside the grid).
        ``filenames``: list of str, the files read, in row order.
        ``skipped``: list of ``(path, reason)`` for the files skipped.

    Raises
    ------
    ValueError
        With ``on_error="raise"``, for the first bad file (naming it): not
        FITS, corrupt or truncated, unknown format, missing wavelength
        keywords, wavelength not increasing, grid outside its coverage, too
        many bad pixels. Always when no file matches ``paths``.

    Examples
    --------
    >>> from skspec.datasets import load_lamost_samples
    >>> from skspec.io import read_spectra
    >>> result = read_spectra(load_lamost_samples().filenames, verbose=0)
    >>> result.flux.shape, result.flux.dtype
    ((7, 2782), dtype('float32'))
    >>> result.meta[0]["class"], result.skipped
    ('STAR', [])
    """
    if method not in ("flux_conserving", "linear"):
        raise ValueError(f"method must be 'flux_conserving' or 'linear', got {method!r}")
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    if not 0 <= max_bad_fraction <= 1:
        raise ValueError(f"max_bad_fraction must be in [0, 1], got {max_bad_fraction}")
    from tqdm.auto import tqdm

    grid_aa = default_grid() if grid is None else check_wavelength(grid, name="grid")
    reader = read_fits if reader is None else reader
    rows, meta, filenames, skipped = [], [], [], []
    for source in tqdm(_expand(paths), desc="reading spectra", unit="file", disable=not verbose):
        name = source_name(source)
        try:
            flux, info = _one(source, grid_aa, method, reader, vacuum, max_bad_fraction)
        except ValueError as exc:
            if on_error == "raise":
                raise
            logger.warning("skipped %s: %s", name, exc)
            skipped.append((name, str(exc)))
            continue
        rows.append(flux)
        meta.append(info)
        filenames.append(name)
    if skipped and not rows:
        logger.warning("all %d files were skipped", len(skipped))
    import astropy.units as u

    flux = np.vstack(rows) if rows else np.empty((0, grid_aa.size), dtype=np.float32)
    return Bunch(
        flux=flux, wavelength=grid_aa * u.AA, meta=meta, filenames=filenames, skipped=skipped
    )
