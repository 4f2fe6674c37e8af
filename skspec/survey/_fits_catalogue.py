"""Write and read a catalogue as a FITS binary table (extension ``CATALOG``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._columns import _float_columns

EXTNAME = "CATALOG"


def _hdu(hdul):
    for hdu in hdul[1:]:
        if hdu.name == EXTNAME:
            return hdu
    for hdu in hdul[1:]:
        if hdu.is_image is False:
            return hdu
    raise ValueError("no binary table extension")


def read_fits_names(path: Path) -> list[str]:
    """Column names of the catalogue table in ``path``."""
    from astropy.io import fits

    with fits.open(path) as hdul:
        return list(_hdu(hdul).columns.names)


def read_fits_rows(path: Path, chunksize: int):
    """The table's rows as dicts, ``chunksize`` at a time."""
    from astropy.io import fits

    with fits.open(path, memmap=True) as hdul:
        data = _hdu(hdul).data
        names = list(data.columns.names)
        n = 0 if data is None else len(data)
        for start in range(0, n, chunksize):
            part = data[start:start + chunksize]
            columns = {}
            for name in names:
                values = part[name]
                if values.dtype.kind == "S":
                    values = np.char.decode(values, "ascii")
                columns[name] = values.tolist()
            yield [dict(zip(names, row)) for row in zip(*columns.values())]


def write_fits_catalogue(path: Path, rows: list[dict], columns: list[str]) -> None:
    """Write ``rows`` as a binary table (floats as float64, the rest as text)."""
    from astropy.table import Table

    floats = set(_float_columns(columns))
    data = {}
    for c in columns:
        values = [row[c] for row in rows]
        data[c] = np.array(values, dtype=np.float64 if c in floats else str)
    table = Table(data, names=columns)
    table.meta["EXTNAME"] = EXTNAME
    table.write(path, format="fits", overwrite=True)
