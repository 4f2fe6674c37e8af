"""Loaders for the real spectra that ship inside the package."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_lamost_samples", "load_obafgkm", "load_ofgk"]

_DATA = "skspec.datasets"
_TABLE = "data/obafgkm_train.npz"
_META = ("subclass", "source", "object", "raw_file", "n_interp")


def _data_path(name: str):
    return resources.files(_DATA).joinpath(name)


def _descr(name: str) -> str:
    return _data_path(f"descr/{name}").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _read_table() -> dict[str, np.ndarray]:
    with _data_path(_TABLE).open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _frame(flux, target, meta, feature_names):
    """``(data, target, frame)`` as pandas objects for ``as_frame=True``."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a test extra
        raise ImportError("as_frame=True needs pandas: pip install pandas") from exc
    data = pd.DataFrame(flux, columns=feature_names)
    y = pd.Series(target, name="class")
    return data, y, pd.concat([data, y, pd.DataFrame(meta)], axis=1)


def _object_id(obj: str) -> str:
    """One id per star: STELIB writes some HD numbers zero-padded (HD053929 = HD53929)."""
    return re.sub(r"^(HD|HR)0+(\d)", r"\1\2", str(obj))


def _load(classes: str, *, return_X_y: bool, as_frame: bool) -> Bunch | tuple:
    table = _read_table()
    keep = np.isin(table["label"], list(classes))
    flux = table["flux"][keep].copy()
    target = table["label"][keep].astype(str)
    meta = {key: table[key][keep].copy() for key in _META}
    # the star is the grouping unit of every star-grouped split: one id per star
    meta["object"] = np.array([_object_id(o) for o in meta["object"]])
    return _bunch(flux, target, meta, table["wavelength"].copy(), "spectra.rst",
                  return_X_y=return_X_y, as_frame=as_frame)


def _bunch(flux, target, meta, wavelength, descr, *, return_X_y, as_frame):
    """The loaders' common ending: ``(X, y)``, or a Bunch with the shared fields and ``meta``."""
    import astropy.units as u

    wavelength = np.asarray(wavelength) * u.AA
    feature_names = np.array([f"flux_{w:.2f}" for w in wavelength.value], dtype=object)
    data, y, frame = flux, target, None
    if as_frame:
        data, y, frame = _frame(flux, target, meta, feature_names)
    if return_X_y:
        return data, y
    return Bunch(
        data=data,
        target=y,
        frame=frame,
        target_names=np.array(sorted(set(target))),
        feature_names=feature_names,
        wavelength=wavelength,
        DESCR=_descr(descr),
        **meta,
    )


_DOC = """Load the {what} ({n} real spectra, 2782 pixels).

    Real spectra from STELIB v3.2, SDSS/BOSS co-added templates (PyHammer) and
    LAMOST DR1 on one vacuum log-lambda grid (3900 to 7400 Angstrom). The data
    ship inside the package: no network and no ``../shared`` needed. See
    ``DESCR`` for provenance, licences, caveats and citations.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` as a pandas DataFrame (one column per pixel) and
        ``target`` as a Series; the Bunch also gets ``frame`` with the metadata
        columns. Needs pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n_spectra, 2782) float32 flux, not normalised; ``target``
        MK class letters {classes}; ``wavelength`` an astropy Quantity in
        Angstrom; ``subclass``, ``source``, ``object`` (star id: use it as
        ``groups`` so that no star is in both train and test), ``raw_file``,
        ``n_interp``, ``feature_names``, ``target_names``, ``frame`` and
        ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True.

    Examples
    --------
    >>> from skspec.datasets import {func}
    >>> spectra = {func}()
    >>> spectra.data.shape, spectra.data.dtype
    (({n}, 2782), dtype('float32'))
    >>> spectra.target_names.tolist()
    {names}
    >>> spectra.wavelength[[0, -1]].round(1)
    <Quantity [3900.3, 7399.5] Angstrom>
    """


def load_ofgk(*, return_X_y: bool = False, as_frame: bool = False):
    return _load("OFGK", return_X_y=return_X_y, as_frame=as_frame)


def load_obafgkm(*, return_X_y: bool = False, as_frame: bool = False):
    return _load("OBAFGKM", return_X_y=return_X_y, as_frame=as_frame)


load_ofgk.__doc__ = _DOC.format(
    what="paper's four classes O, F, G and K", n=246, classes="O, F, G, K",
    func="load_ofgk", names="['F', 'G', 'K', 'O']",
)
load_obafgkm.__doc__ = _DOC.format(
    what="all MK classes O, B, A, F, G, K and M", n=348,
    classes="O, B, A, F, G, K, M", func="load_obafgkm",
    names="['A', 'B', 'F', 'G', 'K', 'M', 'O']",
)


def load_lamost_samples() -> Bunch:
    """Paths of seven raw LAMOST low-resolution FITS files bundled for examples.

    Five DR1 files in the image layout and one DR6 and one DR7 file in the
    newer layout; read them with :func:`skspec.io.read_lamost` or
    :func:`skspec.io.read_spectra`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``filenames`` (list of str, sorted) and ``DESCR``.

    Examples
    --------
    >>> from skspec.datasets import load_lamost_samples
    >>> samples = load_lamost_samples()
    >>> len(samples.filenames)
    7
    >>> samples.filenames[0].endswith(".fits.gz")
    True
    """
    folder = _data_path("data/lamost")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".fits.gz"))
    return Bunch(
        filenames=[str(folder.joinpath(n)) for n in names],
        DESCR=_descr("lamost_samples.rst"),
    )
