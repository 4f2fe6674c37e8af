"""predict_files and ``skspec predict``: good, corrupt and non-FITS files, resume, outputs."""

import gzip
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from skspec.survey import catalogue_columns, iter_paths, predict_files
from skspec.survey import _predict

CLASSES = ["A", "B", "F", "G", "K", "M", "O"]


@pytest.fixture(scope="module")
def model():
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import make_pipeline

    from skspec.datasets import load_obafgkm
    from skspec.preprocessing import FluxNormalizer

    spectra = load_obafgkm()
    return make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, spectra.target)


@pytest.fixture(scope="module")
def samples():
    from skspec.datasets import load_lamost_samples

    return load_lamost_samples().filenames


@pytest.fixture
def mixed(tmp_path, samples):
    """A folder: 3 good LAMOST files, a truncated one, a text file named .fits, a README."""
    folder = tmp_path / "spectra"
    (folder / "night2").mkdir(parents=True)
    for src in samples[:2]:
        shutil.copy(src, folder)
    shutil.copy(samples[5], folder / "night2")
    data = gzip.decompress(open(samples[0], "rb").read())
    (folder / "truncated.fits").write_bytes(data[:5000])
    (folder / "notes.fits").write_text("this is not a FITS file\n")
    (folder / "README.md").write_text("not a spectrum, not named like one: ignored\n")
    return folder


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_folder_of_good_corrupt_and_non_fits_files(model, mixed, tmp_path):
    out = tmp_path / "catalogue.csv"
    summary = predict_files(model, [mixed], out, verbose=0)
    cat = _read(out)
    assert list(cat.columns) == catalogue_columns(CLASSES)
    assert summary.n_files == len(cat) == 5  # README.md is not walked
    names = cat["file"].map(os.path.basename)
    good = cat[~cat["flags"].str.contains("unreadable")]
    assert len(good) == 3 and names[good.index].str.endswith(".fits.gz").all()
    assert good["pred_class"].isin(CLASSES).all()
    assert (good[[f"prob_{c}" for c in CLASSES]].astype(float).sum(axis=1).round(6) == 1).all()
    bad = cat[cat["flags"] == "unreadable"]
    assert sorted(names[bad.index]) == ["notes.fits", "truncated.fits"]
    assert (bad["pred_class"] == "").all() and (bad["error"].str.len() > 0).all()
    assert summary.n_classified == 3


def test_rows_hold_ids_snr_and_survey_labels(model, samples):
    cat = predict_files(model, samples, verbose=0)
    assert len(cat) == 7
    assert cat["object_id"].str.startswith("LAMOST J").all()
    assert (cat["snr"] > 0).all()
    assert cat["obsid"].iloc[-1] == "677503031" and cat["format"].eq("lamost").all()
    assert cat["survey_subclass"].iloc[0] == "F9"


def test_nan_heavy_flag_follows_max_bad_fraction(model, samples):
    cat = predict_files(model, samples, verbose=0)
    heavy = cat["flags"].str.contains("nan_heavy")
    assert heavy.any() and (cat.loc[heavy, "bad_fraction"] > 0.1).all()
    assert (cat.loc[heavy, "pred_class"] != "").all()  # still classified
    relaxed = predict_files(model, samples, verbose=0, max_bad_fraction=1.0)
    assert (relaxed["flags"] == "").all()


def test_short_coverage_is_flagged_not_classified(model, samples):
    red_grid = np.geomspace(8000.0, 9800.0, 2782)  # LAMOST stops near 9090 A
    cat = predict_files(model, samples[:2], verbose=0, wavelength=red_grid)
    assert cat["flags"].str.contains("short_coverage").all()
    assert (cat["pred_class"] == "").all() and cat["prob_O"].isna().all()
    assert cat["error"].str.contains("covers").all()


def test_resume_after_interruption_writes_no_duplicates(model, samples, tmp_path, monkeypatch):
    out = tmp_path / "catalogue.csv"
    calls = {"n": 0}
    classify = _predict._classify

    def crash_on_second_batch(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return classify(*args)

    monkeypatch.setattr(_predict, "_classify", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        predict_files(model, samples, out, batch_size=2, verbose=0)
    assert len(_read(out)) == 2
    with open(out, "a") as fh:  # a row cut in half by the kill
        fh.write("/half/written/row.fits,LAMOST J")
    monkeypatch.undo()

    summary = predict_files(model, samples, out, batch_size=2, verbose=0)
    cat = _read(out)
    assert summary.n_skipped == 2 and summary.n_files == 5
    assert len(cat) == 7 and cat["file"].is_unique
    assert set(cat["file"]) == {os.path.abspath(p) for p in samples}
    assert predict_files(model, samples, out, verbose=0).n_files == 0  # nothing left to do


def test_resume_false_replaces_the_catalogue(model, samples, tmp_path):
    out = tmp_path / "catalogue.csv"
    predict_files(model, samples, out, verbose=0)
    predict_files(model, samples[:2], out, verbose=0, resume=False)
    assert len(_read(out)) == 2


def test_resume_refuses_a_catalogue_of_another_model(model, samples, tmp_path):
    out = tmp_path / "catalogue.csv"
    out.write_text("file,pred_class,prob_X\n")
    with pytest.raises(ValueError, match="other columns"):
        predict_files(model, samples, out, verbose=0)


@pytest.mark.parametrize("suffix", [".parquet", ".fits"])
def test_fits_and_parquet_catalogues_resume(model, samples, tmp_path, monkeypatch, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"catalogue{suffix}"
    predict_files(model, samples[:3], out, verbose=0)
    assert out.exists() and not (tmp_path / f"catalogue{suffix}.partial.csv").exists()

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_predict, "_classify", crash)
    with pytest.raises(KeyboardInterrupt):  # interrupted: the partial file stays
        predict_files(model, samples, out, verbose=0)
    assert (tmp_path / f"catalogue{suffix}.partial.csv").exists()
    monkeypatch.undo()

    summary = predict_files(model, samples, out, verbose=0)
    assert summary.n_skipped == 3 and summary.n_files == 4
    if suffix == ".parquet":
        cat = pd.read_parquet(out)
    else:
        from astropy.table import Table

        table = Table.read(out)
        table.convert_bytestring_to_unicode()
        cat = table.to_pandas()
    assert list(cat.columns) == catalogue_columns(CLASSES)
    assert len(cat) == 7 and cat["file"].is_unique
    assert cat["pred_class"].isin(CLASSES).all()
    assert cat["prob_O"].dtype == np.float64


def _spy_in_flight(monkeypatch):
    in_flight = []
    bounded_map = _predict._bounded_map

    def spy(executor, func, chunks, max_in_flight):
        in_flight.append((func.__name__, max_in_flight))
        return bounded_map(executor, func, chunks, max_in_flight)

    monkeypatch.setattr(_predict, "_bounded_map", spy)
    return in_flight


def test_worker_pool_gives_the_serial_rows(model, mixed, monkeypatch):
    in_flight = _spy_in_flight(monkeypatch)
    serial = predict_files(model, [mixed], verbose=0, batch_size=2)
    pooled = predict_files(model, [mixed], verbose=0, n_jobs=2, chunk_size=1, batch_size=2)
    pd.testing.assert_frame_equal(serial, pooled)
    # a CPU model goes to the workers: each reads and classifies whole batches (the
    # serial path's batches, so the same rows), two per worker in flight
    assert in_flight == [("_predict_chunk", 2 * 2)]


def test_worker_pool_reads_only_for_a_model_that_cannot_travel(model, mixed, monkeypatch):
    # a lambda cannot be pickled to a worker (a model on a GPU stays here too): the
    # workers then only read, and this process classifies
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    local = make_pipeline(FunctionTransformer(lambda X: X), model)
    in_flight = _spy_in_flight(monkeypatch)
    serial = predict_files(local, [mixed], verbose=0, batch_size=2)
    pooled = predict_files(local, [mixed], verbose=0, n_jobs=2, chunk_size=1, batch_size=2)
    pd.testing.assert_frame_equal(serial, pooled)
    # the readers work through the next batch (2 chunks) while this one is classified,
    # plus 2 chunks each: with fewer in flight than a batch they sat idle
    assert in_flight == [("_read_chunk", 2 + 2 * 2)]


def test_on_gpu_finds_weights_off_the_cpu_inside_a_pipeline():
    import torch
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skspec.survey._model import _on_gpu

    class Holder(FunctionTransformer):  # an estimator holding a module, as skorch nets do
        pass

    cpu, off = Holder(), Holder()
    cpu.module_ = torch.nn.Linear(2, 2)
    off.module_ = torch.nn.Linear(2, 2, device="meta")  # any device but the CPU
    assert not _on_gpu(make_pipeline(cpu))
    assert _on_gpu(make_pipeline(FunctionTransformer(), off))
    assert not _on_gpu(FunctionTransformer())


def test_saved_racnet_model_by_path(tmp_path, samples):
    from imblearn.pipeline import make_pipeline

    from skspec import save_model
    from skspec.datasets import load_obafgkm
    from skspec.neural_network import RACNetClassifier
    from skspec.preprocessing import FluxNormalizer

    spectra = load_obafgkm()
    net = RACNetClassifier(module__channels=(4, 4), max_epochs=2, random_state=0, device="cpu")
    model = make_pipeline(FluxNormalizer(), net).fit(spectra.data[::3], spectra.target[::3])
    path = save_model(model, tmp_path / "racnet.skspec", wavelength=spectra.wavelength)
    cat = predict_files(path, samples, verbose=0, batch_size=3)
    assert cat["pred_class"].isin(CLASSES).all()
    probs = cat[[f"prob_{c}" for c in CLASSES]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)


def test_iter_paths_globs_lists_and_missing(mixed, tmp_path):
    listing = tmp_path / "paths.txt"
    listing.write_text("# two files\nspectra/truncated.fits\n\n" + str(mixed / "notes.fits") + "\n")
    assert [os.path.basename(p) for p in iter_paths(listing)] == ["truncated.fits", "notes.fits"]
    found = list(iter_paths(str(mixed / "**" / "*.fits.gz")))
    assert len(found) == 3 and all(os.path.isabs(p) for p in found)
    with pytest.raises(FileNotFoundError, match="not a file, a folder or a glob"):
        list(iter_paths(tmp_path / "nowhere.fits"))


def test_bad_arguments(model, samples, tmp_path):
    with pytest.raises(ValueError, match="output must end in .csv, .fits or .parquet"):
        predict_files(model, samples, tmp_path / "cat.xlsx", verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        predict_files(model, samples, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="takes 2782 pixels but the wavelength grid has 100"):
        predict_files(model, samples, wavelength=np.linspace(4000, 7000, 100), verbose=0)


def test_cli_train_then_predict(model, mixed, tmp_path, monkeypatch):
    from skspec.cli import main
    from skspec.survey import _cli

    # the recommended pipeline takes a minute to fit: swap in the small model
    monkeypatch.setattr(_cli, "recommended_pipeline", lambda y, **kw: model)
    model_path, out = tmp_path / "m.skspec", tmp_path / "cat.csv"
    assert main(["train", "--data", "obafgkm", "-o", str(model_path)]) == 0
    with pytest.raises(SystemExit, match="--overwrite"):
        main(["train", "-o", str(model_path)])
    assert main(["predict", str(model_path), str(mixed), "-o", str(out), "-q"]) == 0
    assert len(_read(out)) == 5


@pytest.mark.slow
def test_cli_train_quick_for_real(samples, tmp_path):
    """The real recommended pipeline (LCGAN + RAC-Net, --quick): about 30 s on 2 cores."""
    from skspec.cli import main

    model_path, out = tmp_path / "m.skspec", tmp_path / "cat.parquet"
    assert main(["train", "--quick", "--device", "cpu", "-o", str(model_path)]) == 0
    assert main(["predict", str(model_path), *samples, "-o", str(out), "-q", "-j", "2"]) == 0
    cat = pd.read_parquet(out)
    assert len(cat) == 7 and cat["pred_class"].isin(CLASSES).all()


def test_spectrum_without_good_pixels_is_flagged_not_classified(model, samples, tmp_path):
    from astropy.io import fits

    with fits.open(samples[0]) as hdul:
        hdul[0].data[1] = 0  # ivar row: every pixel bad
        hdul.writeto(tmp_path / "all_bad.fits")
    cat = predict_files(model, [tmp_path / "all_bad.fits"], verbose=0)
    assert cat.loc[0, "flags"] == "nan_heavy" and cat.loc[0, "pred_class"] == ""
    assert cat.loc[0, "bad_fraction"] == 1.0 and "no good pixel" in cat.loc[0, "error"]


def test_bad_pixel_rule_is_the_training_rule(model, samples, tmp_path):
    """Above half the pixels bad a file gets no class, as read_spectra refuses it."""
    from astropy.io import fits

    from skspec.io import TooManyBadPixelsError, read_onto_grid

    with fits.open(samples[0]) as hdul:
        ivar = hdul[0].data[1]
        ivar[: int(ivar.size * 0.7)] = 0  # 70 % of the pixels bad
        hdul.writeto(tmp_path / "mostly_bad.fits")
    cat = predict_files(model, [tmp_path / "mostly_bad.fits"], verbose=0)
    assert cat.loc[0, "flags"] == "nan_heavy" and cat.loc[0, "pred_class"] == ""
    assert cat.loc[0, "bad_fraction"] > 0.5
    with pytest.raises(TooManyBadPixelsError):
        read_onto_grid(tmp_path / "mostly_bad.fits")
