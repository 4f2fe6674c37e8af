"""Write and read a catalogue as a FITS binary table (extension ``CATALOG``).

FITS text (header values, character columns) is printable ASCII only. A
column holding any other character (a path such as ``dir é/``, an error
message, a class label such as ``"O star ✱"``) is written percent-encoded
UTF-8 (:func:`urllib.parse.quote`: ``é`` -> ``%C3%A9``, ``%`` -> ``%25``)
and marked in the header with ``SKENC<n> = 'percent-encoded UTF-8'`` (``n``
the column number); column names that need it are encoded the same way and
marked with ``SKNAMES``. Resuming decodes them; elsewhere use
``urllib.parse.unquote`` on the marked columns (see the survey guide).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np

from ._columns import _float_columns

EXTNAME = "CATALOG"
ENCODING = "percent-encoded UTF-8"
#: printable ASCII but ``%``: left as is by the encoding
_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def _plain(text: str) -> bool:
    return text.isascii() and text.isprintable() and "%" not in text


def _encode(text: str) -> str:
    return quote(text, safe=_SAFE, errors="surrogateescape")


def _decode(text: str) -> str:
    return unquote(text, errors="surrogateescape")


def fits_names(columns: list[str]) -> tuple[list[str], bool]:
    """The TTYPE values for ``columns`` and whether any needed encoding."""
    if all(_plain(c) for c in columns):
        return list(columns), False
    return [_encode(c) for c in columns], True


def check_fits_columns(columns: list[str]) -> None:
    """Fail before the run if FITS cannot hold these column names (68 characters)."""
    names, _ = fits_names(columns)
    long = [c for c, n in zip(columns, names) if len(n) > 68]
    if long:
        raise ValueError(f"a .fits catalogue cannot hold the column name {long[0]!r} "
                         f"({len(fits_names(long)[0][0])} characters as FITS text, at most "
                         "68): shorten the class label or write .csv or .parquet")


def _hdu(hdul):
    for hdu in hdul[1:]:
        if hdu.name == EXTNAME:
            return hdu
    for hdu in hdul[1:]:
        if hdu.is_image is False:
            return hdu
    raise ValueError("no binary table extension")


def _names(hdu) -> list[str]:
    names = list(hdu.columns.names)
    return [_decode(n) for n in names] if hdu.header.get("SKNAMES") == ENCODING else names


def _encoded(hdu) -> set[int]:
    """0-based numbers of the columns written percent-encoded."""
    return {i for i in range(len(hdu.columns)) if hdu.header.get(f"SKENC{i + 1}") == ENCODING}


def read_fits_names(path: Path) -> list[str]:
    """Column names of the catalogue table in ``path`` (decoded)."""
    from astropy.io import fits

    with fits.open(path) as hdul:
        return _names(_hdu(hdul))


def read_fits_rows(path: Path, chunksize: int):
    """The table's rows as dicts, ``chunksize`` at a time."""
    from astropy.io import fits

    with fits.open(path, memmap=True) as hdul:
        hdu = _hdu(hdul)
        data, names, encoded = hdu.data, _names(hdu), _encoded(hdu)
        n = 0 if data is None else len(data)
        for start in range(0, n, chunksize):
            part = data[start:start + chunksize]
            columns = []
            for i in range(len(names)):
                values = part.field(i)
                if values.dtype.kind == "S":
                    values = np.char.decode(values, "ascii")
                values = values.tolist()
                columns.append([_decode(v) for v in values] if i in encoded else values)
            yield [dict(zip(names, row)) for row in zip(*columns)]


def write_fits_catalogue(path: Path, rows: list[dict], columns: list[str]) -> None:
    """Write ``rows`` as a binary table (floats as float64, the rest as text)."""
    from astropy.table import Table

    floats = set(_float_columns(columns))
    names, names_encoded = fits_names(columns)
    data, meta = [], {"EXTNAME": EXTNAME}
    if names_encoded:
        meta["SKNAMES"] = ENCODING
    for i, c in enumerate(columns):
        values = [row[c] for row in rows]
        if c not in floats:
            values = ["" if v is None else str(v) for v in values]
            if not all(_plain(v) for v in values):
                values = [_encode(v) for v in values]
                meta[f"SKENC{i + 1}"] = ENCODING
        data.append(np.array(values, dtype=np.float64 if c in floats else str))
    table = Table(data, names=names, meta=meta)
    table.write(path, format="fits", overwrite=True)
