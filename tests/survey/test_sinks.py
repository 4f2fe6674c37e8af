"""Catalogue writers: no pandas needed, FITS-legal strings, one writer at a time."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code, *, timeout=120, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd)


HIDE_PANDAS = """
    import sys

    class Hide:  # as on a plain `pip install .`: no pandas to find or import
        def __init__(self, finder):
            self.finder = finder

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] != "pandas" and hasattr(self.finder, "find_spec"):
                return self.finder.find_spec(name, path, target)

    sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import make_pipeline
    from skspec.datasets import load_lamost_samples, load_obafgkm
    from skspec.preprocessing import FluxNormalizer
    from skspec.survey import _predict, predict_files
    spectra = load_obafgkm()
    model = make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, spectra.target)
    files = load_lamost_samples().filenames
"""


def test_csv_and_fits_catalogues_resume_without_pandas(tmp_path):
    result = _run(HIDE_PANDAS + f"""
    for name in ("cat.csv", "cat.fits"):
        out = {str(tmp_path)!r} + "/" + name
        first = predict_files(model, files[:3], out, verbose=0)
        second = predict_files(model, files, out, verbose=0)  # resume
        print(name, first.n_files, second.n_files, second.n_skipped)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["cat.csv 3 4 3", "cat.fits 3 4 3"]
    from astropy.table import Table

    table = Table.read(tmp_path / "cat.fits")
    table.convert_bytestring_to_unicode()
    assert len(table) == 7 and len(set(table["file"])) == 7
    assert not (tmp_path / "cat.fits.partial.csv").exists()


def test_in_memory_catalogue_without_pandas_fails_before_reading(tmp_path):
    result = _run(HIDE_PANDAS + """
    def never(*args):
        raise AssertionError("a file was read")
    _predict._read_one = never
    try:
        predict_files(model, files, verbose=0)
    except ImportError as exc:
        print("ImportError:", exc)
    """)
    assert result.returncode == 0, result.stderr
    assert "ImportError:" in result.stdout and "pandas" in result.stdout
    assert "skspec[pandas]" in result.stdout
