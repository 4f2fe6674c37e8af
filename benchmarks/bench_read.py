"""Read-path benchmark: time per file of the readers, new code against a baseline commit.

Usage::

    .venv/bin/python benchmarks/bench_read.py                       # ~1 min on 2 cores
    .venv/bin/python benchmarks/bench_read.py --baseline 1e8b8c6 --rounds 5 \\
        --files "../shared/data/raw/lamost_dr1/*.fits.gz"

The baseline is the package as it was at ``--baseline`` (default: the commit
before the one read path, issue 13/16/17), extracted with ``git archive``
into a temporary folder. Each round runs one fresh process per code version,
alternating baseline and new so that both see the same load, and each
process first reads every file once (imports, page cache) and then times:

- ``read_fits``: one :func:`skspec.io.read_fits` call per file (format
  detection, decompression, FITS parsing, metadata, checks);
- ``read_spectra``: :func:`skspec.io.read_spectra` over all the files onto
  the default grid (``max_bad_fraction=1.0`` so that no file is refused),
  per file: reading plus bad-pixel filling and flux-conserving resampling;
- ``astropy``: ``astropy.io.fits.open`` of the file plus reading every HDU's
  data (the new process only): the cost of the reference reader alone.

The median over rounds is reported, with the ratio baseline / new measured
in the same run. Every process also saves what it read; the script checks
that the baseline and the new code give identical arrays and metadata, and
that the new read_fits gives what plain astropy reads (flux, ivar, and the
wavelength from COEFF0/COEFF1). Results go to ``benchmarks/results/read.md``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "read.md"
DEFAULT_FILES = str(ROOT.parent / "shared" / "data" / "raw" / "lamost_dr1" / "*.fits.gz")
DEFAULT_BASELINE = "1e8b8c6"

_WORKER = r"""
import glob, json, sys, time, warnings
import numpy as np

paths, out, with_astropy = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
import skspec
from skspec.io import read_fits, read_spectra

def per_file(func):
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) / len(paths) * 1e3

def astropy_all():
    from astropy.io import fits
    for p in paths:
        with fits.open(p, memmap=False) as hdul:
            for hdu in hdul:
                hdu.data

read_spectra(paths, verbose=0, max_bad_fraction=1.0)  # warm: imports, page cache
times = {
    "read_fits": per_file(lambda: [read_fits(p) for p in paths]),
    "read_spectra": per_file(lambda: read_spectra(paths, verbose=0, max_bad_fraction=1.0)),
}
if with_astropy:
    astropy_all()
    times["astropy"] = per_file(astropy_all)
specs = [read_fits(p) for p in paths]
grid = read_spectra(paths, verbose=0, max_bad_fraction=1.0)
keys = ("class", "subclass", "mk_class", "object_id", "obsid", "snr", "format", "source_file")
np.savez(out, grid=grid.flux, flux=np.concatenate([s.flux for s in specs]),
         ivar=np.concatenate([s.ivar for s in specs]),
         wave=np.concatenate([s.wavelength.to_value("AA") for s in specs]),
         mask=np.concatenate([s.mask for s in specs]),
         meta=json.dumps([{k: s.meta.get(k) for k in keys} for s in specs], default=str),
         grid_meta=json.dumps([{k: m.get(k) for k in keys + ("n_bad",)} for m in grid.meta],
                              default=str))
print(json.dumps({"times": times, "skspec": skspec.__file__}))
"""


def _extract(rev: str, where: Path) -> Path:
    """The ``skspec`` package at ``rev`` in ``where`` (git archive, no checkout)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "skspec"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def _run(code_dir: Path, paths: list[str], out: Path, with_astropy: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code_dir), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", _WORKER, json.dumps(paths), str(out),
                           "1" if with_astropy else "0"], env=env, cwd=tempfile.gettempdir(),
                          check=True, capture_output=True, text=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if not result["skspec"].startswith(str(code_dir)):
        raise RuntimeError(f"imported {result['skspec']}, not the code in {code_dir}")
    return result["times"]


def _astropy_reference(paths: list[str]):
    """flux, ivar and COEFF wavelength of LAMOST image files read with plain astropy."""
    import numpy as np
    from astropy.io import fits

    flux, ivar, wave = [], [], []
    for p in paths:
        with fits.open(p) as hdul:
            hdr, data = hdul[0].header, hdul[0].data
            flux.append(data[0])
            ivar.append(data[1])
            wave.append(10 ** (hdr["COEFF0"] + hdr["COEFF1"] * np.arange(data.shape[1])))
    return np.concatenate(flux), np.concatenate(ivar), np.concatenate(wave)


def _compare(old: Path, new: Path, paths: list[str]) -> list[str]:
    import numpy as np

    a, b = np.load(old), np.load(new)
    lines = []
    for key in ("grid", "flux", "ivar", "wave", "mask"):
        same = a[key].shape == b[key].shape and np.array_equal(a[key], b[key], equal_nan=True)
        lines.append(f"- baseline and new `{key}` identical: {same}")
    for key in ("meta", "grid_meta"):
        lines.append(f"- baseline and new `{key}` identical: {str(a[key]) == str(b[key])}")
    try:
        flux, ivar, wave = _astropy_reference(paths)
        lines.append("- new read_fits equals plain astropy (flux, ivar, COEFF wavelength): "
                     f"{np.array_equal(b['flux'], flux) and np.array_equal(b['ivar'], ivar)}"
                     f" / {np.allclose(b['wave'], wave, rtol=1e-12, atol=0)}")
    except (KeyError, IndexError, TypeError):  # not LAMOST image files
        lines.append("- astropy reference check: skipped (not LAMOST image files)")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", default=DEFAULT_FILES, help="glob of files to read")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare to")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    paths = sorted(glob.glob(args.files))
    if not paths:
        parser.error(f"no files match {args.files}")
    sys.path.insert(0, str(ROOT))
    from skspec.utils._machine import describe_machine

    new_rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "skspec"],
                           capture_output=True, text=True).stdout.strip()
    times: dict = {"baseline": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "baseline").mkdir()
        base_dir = _extract(args.baseline, tmp / "baseline")
        for r in range(args.rounds):
            times["baseline"].append(_run(base_dir, paths, tmp / "old.npz", False))
            times["new"].append(_run(ROOT, paths, tmp / "new.npz", True))
            print(f"round {r + 1}: baseline {times['baseline'][-1]}, new {times['new'][-1]}",
                  flush=True)
        checks = _compare(tmp / "old.npz", tmp / "new.npz", paths)

    def median(version, key):
        return statistics.median(t[key] for t in times[version])

    def ratios(key):  # paired: the two processes of one round ran back to back
        return [old[key] / new[key] for old, new in zip(times["baseline"], times["new"])]

    rows = [
        f"| `{key}` | {median('baseline', key):.2f} | {median('new', key):.2f} | "
        f"{statistics.median(ratios(key)):.2f}x ({min(ratios(key)):.2f}-{max(ratios(key)):.2f}) |"
        for key in ("read_fits", "read_spectra")
    ]
    text = "\n".join([
        "# Read path: time per file, new code against the baseline, one run",
        "",
        f"Machine: {describe_machine()} (shared and noisy: compare the ratios, "
        "measured in the same run, alternating processes, not the absolute times).",
        f"Files: {len(paths)} x `{args.files.replace(str(ROOT.parent), '..')}`. "
        f"Baseline: `{args.baseline}`; new: `{new_rev}`{' + uncommitted changes' if dirty else ''}. "
        f"Median of {args.rounds} rounds, each a fresh process per version after a warm-up pass; "
        f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. "
        "Command: `python benchmarks/bench_read.py`.",
        "",
        "| step | baseline ms/file | new ms/file | speed-up: median of the rounds' ratios (range) |",
        "|---|---|---|---|",
        *rows,
        f"| `astropy.io.fits.open` + every HDU's data (reference reader alone) | | "
        f"{median('new', 'astropy'):.2f} | |",
        "",
        "Identical results:",
        "",
        *checks,
        "",
        "What changed: the whole file is read and gzip-decompressed in memory (an incomplete "
        "stream is reported as truncated); plain survey FITS files (a primary image or no "
        "data, binary tables of numeric columns) are parsed by `skspec.io._fastfits`, whose "
        "header values are parsed only when a reader asks for them; anything else goes to "
        "astropy as before; the resampling bookkeeping (bin edges, indices) is reused from "
        "the previous file when the pixels are the same (a LAMOST plate).",
        "",
    ])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
