"""A fast parser for the plain FITS files surveys write, with astropy for everything else.

Parsing every header card with ``astropy.io.fits`` costs more than
decompressing the file: for a LAMOST DR1 spectrum (122 cards, one
2 x 3909 float32 image) most of the time of ``fits.open`` goes into the
header. :func:`parse_simple_fits` reads the subset of FITS that survey
spectra use: a primary HDU (no data, or an image) and binary-table
extensions of fixed-width numeric columns, headers of plain ``KEY = value``
cards. On anything else (scaled data, strings, logical or variable-length
columns, long-string CONTINUE cards, HIERARCH keywords, bytes after the last
HDU, ...) it returns None and the caller parses the file with astropy, the
reference reader. The tests check, on every raw survey file, that both
give identical spectra and metadata.

The HDUs it returns offer what the readers use of astropy's: ``header``
(``get``, ``in``, ``[]``, case-insensitive keys, values typed as astropy
types them), ``data`` (a read-only numpy array viewing the bytes, or a
structured array for a table) and, for tables, ``columns.names``.
"""

from __future__ import annotations

import re

import numpy as np

from ._errors import TruncatedFileError

__all__ = ["check_complete", "parse_simple_fits"]

_BLOCK = 2880
_CARD = 80
_IMAGE_DTYPES = {8: "u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}
_TABLE_DTYPES = {"B": "u1", "I": ">i2", "J": ">i4", "K": ">i8", "E": ">f4", "D": ">f8"}
_TFORM = re.compile(r"^(\d*)([BIJKED])$")
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([EeDd][+-]?\d+)?$")
#: keywords whose presence changes how the data are to be read: astropy's job
_SCALING = ("BSCALE", "BZERO", "BLANK")
_COLUMN_SCALING = re.compile(r"^(TSCAL|TZERO|TNULL|TDIM)\d+$")
_COMMENTARY = ("", "COMMENT", "HISTORY")


class _Unsupported(Exception):
    """The bytes use a FITS feature this parser leaves to astropy."""


class FastHeader:
    """Header values by keyword (first occurrence), looked up in any case like astropy's.

    Cards are kept as text and a value is parsed when it is first asked for:
    the common forms here, anything else by ``astropy.io.fits.Card``.
    """

    def __init__(self):
        self._cards: dict[str, str] = {}
        self._values: dict = {}

    def _add(self, keyword: str, card: str) -> None:
        self._cards.setdefault(keyword, card)

    def __contains__(self, key) -> bool:
        return str(key).upper() in self._cards

    def __iter__(self):
        return iter(self._cards)

    def __len__(self) -> int:
        return len(self._cards)

    def __getitem__(self, key):
        key = str(key).upper()
        try:
            return self._values[key]
        except KeyError:
            pass
        value = _value(self._cards[key])
        self._values[key] = value
        return value

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default


class FastColumns:
    """The ``names`` of a table's columns, like ``astropy.io.fits.ColDefs.names``."""

    def __init__(self, names):
        self.names = list(names)


class FastHDU:
    """One HDU: ``header``, ``data`` and, for a binary table, ``columns``."""

    def __init__(self, header, data, columns=None):
        self.header = header
        self.data = data
        if columns is not None:
            self.columns = columns


def _value(card: str):
    """A card's value as astropy types it (str, bool, int, float, ...)."""
    text = card[10:].lstrip()
    if text.startswith("'"):
        j = text.find("'", 1)
        if j > 0 and text[j + 1:j + 2] != "'":
            rest = text[j + 1:].strip()
            if not rest or rest.startswith("/"):
                return text[1:j].rstrip()
    else:
        value = text.split("/", 1)[0].strip()
        if value == "T":
            return True
        if value == "F":
            return False
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value):
            return float(value.replace("D", "E").replace("d", "e"))
    # quotes inside a string, an empty or complex value, ...: astropy's rules
    from astropy.io import fits

    return fits.Card.fromstring(card).value


def _header(data: bytes, start: int, name: str, strict: bool = True) -> tuple[FastHeader, int]:
    """Parse the header at ``start``; return it and the offset of its data.

    ``strict=False`` skips the cards the fast parser does not read (CONTINUE,
    HIERARCH, ...) instead of giving up, for :func:`check_complete`.
    """
    header = FastHeader()
    pos = start
    while True:
        block = data[pos:pos + _BLOCK]
        if len(block) < _BLOCK:
            if start > 0 and data[start:start + 8] != b"XTENSION":
                raise _Unsupported("bytes after the last HDU")
            raise TruncatedFileError(
                name, f"truncated FITS file: the header at byte {start} has no END card "
                f"({len(data)} bytes)"
            )
        pos += _BLOCK
        text = block.decode("ascii", errors="strict") if block.isascii() else None
        if text is None:
            raise _Unsupported("non-ASCII header")
        for k in range(0, _BLOCK, _CARD):
            card = text[k:k + _CARD]
            keyword = card[:8].rstrip()
            if keyword == "END" and not card[8:].strip():
                return header, pos
            odd = keyword in ("CONTINUE", "HIERARCH") or keyword != keyword.upper() or (
                " " in keyword) or (card[8:10] != "= " and keyword not in _COMMENTARY)
            if odd and strict:
                raise _Unsupported(f"card {card!r}")
            if odd or card[8:10] != "= ":
                continue  # COMMENT, HISTORY, blank: no value to read
            header._add(keyword, card)


def _int(header: FastHeader, key: str) -> int:
    value = header.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unsupported(f"{key} = {value!r}")
    return value


def _image(header: FastHeader, data: bytes, offset: int):
    bitpix, naxis = _int(header, "BITPIX"), _int(header, "NAXIS")
    if bitpix not in _IMAGE_DTYPES or any(k in header for k in _SCALING) or "GROUPS" in header:
        raise _Unsupported("scaled or unknown image type")
    shape = tuple(_int(header, f"NAXIS{i}") for i in range(naxis, 0, -1))
    if naxis == 0 or 0 in shape:
        return None, 0
    dtype = np.dtype(_IMAGE_DTYPES[bitpix])
    size = dtype.itemsize * int(np.prod(shape))
    return (data, offset, dtype, shape), size


def _table(header: FastHeader):
    if header.get("XTENSION") != "BINTABLE" or _int(header, "BITPIX") != 8:
        raise _Unsupported("not a binary table")
    if _int(header, "NAXIS") != 2 or _int(header, "PCOUNT") != 0 or _int(header, "GCOUNT") != 1:
        raise _Unsupported("heap or groups")
    if any(_COLUMN_SCALING.match(k) for k in header):
        raise _Unsupported("scaled or shaped columns")
    width, n_rows = _int(header, "NAXIS1"), _int(header, "NAXIS2")
    names, fields = [], []
    for i in range(1, _int(header, "TFIELDS") + 1):
        form = header.get(f"TFORM{i}")
        match = _TFORM.match(form.strip()) if isinstance(form, str) else None
        name = header.get(f"TTYPE{i}")
        if match is None or not isinstance(name, str) or not name or name.upper() in (
            n.upper() for n in names
        ):
            raise _Unsupported(f"column {i}")
        repeat = int(match.group(1) or 1)
        base = _TABLE_DTYPES[match.group(2)]
        names.append(name)
        fields.append((name, base, (repeat,)) if repeat != 1 else (name, base))
    dtype = np.dtype(fields)
    if dtype.itemsize != width:
        raise _Unsupported("row width differs from the columns")
    return dtype, n_rows, names


def parse_simple_fits(data: bytes, name: str):
    """The HDUs of ``data`` as :class:`FastHDU` objects, or None to let astropy parse it.

    Raises
    ------
    TruncatedFileError
        When a header or the data of an HDU end before the bytes do.
    """
    if not data.startswith(b"SIMPLE  =                    T"):
        return None
    hdus, offset = [], 0
    try:
        while offset < len(data):
            header, start = _header(data, offset, name)
            if not hdus:
                view, size = _image(header, data, start)
                columns = None
            else:
                dtype, n_rows, names = _table(header)
                view, size, columns = (data, start, dtype, (n_rows,)), dtype.itemsize * n_rows, \
                    FastColumns(names)
            end = start + size
            if end > len(data):
                raise TruncatedFileError(
                    name, f"truncated FITS file: HDU {len(hdus)} needs bytes up to {end}, "
                    f"the file has {len(data)}"
                )
            array = None
            if view is not None:
                buf, at, dtype, shape = view
                count = int(np.prod(shape))
                array = np.frombuffer(buf, dtype=dtype, count=count, offset=at).reshape(shape)
            hdus.append(FastHDU(header, array, columns))
            offset = start + -(-size // _BLOCK) * _BLOCK
    except _Unsupported:
        return None
    return hdus


def check_complete(data: bytes, name: str) -> None:
    """Raise TruncatedFileError when ``data`` end inside an HDU's header or data.

    Walks the HDUs by the sizes their headers declare (the FITS standard's
    ``|BITPIX| / 8 * GCOUNT * (PCOUNT + NAXIS1 * ... * NAXISn)``, random
    groups without NAXIS1), whatever features they use: astropy pads a short
    last HDU or drops a header cut in the middle without an error. Stops
    quietly at anything it cannot read (astropy then has its say).
    """
    if not data.startswith(b"SIMPLE  ="):
        return  # not FITS: astropy's error says so
    offset, index = 0, 0
    try:
        while offset < len(data):
            if offset and data[offset:offset + 8] != b"XTENSION":
                return  # not another HDU: astropy decides what these bytes are
            header, start = _header(data, offset, name, strict=False)
            bitpix, naxis = abs(_int(header, "BITPIX")), _int(header, "NAXIS")
            dims = [_int(header, f"NAXIS{i}") for i in range(1, naxis + 1)]
            if header.get("GROUPS") is True and dims and dims[0] == 0:
                dims = dims[1:]
            n = int(np.prod(dims)) if naxis else 0
            pcount = _int(header, "PCOUNT") if "PCOUNT" in header else 0
            gcount = _int(header, "GCOUNT") if "GCOUNT" in header else 1
            size = bitpix // 8 * gcount * (pcount + n) if (naxis or pcount) else 0
            if start + size > len(data):
                raise TruncatedFileError(
                    name, f"truncated FITS file: HDU {index} needs bytes up to {start + size}, "
                    f"the file has {len(data)}"
                )
            offset, index = start + -(-size // _BLOCK) * _BLOCK, index + 1
    except _Unsupported:
        return
