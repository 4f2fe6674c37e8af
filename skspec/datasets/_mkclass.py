"""The MKCLASS standard spectra (Gray & Corbally 2014), shipped inside the package."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn.utils import Bunch

from ._base import _bunch, _data_path

__all__ = ["load_mk_standards"]

_TABLE = "data/mk_standards.npz"
#: the skspec pixel grid: log10(lambda / A) = 3.5682 + 1e-4 k (vacuum, LAMOST-aligned)
_LOG10_START, _LOG10_STEP = 3.5682, 1e-4


def grid_pixels(k: np.ndarray) -> np.ndarray:
    """Vacuum Angstrom of the skspec grid's pixel numbers ``k`` (as ``default_grid``)."""
    return 10.0 ** np.round(_LOG10_START + _LOG10_STEP * np.asarray(k), 6)


def grid_k_inside(lo_edge: float, hi_edge: float) -> np.ndarray:
    """Pixel numbers ``k`` whose whole bin lies between ``lo_edge`` and ``hi_edge`` (A)."""
    k_lo = int(np.ceil((np.log10(lo_edge) - _LOG10_START) / _LOG10_STEP + 0.5 - 1e-9))
    k_hi = int(np.floor((np.log10(hi_edge) - _LOG10_START) / _LOG10_STEP - 0.5 + 1e-9))
    return np.arange(k_lo, k_hi + 1)


@lru_cache(maxsize=1)
def _read_raw() -> dict[str, np.ndarray]:
    with _data_path(_TABLE).open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


@lru_cache(maxsize=1)
def _resampled() -> dict:
    """Both libraries masked (flux 0 = no data) and resampled onto the common vacuum grid."""
    from ..io import air_to_vacuum, decode_mkclass_name
    from ..io._mkclass import _full_pixels
    from ..preprocessing import resample_spectrum
    from ..preprocessing._resample import _bin_edges

    raw = _read_raw()
    wave_vac = air_to_vacuum(raw["wavelength_air"])
    edges = _bin_edges(wave_vac)
    # the range every standard of both libraries covers: from the latest first
    # good pixel's lower edge to the earliest last good pixel's upper edge (good:
    # not "no data", nor the partly covered pixels next to it; read_mkclass's rule)
    good_of = {kind: _full_pixels(raw[f"{kind}_flux"]) for kind in ("normalised", "rectified")}
    firsts, lasts = [], []
    for good in good_of.values():
        firsts.append(good.argmax(axis=1).max())
        lasts.append((good.shape[1] - 1 - good[:, ::-1].argmax(axis=1)).min())
    first, last = max(firsts), min(lasts)
    k = grid_k_inside(edges[first], edges[last + 1])
    grid = grid_pixels(k)
    out = {"k": k, "wavelength": grid, "coverage": (edges[first], edges[last + 1])}
    inside = (edges[1:] > grid[0]) & (edges[:-1] < grid[-1])
    for kind in ("normalised", "rectified"):
        flux = raw[f"{kind}_flux"]
        mask = ~good_of[kind]
        names = raw[f"{kind}_name"].astype(str)
        decoded = [decode_mkclass_name(n) for n in names]
        out[kind] = {
            "data": resample_spectrum(wave_vac, flux, grid, mask=mask).astype(np.float32),
            "names": names,
            "n_interp": (mask & inside).sum(axis=1).astype(np.int64),
            "decoded": decoded,
        }
    return out


def mk_table(rectified: bool = False) -> dict:
    """Arrays of the MK standards on their grid (copies): used by the loaders."""
    res = _resampled()
    part = res["rectified" if rectified else "normalised"]
    lib = "libr36" if rectified else "libnor36"
    dec = part["decoded"]
    return {
        "flux": part["data"].copy(),
        "label": np.array([d["mk_class"] for d in dec]),
        "subclass": np.array([d["subclass"] for d in dec]),
        "source": np.full(len(dec), "MKCLASS"),
        "object": np.array([f"MKCLASS {n}" for n in part["names"]]),
        "raw_file": np.array([f"raw/mkclass/{lib}/{n}.rbn" for n in part["names"]]),
        "n_interp": part["n_interp"].copy(),
        "spectral_type": np.array([d["spectral_type"] for d in dec]),
        "luminosity_class": np.array([d["luminosity_class"] for d in dec]),
        "k": res["k"].copy(),
        "wavelength": res["wavelength"].copy(),
        "coverage": res["coverage"],
    }


_META = ("subclass", "source", "object", "raw_file", "n_interp", "spectral_type",
         "luminosity_class")


def load_mk_standards(*, return_X_y: bool = False, as_frame: bool = False,
                      rectified: bool = False):
    """Load the MKCLASS spectral standards (174 stars O4-M, or 112 rectified).

    R. O. Gray's standard libraries for MKCLASS (Gray & Corbally 2014):
    Dark Sky Observatory spectra of MK standards, one spectrum per type,
    **18 O (O4-O9, Ia/Ib/III/V) and 36 B**, with luminosity classes. Blue-violet
    only. The spectra ship inside the package (no network, no ``../shared``).
    They are read from MKCLASS's two-column files (air wavelengths; zero flux,
    "no data", masked and interpolated over), converted to vacuum and resampled
    flux-conservingly onto the skspec pixel grid (``log10 lambda = 3.5682 +
    1e-4 k``, the grid of :func:`load_obafgkm`) over the range every standard
    covers, 3841.5-5559.0 Angstrom (k = 163 ... 1768, 1606 pixels). Resolution
    3.6 Angstrom FWHM. See ``DESCR`` for provenance, licence and citation.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` as a pandas DataFrame (one column per pixel) and
        ``target`` as a Series; the Bunch also gets ``frame`` with the
        metadata columns. Needs pandas.
    rectified : bool, default=False
        False: the ``libnor36`` library, flux-normalised (the continuum keeps
        the star's colour, roughly corrected for the detector response), all
        174 standards O4-M. True: the ``libr36`` library, the same standards
        rectified by the MKCLASS authors (continuum = 1), the 112 from O4 to
        G0.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n_spectra, 1606) float32 flux; ``target`` the MK class
        letter; ``wavelength`` an astropy Quantity in vacuum Angstrom;
        ``subclass`` (full MK type, e.g. ``"O9 Ib"``), ``spectral_type``
        (``"O9"``), ``luminosity_class`` (``"Ib"``), ``source``
        (``"MKCLASS"``), ``object`` (``"MKCLASS t060l10p00"``: the same id in
        both libraries), ``raw_file``, ``n_interp`` (masked pixels interpolated
        inside the grid), ``feature_names``, ``target_names``, ``frame`` and
        ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True.

    See Also
    --------
    skspec.io.read_mkclass : Read one MKCLASS file.
    load_real_spectra : These standards together with every other bundled
        real spectrum, on their common range and resolution.

    Examples
    --------
    >>> from skspec.datasets import load_mk_standards
    >>> mk = load_mk_standards()
    >>> mk.data.shape, mk.data.dtype
    ((174, 1606), dtype('float32'))
    >>> int((mk.target == "O").sum()), int((mk.target == "B").sum())
    (18, 36)
    >>> str(mk.subclass[15]), str(mk.luminosity_class[15])
    ('O9 Ib', 'Ib')
    >>> mk.wavelength[[0, -1]].round(1)
    <Quantity [3841.5, 5559. ] Angstrom>
    >>> load_mk_standards(rectified=True).data.shape
    (112, 1606)
    """
    table = mk_table(rectified)
    flux, target = table["flux"], table["label"]
    meta = {key: table[key] for key in _META}
    return _bunch(flux, target, meta, table["wavelength"], "mk_standards.rst",
                  return_X_y=return_X_y, as_frame=as_frame)
