"""Read R. O. Gray's MKCLASS standard spectra: two-column ASCII, ``tTTTlLLpMM`` names."""

from __future__ import annotations

import io
import math
import os
import re

import numpy as np

from ._base import SpectrumData, make_spectrum, source_name

__all__ = ["decode_mkclass_name", "read_mkclass"]

#: Pixels next to MKCLASS's "no data" (zero flux) that are dropped as partly covered.
_EDGE_PIXELS = 2
_NAME = re.compile(r"^t(\d{3})l(\d{2})([pm])(\d{2})$")

#: MKCLASS temperature codes of whole subtypes, ``(code, letter, subtype)``; codes
#: in between are interpolated within a letter (7.7 -> B0.7, 8.5 -> B1.5).
_ANCHORS = (
    [(float(c), "O", c + 3.0) for c in range(0, 7)]
    + [(7.0, "B", 0.0), (8.0, "B", 1.0), (9.0, "B", 2.0), (10.0, "B", 3.0), (11.0, "B", 4.0),
       (12.0, "B", 5.0), (12.5, "B", 6.0), (13.0, "B", 7.0), (14.0, "B", 8.0), (15.0, "B", 9.0),
       (15.5, "B", 9.5)]
    + [(16.0, "A", 0.0), (17.0, "A", 1.0), (18.0, "A", 2.0), (19.0, "A", 3.0), (19.5, "A", 4.0),
       (20.0, "A", 5.0), (20.5, "A", 6.0), (21.0, "A", 7.0), (21.7, "A", 8.0), (22.5, "A", 9.0)]
    + [(23.0, "F", 0.0), (23.5, "F", 1.0), (24.0, "F", 2.0), (25.0, "F", 3.0), (25.5, "F", 4.0),
       (26.0, "F", 5.0), (27.0, "F", 6.0), (27.5, "F", 7.0), (28.0, "F", 8.0), (29.0, "F", 9.0)]
    + [(30.0, "G", 0.0), (30.5, "G", 1.0), (31.0, "G", 2.0), (31.3, "G", 3.0), (31.7, "G", 4.0),
       (32.0, "G", 5.0), (32.3, "G", 6.0), (32.7, "G", 7.0), (33.0, "G", 8.0), (33.5, "G", 9.0)]
    + [(34.0, "K", 0.0), (35.0, "K", 1.0), (36.0, "K", 2.0), (37.0, "K", 3.0), (38.0, "K", 4.0),
       (39.0, "K", 5.0), (39.5, "K", 6.0), (40.0, "K", 7.0)]
    + [(40.714, "M", 0.0), (41.0, "M", 0.5), (41.5, "M", 1.0), (42.0, "M", 1.5), (42.5, "M", 2.0),
       (43.0, "M", 2.5), (43.5, "M", 3.0), (44.0, "M", 3.5), (44.5, "M", 4.0), (45.0, "M", 4.5),
       (45.5, "M", 5.0), (46.5, "M", 6.0), (47.5, "M", 7.0), (48.5, "M", 8.0), (49.5, "M", 9.0)]
)
#: upper code limit of each class letter (MKCLASS's boundaries)
_LETTER_LIMITS = (("O", 6.5), ("B", 15.7), ("A", 22.75), ("F", 29.5), ("G", 33.75),
                  ("K", 40.5), ("M", float("inf")))  # codes above 50 are refused before
_LUMINOSITY = {0.0: "Ia", 0.5: "Iab", 1.0: "Ib", 1.5: "Ib-II", 2.0: "II", 2.5: "II-III",
               3.0: "III", 3.5: "III-IV", 4.0: "IV", 4.5: "IV-V", 5.0: "V"}


def _letter(code: float) -> str:
    for letter, limit in _LETTER_LIMITS:
        if code < limit:
            return letter
    raise ValueError(f"temperature code {code} is beyond M9 (MKCLASS codes run 0 to 50)")


def _subtype(code: float, letter: str) -> float:
    pts = [(c, s) for c, ltr, s in _ANCHORS if ltr == letter]
    codes = np.array([c for c, _ in pts])
    subs = np.array([s for _, s in pts])
    # below a letter's first anchor (e.g. M at 40.5-40.714) the first subtype holds
    return float(np.round(np.interp(code, codes, subs), 1))


def _fmt_subtype(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def decode_mkclass_name(name: str) -> dict:
    """Decode an MKCLASS standard's file name ``tTTTlLLpMM`` into its MK type.

    ``TTT / 10`` is MKCLASS's temperature code (0 = O3, 6 = O9, 7 = B0,
    7.7 = B0.7, 16 = A0, 23 = F0, 30 = G0, 34 = K0, 40.7 = M0, ...), ``LL / 10``
    the luminosity code (0 = Ia, 0.5 = Iab, 1 = Ib, 2 = II, 2.5 = II-III,
    3 = III, 4 = IV, 5 = V) and ``pMM`` (``mMM``) the metallicity +MM/10
    (-MM/10) dex, ``p00`` solar. The class letter follows MKCLASS's
    boundaries: O below 6.5, B below 15.7, A below 22.75, F below 29.5, G
    below 33.75, K below 40.5, else M; subtypes between MKCLASS's anchor
    codes are interpolated (to 0.1).

    Parameters
    ----------
    name : str
        File name or path; directories and the extension are ignored.

    Returns
    -------
    decoded : dict
        ``mk_class`` (letter), ``spectral_type`` (e.g. ``"O9"``),
        ``luminosity_class`` (e.g. ``"Ib"``), ``subclass`` (the full type,
        ``"O9 Ib"``), ``spectral_code``, ``luminosity_code``, ``metallicity``.

    Raises
    ------
    ValueError
        If the name does not have the ``tTTTlLLpMM`` form or a code is outside
        MKCLASS's ranges; the message names the file.

    Examples
    --------
    >>> from skspec.io import decode_mkclass_name
    >>> decode_mkclass_name("t060l10p00.rbn")["subclass"]
    'O9 Ib'
    >>> decode_mkclass_name("libnor36/t077l30p00.rbn")["subclass"]
    'B0.7 III'
    """
    base = os.path.basename(os.fspath(name))
    stem = base.split(".", 1)[0]
    match = _NAME.match(stem)
    if match is None:
        raise ValueError(
            f"{name}: the file name {stem!r} does not decode as an MKCLASS standard "
            "'tTTTlLLpMM' (e.g. t060l10p00 = O9 Ib, solar metallicity)"
        )
    code = int(match.group(1)) / 10.0
    lum_code = int(match.group(2)) / 10.0
    if code > 50.0:
        raise ValueError(
            f"{name}: temperature code {match.group(1)} ({code}) is beyond M9; "
            "MKCLASS codes run from t000 (O3) to t500"
        )
    if lum_code not in _LUMINOSITY:
        known = ", ".join(f"l{int(k * 10):02d}={v}" for k, v in _LUMINOSITY.items())
        raise ValueError(
            f"{name}: luminosity code l{match.group(2)} is not an MKCLASS luminosity "
            f"class ({known})"
        )
    letter = _letter(code)
    spectral_type = letter + _fmt_subtype(_subtype(code, letter))
    lum = _LUMINOSITY[lum_code]
    sign = 1.0 if match.group(3) == "p" else -1.0
    return {
        "mk_class": letter,
        "spectral_type": spectral_type,
        "luminosity_class": lum,
        "subclass": f"{spectral_type} {lum}",
        "spectral_code": code,
        "luminosity_code": lum_code,
        "metallicity": sign * int(match.group(4)) / 10.0,
    }


def _full_pixels(flux) -> np.ndarray:
    """Which pixels hold MKCLASS data over their whole width (along the last axis).

    Zero flux is MKCLASS's "no data". The pixels next to a run of zeros are only
    partly covered by the rebinned observation, and their flux is too low. Over
    the 286 files of both libraries, the first non-zero pixel has a median 0.41
    of the flux a few pixels on. The second is below half of it in 11 files at
    the blue end and 15 at the red end (t330l40p00 starts 0.006, 0.083,
    0.318, 0.319). So the :data:`_EDGE_PIXELS` pixels next to a zero count
    as no data too.
    """
    bad = np.asarray(flux) == 0
    near = bad.copy()
    for step in range(1, _EDGE_PIXELS + 1):
        near[..., step:] |= bad[..., :-step]  # after a zero
        near[..., :-step] |= bad[..., step:]  # before a zero
    return ~near


def _read_columns(fh, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse the two-column text, raising a ValueError naming the file and line."""
    wave, flux = [], []
    prev_line = None
    for lineno, raw in enumerate(fh, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("ascii")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{name}, line {lineno}: not ASCII text ({exc})") from exc
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        fields = text.split()
        if len(fields) != 2:
            raise ValueError(
                f"{name}, line {lineno}: expected 2 columns (wavelength, flux), "
                f"got {len(fields)}: {text[:60]!r}"
            )
        values = []
        for what, field in zip(("wavelength", "flux"), fields):
            try:
                value = float(field)
            except ValueError:
                raise ValueError(
                    f"{name}, line {lineno}: the {what} {field!r} is not a number"
                ) from None
            if not math.isfinite(value):
                raise ValueError(f"{name}, line {lineno}: the {what} {field!r} is not finite")
            values.append(value)
        if wave and values[0] <= wave[-1]:
            raise ValueError(
                f"{name}, line {lineno}: wavelength {values[0]} does not increase "
                f"(line {prev_line} has {wave[-1]})"
            )
        wave.append(values[0])
        flux.append(values[1])
        prev_line = lineno
    if len(wave) < 2:
        raise ValueError(
            f"{name}: {len(wave)} data line{'s' if len(wave) != 1 else ''}; an MKCLASS "
            "spectrum has two columns (wavelength, flux) on each of ~1800 lines"
        )
    return np.array(wave), np.array(flux)


def read_mkclass(source, *, vacuum: bool = True, name: str | None = None) -> SpectrumData:
    """Read an MKCLASS standard spectrum (two-column ASCII: wavelength, flux).

    The files of R. O. Gray's MKCLASS libraries (``libnor36``, ``libr36``,
    ...) have no header: each line holds an **air** wavelength in Angstrom and
    a flux. Zero flux means "no data" (the blue and red ends): those pixels
    are masked. The spectral type comes from the file name ``tTTTlLLpMM``
    (see :func:`decode_mkclass_name`). Wavelengths are converted to vacuum
    with :func:`air_to_vacuum` unless ``vacuum=False``. To read many files
    onto one grid: ``read_spectra(paths, grid=..., reader=read_mkclass)``.

    Parameters
    ----------
    source : str, path-like or file object
        The text file (a binary or text file object works too).
    vacuum : bool, default=True
        Return vacuum wavelengths (as the rest of skspec); False keeps air.
    name : str, default=None
        The file name to decode when ``source`` is a file object without a
        usable ``name`` attribute.

    Returns
    -------
    spectrum : SpectrumData
        ``flux`` (float32, as stored), ``ivar`` None, ``mask``,
        ``wavelength`` (Quantity, Angstrom) and ``meta`` with ``class``
        ("STAR"), ``subclass`` (e.g. ``"O9 Ib"``), ``mk_class``,
        ``spectral_type``, ``luminosity_class``, ``spectral_code``,
        ``luminosity_code``, ``metallicity``, ``object_id`` (the name stem,
        e.g. ``"t060l10p00"``), ``library`` (the folder, e.g. ``"libnor36"``),
        ``format`` ``"mkclass"``.

    Raises
    ------
    ValueError
        Naming the file (and the line where it applies): no such file, a line
        without exactly two columns, a value that is not a finite number, a
        wavelength that does not increase, fewer than two data lines, fewer
        than two pixels with data, a name that does not decode.

    Notes
    -----
    Zero flux is MKCLASS's "no data"; the files have it at both ends. The
    pixels next to a run of zeros are only partly covered, and their flux is
    too low: the first non-zero pixel of a file is at a median 0.41 of the
    flux after it. The runs of zeros at the ends are cut off, with the two
    pixels next to them, so the spectrum covers only the range where it has
    data. :func:`read_onto_grid` then refuses a grid beyond it
    (:class:`ShortCoverageError`) instead of filling the gap. Zeros inside
    the data (none in the published files) and their neighbours are kept
    and set in ``mask``.

    Examples
    --------
    >>> import io
    >>> from skspec.io import read_mkclass
    >>> rows = [(4000, 0.0), (4001, 0.2), (4002, 0.8), (4003, 1.0), (4004, 1.1),
    ...         (4005, 0.9), (4006, 0.7), (4007, 0.3), (4008, 0.0)]
    >>> text = "".join(f"{w:.1f} {f}\\n" for w, f in rows)
    >>> spec = read_mkclass(io.StringIO(text), name="t070l50p00.rbn")
    >>> spec.meta["subclass"], spec.meta["mk_class"], [round(float(f), 2) for f in spec.flux]
    ('B0 V', 'B', [1.0, 1.1, 0.9])
    >>> spec.wavelength.round(2)     # vacuum
    <Quantity [4004.13, 4005.13, 4006.13] Angstrom>
    """
    label = name if name is not None else source_name(source)
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise ValueError(f"{label}: no such file")
        with open(source, "rb") as fh:
            wave, flux = _read_columns(fh, label)
    elif isinstance(source, (io.IOBase,)) or hasattr(source, "read"):
        wave, flux = _read_columns(source, label)
    else:
        raise TypeError(
            f"read_mkclass needs a path or a file object, got {type(source).__name__}"
        )
    decoded = decode_mkclass_name(label)
    if not flux.any():
        raise ValueError(
            f"{label}: every flux value is 0 (MKCLASS's 'no data'), lines 1-{flux.size}: "
            "the file holds no spectrum"
        )
    full = _full_pixels(flux)
    if np.count_nonzero(full) < 2:
        raise ValueError(
            f"{label}: fewer than two pixels hold data over their whole width (zero flux is "
            f"MKCLASS's 'no data', and the {_EDGE_PIXELS} pixels next to it are only partly "
            "covered): the file holds no spectrum"
        )
    # the ends without data, and the partial pixels next to them, are not part of the spectrum
    first, last = np.flatnonzero(full)[[0, -1]]
    wave, flux, full = wave[first:last + 1], flux[first:last + 1], full[first:last + 1]
    base = os.path.basename(label)
    meta = {
        "class": "STAR",
        **decoded,
        "object_id": base.split(".", 1)[0],
        "library": os.path.basename(os.path.dirname(label)) or None,
        "flux_unit": None,
    }
    return make_spectrum(
        label, wave, flux, None, ~full, meta, vacuum_in=False, vacuum=vacuum, fmt="mkclass",
    )
