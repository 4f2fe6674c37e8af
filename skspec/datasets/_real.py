"""Every bundled real spectrum on one grid, at one resolution: the blue-violet table."""

from __future__ import annotations

import re
from numbers import Real

import numpy as np
from sklearn.utils import Bunch

from ..preprocessing._degrade import _FWHM_PER_SIGMA
from ._base import _bunch, _object_id, _read_table
from ._mkclass import _LOG10_START, _LOG10_STEP, grid_pixels, mk_table

__all__ = ["load_real_spectra"]

#: (first k, last k) of the bundled table ``obafgkm_train.npz``
_TABLE_K = (229, 3010)
_TABLE_SOURCES = ("STELIB_v3.2", "SDSS_PyHammer", "LAMOST_DR1")
#: instrumental resolution of each source: ("fwhm", Angstrom) or ("R", lambda / FWHM)
_INPUT_RESOLUTION = {
    "STELIB_v3.2": ("fwhm", 3.0),
    "SDSS_PyHammer": ("R", 2000.0),
    "LAMOST_DR1": ("R", 1800.0),
    "MKCLASS": ("fwhm", 3.6),
}
_MARGIN_AA = 25.0  # extra pixels each side while convolving, so the kernel is not cut
# the second part may be written short: "Ia-ab" is between Ia and Iab
_LUM = re.compile(r"(Iab|Ia|Ib|III|II|IV|VI|V|I)(?:[-/](Iab|Ia|Ib|III|II|IV|VI|V|I|ab))?")
_TYPE = re.compile(r"^((?:sd|d)?[OBAFGKM]\d*(?:\.\d+)?(?:/[OBAFGKM]?\d*(?:\.\d+)?)?)")


def split_mk_type(subclass: str) -> tuple[str, str]:
    """``("O9.5", "Ia")`` from ``"O9.5Iae"``; an absent luminosity class gives ``""``."""
    s = str(subclass).strip()
    m = _TYPE.match(s)
    if m is None:
        return s, ""
    rest = s[m.end():].strip()
    lum = _LUM.match(rest)
    return m.group(1), (lum.group(0) if lum else "")


def _check_range(wavelength_range, mk_k: np.ndarray) -> np.ndarray:
    """The grid pixels ``k`` of ``wavelength_range``; say which source lacks which part."""
    try:
        lo, hi = (float(v) for v in wavelength_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"wavelength_range must be (low, high) in Angstrom, got {wavelength_range!r}"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or not 0 < lo < hi:
        raise ValueError(
            f"wavelength_range=({lo:g}, {hi:g}) must be finite with 0 < low < high (Angstrom)"
        )
    # every pixel whose centre lies in the range
    k_lo = int(np.ceil((np.log10(lo) - _LOG10_START) / _LOG10_STEP - 1e-6))
    k_hi = int(np.floor((np.log10(hi) - _LOG10_START) / _LOG10_STEP + 1e-6))
    if k_hi - k_lo < 1:
        raise ValueError(f"wavelength_range=({lo:g}, {hi:g}) holds fewer than 2 grid pixels")
    k = np.arange(k_lo, k_hi + 1)
    coverage = [(", ".join(_TABLE_SOURCES), np.array(_TABLE_K)), ("MKCLASS", mk_k[[0, -1]])]
    common = grid_pixels([max(c[1][0] for c in coverage), min(c[1][1] for c in coverage)])
    for names, (k_a, k_b) in coverage:
        a, b = grid_pixels([k_a, k_b])
        outside = []
        if k[0] < k_a:
            outside.append(f"{lo:.1f}-{a:.1f} A")
        if k[-1] > k_b:
            outside.append(f"{b:.1f}-{hi:.1f} A")
        if outside:
            raise ValueError(
                f"wavelength_range=({lo:g}, {hi:g}) is outside the coverage of {names} "
                f"({a:.1f}-{b:.1f} A, vacuum, as bundled): no data at {' and '.join(outside)}. "
                f"Every source covers {common[0]:.1f}-{common[1]:.1f} A; choose a range "
                "inside it"
            )
    return k


def _input_fwhm(source: str, wave: np.ndarray) -> np.ndarray:
    kind, value = _INPUT_RESOLUTION[source]
    return np.full_like(wave, value) if kind == "fwhm" else wave / value


def _to_fwhm(flux: np.ndarray, wave: np.ndarray, source: str, fwhm: float) -> np.ndarray:
    """Convolve the rows of one source from its own resolution to ``fwhm`` Angstrom."""
    from ..preprocessing._degrade import _resolution_kernel

    fwhm_in = _input_fwhm(source, wave)
    if np.all(np.isclose(fwhm_in, fwhm)):
        return flux
    sharper = fwhm_in > fwhm * (1 + 1e-9)
    if sharper.any():
        i = int(np.argmax(sharper))
        raise ValueError(
            f"fwhm={fwhm} A is sharper than {source}'s own resolution "
            f"({fwhm_in[i]:.2f} A FWHM at {wave[i]:.0f} A): a spectrum cannot be sharpened; "
            f"use fwhm >= {fwhm_in.max():.2f}"
        )
    # the kernel takes resolving powers: lambda / FWHM per pixel, in quadrature
    kernel = _resolution_kernel(wave, wave / fwhm, wave / fwhm_in)
    return np.asarray((kernel @ flux.astype(np.float64).T).T, dtype=np.float32)


def load_real_spectra(*, wavelength_range=(3900.0, 5500.0), fwhm=3.6,
                      return_X_y: bool = False, as_frame: bool = False):
    """Load every bundled real spectrum on one grid at one resolution (O to M).

    The 348 spectra of :func:`load_obafgkm` (STELIB v3.2, SDSS/BOSS templates,
    LAMOST DR1) and the 174 MKCLASS standards of :func:`load_mk_standards`:
    522 spectra, **28 O and 65 B stars**, on the skspec vacuum grid
    (``log10 lambda = 3.5682 + 1e-4 k``) over ``wavelength_range``, all
    convolved to ``fwhm`` (MKCLASS's 3.6 Angstrom; the other sources are
    sharper: STELIB 3 Angstrom, SDSS R ~ 2000, LAMOST R ~ 1800). Wavelengths
    are vacuum: MKCLASS's air wavelengths are converted like STELIB's were.

    The default range, 3900-5500 Angstrom, is the blue-violet range that every
    source covers (the bundled table starts at 3900.3, the shortest MKCLASS
    spectrum ends at 5560), stopping 60 Angstrom short of MKCLASS's red end;
    it holds every O/B criterion line (He II 4200/4541/4686, He I
    4026/4144/4387/4471/4922, Si III 4552, Si IV 4089/4116, Mg II 4481,
    H-beta to H-epsilon). See ``DESCR``.

    Parameters
    ----------
    wavelength_range : (float, float), default=(3900.0, 5500.0)
        Lowest and highest pixel centre, vacuum Angstrom. Must lie inside
        3900.3-5559.0 Angstrom, the range every source covers.
    fwhm : float or None, default=3.6
        Common resolution, Gaussian FWHM in Angstrom; each source is convolved
        in quadrature from its own resolution (a source already at ``fwhm``
        is left as it is). None keeps every source's own resolution.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects (see :func:`load_obafgkm`). Needs pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The fields of :func:`load_obafgkm` (``data`` float32 flux, not
        normalised: units differ by source, so normalise before mixing;
        ``target``, ``wavelength``, ``subclass``, ``source`` -- one of
        ``STELIB_v3.2``, ``SDSS_PyHammer``, ``LAMOST_DR1``, ``MKCLASS`` --,
        ``object``, ``raw_file``, ``n_interp``, ``feature_names``,
        ``target_names``, ``frame``, ``DESCR``) plus ``spectral_type`` and
        ``luminosity_class`` (split from ``subclass``; ``""`` where the source
        gives none). ``object`` is one id per star: use it as ``groups``.
    (data, target) : tuple if ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``wavelength_range`` reaches outside a source's coverage (the
        message names the source and the range it lacks), or ``fwhm`` is
        sharper than a source's resolution.

    Examples
    --------
    >>> from skspec.datasets import load_real_spectra
    >>> real = load_real_spectra()
    >>> real.data.shape
    (522, 1493)
    >>> int((real.target == "O").sum()), int((real.target == "B").sum())
    (28, 65)
    >>> sorted(set(real.source.tolist()))
    ['LAMOST_DR1', 'MKCLASS', 'SDSS_PyHammer', 'STELIB_v3.2']
    >>> real.wavelength[[0, -1]].round(1)
    <Quantity [3900.3, 5499.2] Angstrom>
    >>> load_real_spectra(wavelength_range=(3800, 5500))
    Traceback (most recent call last):
    ...
    ValueError: wavelength_range=(3800, 5500) is outside the coverage of STELIB_v3.2, ...
    """
    if fwhm is not None and (isinstance(fwhm, bool) or not isinstance(fwhm, Real)
                             or not np.isfinite(fwhm) or fwhm <= 0):
        raise ValueError(f"fwhm must be a positive number of Angstrom or None, got {fwhm!r}")
    mk = mk_table(rectified=False)
    k = _check_range(wavelength_range, mk["k"])
    wave = grid_pixels(k)

    parts = []
    table = _read_table()
    table_k = np.arange(_TABLE_K[0], _TABLE_K[1] + 1)
    mk_part = {key: mk[key] for key in ("flux", "label", "subclass", "source", "object",
                                        "raw_file", "n_interp")}
    for source, rows in [(s, table["source"] == s) for s in _TABLE_SOURCES] + [("MKCLASS", None)]:
        if rows is None:
            src_k, flux, meta = mk["k"], mk_part["flux"], mk_part
        else:
            src_k, flux = table_k, table["flux"][rows]
            meta = {key: table[key][rows] for key in ("label", "subclass", "source", "object",
                                                      "raw_file", "n_interp")}
        if fwhm is not None:
            # convolve on the range plus a margin, so that the kernel is not cut at its ends
            # (4 sigma of the widest kernel, fwhm itself, plus a pixel or so)
            margin = max(_MARGIN_AA, 4.0 * float(fwhm) / _FWHM_PER_SIGMA + 2.0)
            lo, hi = wave[0] - margin, wave[-1] + margin
            src_wave = grid_pixels(src_k)
            near = (src_wave >= lo) & (src_wave <= hi)
            flux_near = _to_fwhm(flux[:, near], src_wave[near], source, float(fwhm))
            src_k, flux = src_k[near], flux_near
        cols = np.searchsorted(src_k, k)
        parts.append((flux[:, cols].astype(np.float32), meta))

    flux = np.vstack([p[0] for p in parts])
    target = np.concatenate([p[1]["label"] for p in parts]).astype(str)
    meta = {key: np.concatenate([p[1][key] for p in parts]).astype(str)
            for key in ("subclass", "source", "object", "raw_file")}
    meta["object"] = np.array([_object_id(o) for o in meta["object"]])
    meta["n_interp"] = np.concatenate([p[1]["n_interp"] for p in parts]).astype(np.int64)
    split = [split_mk_type(s) for s in meta["subclass"]]
    is_mk = meta["source"] == "MKCLASS"
    spt = np.array([s[0] for s in split], dtype=object)
    lum = np.array([s[1] for s in split], dtype=object)
    spt[is_mk], lum[is_mk] = mk["spectral_type"], mk["luminosity_class"]
    meta["spectral_type"], meta["luminosity_class"] = spt.astype(str), lum.astype(str)

    return _bunch(flux, target, meta, wave, "real_spectra.rst",
                  return_X_y=return_X_y, as_frame=as_frame)
