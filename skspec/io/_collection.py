"""Read many spectrum files into one aligned array on a common wavelength grid."""

from __future__ import annotations

import glob
import logging
import os
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported when called: processes that only read skip scikit-learn
    from sklearn.utils import Bunch

from ..utils._resampling import default_grid
from ..utils._validation import check_wavelength
from ._base import source_name
from ._errors import SpectrumReadError
from ._onto_grid import (
    FITS_SUFFIXES,
    FLAG_BAD_FRACTION,
    MAX_BAD_FRACTION,
    check_bad_fractions,
    read_onto_grid,
)

__all__ = ["read_spectra"]

logger = logging.getLogger("skspec.io")

#: per-file keys copied from each spectrum's meta into ``read_spectra(...).meta``
_KEEP = ("class", "subclass", "mk_class", "object_id", "obsid", "snr", "source_file", "format",
         "n_bad", "bad_fraction")


def _expand(paths) -> list:
    """A list of files from a list, a glob pattern, a directory or one path."""
    if isinstance(paths, (str, os.PathLike)):
        text = os.fspath(paths)
        if os.path.isdir(text):
            names = [n for n in os.listdir(text) if n.lower().endswith(FITS_SUFFIXES)]
            found = sorted(os.path.join(text, n) for n in names)
            where = f"FITS files ({', '.join(FITS_SUFFIXES)}) in the directory {text}"
        elif glob.has_magic(text):
            found = sorted(glob.glob(text))
            where = f"files matching {text!r}"
        elif os.path.lexists(text):  # a dangling link or a loop: the reader says which
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


def read_spectra(
    paths,
    grid=None,
    *,
    method: str = "flux_conserving",
    on_error: str = "raise",
    max_bad_fraction: float = MAX_BAD_FRACTION,
    flag_bad_fraction: float = FLAG_BAD_FRACTION,
    vacuum: bool = True,
    reader=None,
    verbose: int = 1,
) -> Bunch:
    """Read many spectrum files into one float32 array on a common wavelength grid.

    Each file goes through :func:`read_onto_grid` (the same rules as
    :func:`skspec.survey.predict_files`): read with :func:`read_fits` (format
    detected per file), its coverage of ``grid`` checked, its bad pixels
    (masked, ivar <= 0, STELIB zeros, NaN) counted, linearly interpolated from
    good neighbours, and resampled onto ``grid`` with
    :func:`skspec.preprocessing.resample_spectrum`.

    Parameters
    ----------
    paths : str, path-like or list
        A list of paths (or file objects / HDULists), a glob pattern
        (``"raw/lamost_dr1/*.fits.gz"``), a directory (the files in it named
        like FITS, sorted: ``*.fits``, ``*.fit``, ``*.fts``, each optionally
        ``.gz`` or ``.bz2``, and ``*.fits.fz``) or one file.
    grid : array-like or Quantity, default=None
        Output pixel centres (plain arrays in Angstrom). None: the grid of the
        bundled data, ``log10(lambda) = 3.5682 + 1e-4 k``, k = 229..3010
        (2782 vacuum pixels, 3900.3 to 7399.5 A).
    method : {"flux_conserving", "linear"}, default="flux_conserving"
        See :func:`skspec.preprocessing.resample_spectrum`.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a file that cannot be read or resampled: raise its
        :class:`SpectrumReadError` (which names the file), or log a warning
        (logger ``skspec.io``) and list it in ``skipped``. Any failure to open
        or read a file (permission denied, a directory, an OSError of a custom
        reader, ...) is such a per-file error.
    max_bad_fraction : float, default=0.5
        A file whose bad pixels make up more than this fraction of the pixels
        inside the grid's range is an error (interpolating over that much
        would invent the spectrum). A file with no good pixel there is always
        an error.
    flag_bad_fraction : float, default=0.1
        A file with more bad pixels than this (and not more than
        ``max_bad_fraction``) is read, and its ``meta["flags"]`` holds
        ``"nan_heavy"``.
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
        ``format``, ``n_bad`` (bad source pixels interpolated inside the grid),
        ``bad_fraction`` and ``flags`` (a tuple, ``("nan_heavy",)`` or empty).
        ``filenames``: list of str, the files read, in row order.
        ``skipped``: list of ``(path, reason)`` for the files skipped.

    Raises
    ------
    SpectrumReadError
        With ``on_error="raise"``, for the first bad file (naming it), of the
        subclass saying why: unreadable (missing, permission, not FITS,
        corrupt), truncated, unknown format, invalid (missing wavelength
        keywords, wavelength not increasing), grid outside its coverage, too
        many bad pixels. See :func:`read_onto_grid`.
    ValueError
        When no file matches ``paths``, or for a bad option.

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
    check_bad_fractions(flag_bad_fraction, max_bad_fraction)
    from tqdm.auto import tqdm

    grid_aa = default_grid() if grid is None else check_wavelength(grid, name="grid")
    rows, meta, filenames, skipped = [], [], [], []
    for source in tqdm(_expand(paths), desc="reading spectra", unit="file", disable=not verbose):
        name = source_name(source)
        try:
            spectrum = read_onto_grid(
                source, grid_aa, reader=reader, method=method, vacuum=vacuum,
                flag_bad_fraction=flag_bad_fraction, max_bad_fraction=max_bad_fraction,
            )
        except SpectrumReadError as exc:
            if on_error == "raise":
                raise
            logger.warning("skipped %s: %s", name, exc)
            skipped.append((name, str(exc)))
            continue
        info = {key: spectrum.meta.get(key) for key in _KEEP}
        info["flags"] = spectrum.flags
        rows.append(spectrum.flux)
        meta.append(info)
        filenames.append(spectrum.meta["source_file"])
    if skipped and not rows:
        logger.warning("all %d files were skipped", len(skipped))
    import astropy.units as u
    from sklearn.utils import Bunch

    flux = np.vstack(rows) if rows else np.empty((0, grid_aa.size), dtype=np.float32)
    return Bunch(
        flux=flux, wavelength=grid_aa * u.AA, meta=meta, filenames=filenames, skipped=skipped
    )
