"""predict_bag: the Dask path gives the rows of the serial path."""

import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.bag")

from skspec.survey import predict_bag, predict_files  # noqa: E402

PROBS = [f"prob_{c}" for c in "ABFGKMO"]


@pytest.fixture(scope="module")
def model():
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skspec.datasets import load_obafgkm
    from skspec.preprocessing import FluxNormalizer

    spectra = load_obafgkm()
    clf = LogisticRegression(max_iter=20)  # real probabilities, not 0/1; converging is not the point
    X, y = spectra.data[::3], spectra.target[::3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make_pipeline(FluxNormalizer(), clf).fit(X, y)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from skspec.datasets import load_lamost_samples

    folder = tmp_path_factory.mktemp("spectra")
    for src in load_lamost_samples().filenames:
        shutil.copy(src, folder)
    (folder / "broken.fits").write_text("not a FITS file")
    return sorted(str(p) for p in folder.iterdir())


def _same_rows(a: pd.DataFrame, b: pd.DataFrame):
    a = a.sort_values("file").reset_index(drop=True)
    b = b.sort_values("file").reset_index(drop=True)
    # batches of different sizes may change float32 matrix products in the last bits
    # rank needs the whole catalogue: predict_files writes it, a bag leaves it empty
    assert b["rank"].isna().all()
    assert (a["rank"] > 0).sum() == a["is_candidate"].astype(str).eq("True").sum()
    pd.testing.assert_frame_equal(a.drop(columns=[*PROBS, "rank"]),
                                  b.drop(columns=[*PROBS, "rank"]))
    np.testing.assert_allclose(a[PROBS].to_numpy(float), b[PROBS].to_numpy(float), rtol=1e-5)


def test_bag_partitions_and_rows_sync(model, files):
    serial = predict_files(model, files, verbose=0)
    bag = predict_bag(model, files, partition_size=3)
    assert bag.npartitions == 3
    _same_rows(serial, pd.DataFrame(bag.compute(scheduler="sync")))
    frame = predict_bag(model, files, npartitions=2, as_dataframe=True)
    _same_rows(serial, frame.compute(scheduler="sync"))


def test_bag_of_path_lists_read_by_workers(model, files, tmp_path):
    """The survey-scale recipe: text files of paths, one partition per file."""
    import dask.bag as db

    for k in range(0, len(files), 3):
        (tmp_path / f"list-{k:03d}.txt").write_text("\n".join(files[k:k + 3]) + "\n")
    paths = db.read_text(str(tmp_path / "list-*.txt"), blocksize=None).map(str.strip)
    rows = predict_bag(model, paths, batch_size=2)
    assert rows.npartitions == 3
    _same_rows(predict_files(model, files, verbose=0), pd.DataFrame(rows.compute(scheduler="sync")))


def test_local_cluster_gives_the_serial_catalogue(model, files, tmp_path):
    distributed = pytest.importorskip("distributed")
    import dask.bag as db

    from skspec import save_model
    from skspec.datasets import load_obafgkm

    path = save_model(model, tmp_path / "m.skspec", wavelength=load_obafgkm().wavelength)
    serial = predict_files(path, files, verbose=0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        by_object = pd.DataFrame(predict_bag(model, files, partition_size=2).compute())
        paths = db.from_sequence(files, npartitions=2)  # a bag of paths; workers load the file
        by_path = pd.DataFrame(client.compute(predict_bag(path, paths)).result())
    assert (serial["flags"] == "unreadable").sum() == 1
    _same_rows(serial, by_object)
    _same_rows(serial, by_path)
