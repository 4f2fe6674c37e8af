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


SLOW_WRITER = HIDE_PANDAS.replace("sys.meta_path[:] =", "_ = ") + """
    import os
    import time
    classify = _predict._classify
    out, go = sys.argv[1], sys.argv[1] + ".go"

    def held(*args):  # a long survey run: holds on until the test says go
        while not os.path.exists(go):
            time.sleep(0.05)
        return classify(*args)

    _predict._classify = held
    try:
        summary = predict_files(model, files, out, verbose=0, batch_size=2)
        print("wrote", summary.n_files)
    except RuntimeError as exc:
        print("refused:", exc)
"""


def _start(code, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("suffix", [".csv", ".fits"])
def test_a_second_writer_is_refused_while_the_first_runs(tmp_path, suffix):
    import time

    out = tmp_path / f"cat{suffix}"
    first = second = _start(SLOW_WRITER, str(out))
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / f"cat{suffix}.lock").exists():  # the first run has started
            assert first.poll() is None and time.monotonic() < deadline, "no lock file"
            time.sleep(0.05)
        second = _start(SLOW_WRITER, str(out))
        out2, err2 = second.communicate(timeout=30)
        (tmp_path / f"cat{suffix}.go").touch()
        out1, err1 = first.communicate(timeout=30)
    finally:
        first.kill()
        second.kill()
    assert "refused:" in out2 and "being written by another run (process" in out2, err2
    assert out1.strip() == "wrote 7", err1
    if suffix == ".csv":
        lines = out.read_text().splitlines()
        assert len(lines) == 8 and len(set(lines)) == 8
    assert not (tmp_path / f"cat{suffix}.lock").exists()


def test_a_killed_writer_does_not_block_the_next(tmp_path):
    import signal
    import time

    out = tmp_path / "cat.csv"
    first = _start(SLOW_WRITER, str(out))
    deadline = time.monotonic() + 30
    try:
        while not (tmp_path / "cat.csv.lock").exists():
            assert first.poll() is None and time.monotonic() < deadline, "no lock file"
            time.sleep(0.05)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert (tmp_path / "cat.csv.lock").exists()  # left behind, but no longer locked
    (tmp_path / "cat.csv.go").touch()
    second = _start(SLOW_WRITER, str(out))
    out2, err2 = second.communicate(timeout=60)
    assert out2.strip() == "wrote 7", err2


@pytest.fixture(scope="module")
def starry():
    """A model whose class labels are not ASCII ("O star ✱")."""
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import make_pipeline

    from skspec.datasets import load_obafgkm
    from skspec.preprocessing import FluxNormalizer

    spectra = load_obafgkm()
    y = np.where(spectra.target == "O", "O star ✱", spectra.target)
    return make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, y)


def test_fits_catalogue_holds_non_ascii_paths_errors_and_labels(starry, tmp_path):
    import shutil

    from astropy.io import fits

    from skspec.datasets import load_lamost_samples
    from skspec.survey import catalogue_columns
    from skspec.survey._sinks import _read_catalogue_chunks

    folder = tmp_path / "dir é"
    folder.mkdir()
    files = load_lamost_samples().filenames
    for f in files[:3]:
        shutil.copy(f, folder)
    (folder / "bad ✱.fits").write_text("pas un fichier FITS: 100 % texte\n")
    out = tmp_path / "cat.fits"
    from skspec.survey import predict_files

    assert predict_files(starry, folder, out, verbose=0, batch_size=2).n_files == 4
    shutil.copy(files[3], folder)
    assert predict_files(starry, folder, out, verbose=0).n_files == 1  # resume decodes
    header = fits.getheader(out, "CATALOG")
    assert header["SKNAMES"] == "percent-encoded UTF-8" and header["SKENC1"] == header["SKNAMES"]
    columns = catalogue_columns(list(starry.classes_))
    rows = [r for chunk in _read_catalogue_chunks(out, columns) for r in chunk]
    assert len(rows) == 5 and all(r["file"].startswith(str(folder)) for r in rows)
    assert "prob_O star ✱" in rows[0] and len({r["file"] for r in rows}) == 5
    bad = [r for r in rows if r["file"].endswith("bad ✱.fits")]
    assert len(bad) == 1 and bad[0]["flags"] == "unreadable"


def test_a_label_fits_cannot_hold_is_refused_before_reading(starry, tmp_path, monkeypatch):
    from skspec.survey import _predict, predict_files

    monkeypatch.setattr(starry[-1], "classes_", np.array(["x" * 70, "y"]))
    monkeypatch.setattr(_predict, "_read_one", lambda *a: pytest.fail("a file was read"))
    with pytest.raises(ValueError, match="cannot hold the column name 'prob_xxx"):
        predict_files(starry, ROOT / "skspec", tmp_path / "cat.fits", verbose=0)
    assert not list(tmp_path.iterdir())
