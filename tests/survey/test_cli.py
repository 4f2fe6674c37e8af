"""``skspec predict`` and the command line's conventions: one-line errors, exit codes."""

import sys

import numpy as np
import pytest

from skspec.cli import main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import make_pipeline

    from skspec import save_model
    from skspec.datasets import load_obafgkm
    from skspec.preprocessing import FluxNormalizer

    spectra = load_obafgkm()
    model = make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, spectra.target)
    path = tmp_path_factory.mktemp("model") / "m.skspec"
    return save_model(model, path, wavelength=spectra.wavelength)


@pytest.fixture(scope="module")
def sample():
    from skspec.datasets import load_lamost_samples

    return load_lamost_samples().filenames[0]


def _fails(capsys, argv, code=1):
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines and lines[-1].startswith("skspec predict: error: "), err
    return lines[-1]


def test_expected_failures_are_one_line_and_exit_1(model_file, sample, tmp_path, capsys):
    line = _fails(capsys, ["predict", str(tmp_path / "nope.skspec"), sample, "-o",
                           str(tmp_path / "c.csv")])
    assert "nope.skspec" in line
    line = _fails(capsys, ["predict", str(model_file), str(tmp_path / "typo"), "-o",
                           str(tmp_path / "c.csv")])
    assert "'" + str(tmp_path / "typo") + "' is not a file, a folder" in line
    (tmp_path / "file").write_text("")
    _fails(capsys, ["predict", str(model_file), sample, "-o", str(tmp_path / "file" / "c.csv")])
    (tmp_path / "dir.csv").mkdir()
    line = _fails(capsys, ["predict", str(model_file), sample, "-o", str(tmp_path / "dir.csv")])
    assert "is a directory" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.csv", "file"]  # no litter


def test_a_file_that_is_not_a_catalogue_is_refused_cleanly(model_file, sample, tmp_path,
                                                           capsys):
    from astropy.io import fits

    out = tmp_path / "image.fits"
    fits.PrimaryHDU(np.zeros((4, 4))).writeto(out)
    line = _fails(capsys, ["predict", str(model_file), sample, "-o", str(out)])
    assert "is not a readable catalogue" in line and "--no-resume" in line
    assert "resume=False" not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.fits"]
    (tmp_path / "other.csv").write_text("file,pred_class,prob_X\n")
    line = _fails(capsys, ["predict", str(model_file), sample, "-o", str(tmp_path / "other.csv")])
    assert "other columns" in line and "--no-resume" in line and "resume=False" not in line


def test_usage_errors_exit_2(model_file, sample, tmp_path, capsys):
    for value in ("1.5", "-0.1", "x"):
        with pytest.raises(SystemExit) as exit_:
            main(["predict", str(model_file), sample, "-o", str(tmp_path / "c.csv"),
                  "--max-bad-fraction", value])
        assert exit_.value.code == 2
        assert "--max-bad-fraction" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["predict", str(model_file), sample, "-o", "c.csv", "--batch-size", "0"])
    assert exit_.value.code == 2
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: skspec") and "a command is required" in err


def test_a_missing_optional_package_names_the_extra(model_file, sample, tmp_path, capsys,
                                                    monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    line = _fails(capsys, ["predict", str(model_file), sample, "-o", str(tmp_path / "c.parquet")])
    assert "pip install 'skspec[parquet]'" in line
    assert not list(tmp_path.iterdir())


def test_a_command_whose_module_needs_a_missing_package_is_shown_and_says_so(capsys,
                                                                            monkeypatch):
    import importlib

    from skspec import cli

    real = importlib.import_module

    def no_dask(name, *args):
        if name == "skspec.experiments._cli":
            raise ModuleNotFoundError("No module named 'dask'", name="dask")
        return real(name, *args)

    monkeypatch.setattr(cli.importlib, "import_module", no_dask)
    assert main(["reproduce", "--mode", "quick"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "skspec reproduce: error: this command needs dask: " \
                          "pip install 'skspec[dask]'"


def test_success_prints_no_usage(model_file, sample, tmp_path, capsys):
    assert main(["predict", str(model_file), sample, "-o", str(tmp_path / "c.csv"), "-q"]) == 0
    out, err = capsys.readouterr()
    assert "usage" not in out + err
