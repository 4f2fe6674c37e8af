"""Build skspec/datasets/data/mk_standards.npz from MKCLASS's standard libraries.

Usage (from the repository root)::

    python scripts/build_mk_standards.py [RAW_DIR]

``RAW_DIR`` defaults to ``../shared/data/raw/mkclass`` (or ``../../shared/...``):
the NutMaat repository's ``NutMaat/resources/libnor36/`` and ``libr36/`` (commit
cc377d2, MIT), unmodified.
Every ``*.rbn`` file is parsed by :func:`skspec.io.read_mkclass`'s own column
reader, and its name decoded by :func:`skspec.io.decode_mkclass_name`, so a
malformed file stops the build with its name and line. The table stores the
whole file (float32; the files carry 7 significant digits), zeros ("no data")
included, on the files' common air grid 3800-5599 A at 1 A/px (``read_mkclass``
itself cuts each file's ends without data). :func:`skspec.datasets.load_mk_standards`
masks the zeros and the partly covered pixels next to them, and resamples, at
load time. The output is byte-identical on re-run.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sys
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from skspec.io import decode_mkclass_name  # noqa: E402
from skspec.io._mkclass import _read_columns  # noqa: E402

OUT = os.path.join(ROOT, "skspec", "datasets", "data", "mk_standards.npz")
LICENCE_OUT = os.path.join(ROOT, "skspec", "datasets", "data", "LICENSE_NutMaat.txt")


def _library(raw: str, lib: str):
    files = sorted(glob.glob(os.path.join(raw, lib, "*.rbn")))
    if not files:
        raise SystemExit(f"no {lib}/*.rbn files under {raw}")
    wave, rows, names = None, [], []
    for path in files:
        with open(path, "rb") as fh:
            w, flux = _read_columns(fh, path)
        decode_mkclass_name(path)  # a name that does not decode stops the build
        if wave is None:
            wave = w
        elif w.shape != wave.shape or not np.array_equal(w, wave):
            raise SystemExit(f"{path}: its wavelength grid differs from {files[0]}'s")
        rows.append(flux)
        names.append(os.path.basename(path).split(".", 1)[0])
    return wave, np.vstack(rows).astype(np.float32), np.array(names)


def _write_npz(path: str, arrays: dict) -> None:
    """Like np.savez_compressed, but with fixed zip timestamps (byte-identical re-runs)."""
    import io

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, value in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def main(raw: str) -> None:
    wave_n, flux_n, names_n = _library(raw, "libnor36")
    wave_r, flux_r, names_r = _library(raw, "libr36")
    if not np.array_equal(wave_n, wave_r):
        raise SystemExit("libnor36 and libr36 have different wavelength grids")
    missing = sorted(set(names_r) - set(names_n))
    if missing:
        raise SystemExit(f"libr36 holds standards that libnor36 lacks: {missing}")
    _write_npz(OUT, {
        "wavelength_air": wave_n,
        "normalised_flux": flux_n,
        "normalised_name": names_n,
        "rectified_flux": flux_r,
        "rectified_name": names_r,
    })
    shutil.copyfile(os.path.join(raw, "LICENSE_NutMaat.txt"), LICENCE_OUT)
    with open(OUT, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:16]
    print(f"wrote {OUT}: {len(names_n)} libnor36 + {len(names_r)} libr36 spectra, "
          f"{os.path.getsize(OUT) / 1e6:.2f} MB, sha256 {digest}")


if __name__ == "__main__":
    # ../shared beside a checkout, or ../../shared beside a worktree under wt/
    candidates = [os.path.join(ROOT, *up, "shared", "data", "raw", "mkclass")
                  for up in ((os.pardir,), (os.pardir, os.pardir))]
    default = next((c for c in candidates if os.path.isdir(c)), candidates[0])
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.abspath(default))
