"""``skspec train``: every --model choice saves a model that ``skspec predict`` serves;
a bad output is refused before the (long) fit."""

import csv

import numpy as np

import pytest

from skspec import load_model
from skspec.cli import main


@pytest.fixture(scope="module")
def samples():
    from skspec.datasets import load_lamost_samples

    return [str(p) for p in load_lamost_samples().filenames]


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name, last", [("rf", "RandomForestClassifier"), ("svc", "SVC")])
def test_train_model_choice_is_served_by_predict(samples, tmp_path, name, last):
    model_path, out = tmp_path / f"{name}.skspec", tmp_path / "cat.csv"
    assert main(["train", "--model", name, "--quick", "--data", "ofgk",
                 "-o", str(model_path)]) == 0
    model = load_model(model_path)
    assert type(model).__name__ == "RareClassThreshold"  # the O decision rule, saved
    assert type(model.estimator_.steps[-1][1]).__name__ == last
    assert type(model.novelty_).__name__ == "NoveltyDetector"  # in the same file
    # the configuration benchmarks/results/novelty.md chose, on the training grid
    from skspec.survey._cli import NOVELTY_PARAMS

    params = model.novelty_.get_params()
    assert {k: params[k] for k in NOVELTY_PARAMS} == NOVELTY_PARAMS
    assert params["features"] == "rectified" and params["local_scale"] is True
    assert np.asarray(params["wavelength"]).size == model.novelty_.n_features_in_
    assert 0 <= model.threshold_ <= 1
    assert list(model.classes_) == ["F", "G", "K", "O"]
    assert main(["predict", str(model_path), *samples, "-o", str(out), "-q"]) == 0
    rows = _rows(out)
    assert len(rows) == len(samples)
    assert {r["pred_class"] for r in rows} <= {"F", "G", "K", "O"}
    assert all(r["pred_class"] for r in rows)  # the bundled samples all classify
    assert all(r["is_candidate"] in ("True", "False") and r["unknown"] in ("True", "False")
               for r in rows)
    if name == "rf":
        assert model.estimator_.steps[-1][1].n_estimators == 30  # --quick


class _Spy:
    """Stands for the pipeline: records whether anything was fitted."""

    fitted = False
    steps = [("spy", None)]

    def fit(self, X, y):
        type(self).fitted = True
        raise AssertionError("the output should have been refused before fitting")


@pytest.fixture
def spy(monkeypatch):
    from skspec.survey import _cli

    _Spy.fitted = False
    monkeypatch.setattr(_cli, "recommended_pipeline", lambda y, **kw: _Spy())
    return _Spy


def test_directory_output_is_refused_before_fitting(spy, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "kept.skspec").write_bytes(b"a model the user saved")
    with pytest.raises(SystemExit, match="models is a directory"):
        main(["train", "--overwrite", "-o", str(folder)])
    assert not spy.fitted
    assert (folder / "kept.skspec").read_bytes() == b"a model the user saved"


def test_existing_file_is_refused_before_fitting(spy, tmp_path):
    path = tmp_path / "m.skspec"
    path.write_bytes(b"a model the user saved")
    with pytest.raises(SystemExit, match="exists: pass --overwrite"):
        main(["train", "-o", str(path)])
    assert not spy.fitted and path.read_bytes() == b"a model the user saved"


def test_output_under_a_file_is_refused_before_fitting(spy, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit, match="is not a directory"):
        main(["train", "-o", str(tmp_path / "file" / "m.skspec")])
    assert not spy.fitted


def test_unwritable_folder_is_refused_before_fitting(spy, tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    with pytest.raises(SystemExit, match="no permission"):
        main(["train", "-o", str(folder / "m.skspec")])
    assert not spy.fitted


def test_default_data_is_every_real_spectrum_on_the_blue_violet_grid(samples, tmp_path):
    # issue 14 item 3: the default model is the blue-violet O/B one (load_real_spectra, 28 O)
    # and predict resamples a LAMOST DR1 spectrum onto that grid
    model_path, out = tmp_path / "blue.skspec", tmp_path / "cat.csv"
    assert main(["train", "--model", "svc", "--quick", "-o", str(model_path)]) == 0
    model = load_model(model_path)
    grid = np.asarray(getattr(model.wavelength_, "value", model.wavelength_))
    assert 3890 < grid[0] < 3910 and 5490 < grid[-1] < 5510
    assert list(model.classes_) == ["A", "B", "F", "G", "K", "M", "O"]
    assert main(["predict", str(model_path), *samples, "-o", str(out), "-q"]) == 0
    rows = _rows(out)
    assert len(rows) == len(samples) and all(r["pred_class"] for r in rows)


def test_train_passes_the_grid_to_the_recommended_pipeline(monkeypatch, tmp_path):
    from skspec.survey import _cli

    seen = {}

    class Stop(Exception):
        pass

    def fake(y, **kw):
        seen.update(kw)
        raise Stop  # the pipeline's configuration is what this test is about

    monkeypatch.setattr(_cli, "recommended_pipeline", fake)
    with pytest.raises(Stop):
        main(["train", "-o", str(tmp_path / "m.skspec")])
    assert seen["wavelength"].size == 1493  # load_real_spectra's grid, the default data
