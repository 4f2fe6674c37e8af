"""iter_paths on hostile folders: link loops, two links to one file, unlistable folders."""

import os
import pickle
import shutil

import pytest

from skspec.survey import iter_paths, predict_files


@pytest.fixture(scope="module")
def sample():
    from skspec.datasets import load_lamost_samples

    return load_lamost_samples().filenames[0]


@pytest.fixture(scope="module")
def model():
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import make_pipeline

    from skspec.datasets import load_obafgkm
    from skspec.preprocessing import FluxNormalizer

    spectra = load_obafgkm()
    return make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, spectra.target)


@pytest.fixture
def looped(tmp_path, sample):
    """d/a.fits.gz, d/self -> d, d/l1.fits -> d/l2.fits -> d/l1.fits, d/twin.fits.gz -> a."""
    d = tmp_path / "d"
    d.mkdir()
    shutil.copy(sample, d / "a.fits.gz")
    (d / "self").symlink_to(d)
    (d / "l1.fits").symlink_to(d / "l2.fits")
    (d / "l2.fits").symlink_to(d / "l1.fits")
    (d / "twin.fits.gz").symlink_to(d / "a.fits.gz")
    return d


def test_link_loops_yield_each_file_once_and_report_the_loop(looped):
    paths = list(iter_paths(looped))
    real = str(looped / "a.fits.gz")
    assert paths.count(real) == 1
    loops = [p for p in paths if getattr(p, "error", None)]
    assert sorted(os.path.basename(p) for p in loops) == ["l1.fits", "l2.fits"]
    assert all("symbolic links" in p.error for p in loops)
    assert len(paths) == 3
    restored = pickle.loads(pickle.dumps(loops[0]))  # through the worker pool
    assert restored == loops[0] and restored.error == loops[0].error


def test_two_links_to_one_folder_and_a_glob_give_one_row_each(tmp_path, looped):
    (tmp_path / "other").symlink_to(looped)
    assert list(iter_paths([tmp_path / "other"])).count(str(looped / "a.fits.gz")) == 1
    found = list(iter_paths(str(tmp_path / "**" / "*.fits.gz")))
    assert found == [str(looped / "a.fits.gz")]


def test_predict_reports_the_loop_and_goes_on(model, looped, tmp_path):
    out = tmp_path / "c.csv"
    summary = predict_files(model, looped, out, verbose=0)
    assert summary.n_files == 3 and summary.n_classified == 1
    again = predict_files(model, looped, out, verbose=0)  # resume gets past it too
    assert again.n_files == 0 and again.n_skipped == 3


def test_a_link_loop_given_as_input_says_so(tmp_path):
    (tmp_path / "l1").symlink_to(tmp_path / "l2")
    (tmp_path / "l2").symlink_to(tmp_path / "l1")
    with pytest.raises(FileNotFoundError, match="cannot be followed: Too many levels"):
        list(iter_paths(tmp_path / "l1"))


def test_a_folder_that_cannot_be_listed_is_a_row(tmp_path, sample, monkeypatch):
    (tmp_path / "closed").mkdir()
    shutil.copy(sample, tmp_path / "a.fits.gz")
    scandir = os.scandir

    def refuse(path):  # as chmod 0 does for a user other than root
        if os.path.basename(path) == "closed":
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    paths = list(iter_paths(tmp_path))
    assert [getattr(p, "error", "") for p in paths].count("") == 1
    assert any("Permission denied" in getattr(p, "error", "") for p in paths)
