"""Map a fitted model over a Dask bag of spectrum files (clusters, no home-made scheduler)."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from ._classification import _classify
from ._columns import _float_columns, catalogue_columns
from ._malloc import _tune_malloc
from ._model import _model_and_grid
from ._paths import iter_paths
from ._pool import _chunks
from ._reading import _read_one

__all__ = ["predict_bag"]


@lru_cache(maxsize=4)
def _cached_model(path: str, mtime: float, device):
    """Load a model file once per worker process (``mtime`` invalidates the cache)."""
    from .._persistence import load_model

    return load_model(path, device=device)


def _predict_partition(paths, model, grid, classes, batch_size, max_bad_fraction, method,
                       device, tune_malloc=False):
    """Catalogue rows for one partition of paths: read, resample, classify in batches."""
    if tune_malloc:
        _tune_malloc()
    if isinstance(model, (str, os.PathLike)):
        model = _cached_model(os.fspath(model), os.path.getmtime(model), device)
    columns = catalogue_columns(classes)
    rows = []
    for chunk in _chunks(paths, batch_size):
        items = [_read_one(p, grid, max_bad_fraction, method) for p in chunk]
        # the keys in catalogue order, as predict_files writes them
        for row in _classify(model, items, classes):
            row["rank"] = None  # needs the whole catalogue (see the docstring)
            rows.append({c: row.get(c) for c in columns})
    return rows


def predict_bag(model, paths, *, wavelength=None, batch_size: int = 256,
                partition_size: int | None = None, npartitions: int | None = None,
                max_bad_fraction: float = 0.1, method: str = "flux_conserving",
                device: str | None = None, as_dataframe: bool = False,
                tune_malloc: bool = False):
    """Classify spectrum files on a Dask cluster: a bag of catalogue rows.

    The files are split into partitions; every partition is read, resampled
    and classified on a Dask worker (``map_partitions``) with exactly the code
    of :func:`skspec.survey.predict_files`, so the rows are the same. Nothing
    is computed until you call ``.compute()``, ``.to_dataframe()``,
    ``.to_textfiles()``, ... with whatever Dask scheduler is active.

    The rows are those of :func:`predict_files` except ``rank``, which needs
    the whole catalogue and is left empty here: compute it afterwards with
    :func:`skspec.candidates.rank_candidates` on the collected ``p_O`` and
    ``is_candidate`` columns.

    Parameters
    ----------
    model : str, path-like or fitted estimator
        A model file from :func:`skspec.save_model` (each worker loads it
        once; the file must be readable from the workers, e.g. on a shared
        file system) or a fitted estimator (sent to the workers once).
    paths : dask.bag.Bag, str or iterable of str
        A bag of file paths (best for millions of files, e.g.
        ``dask.bag.read_text("lists/*.txt", blocksize=None).map(str.strip)``),
        or inputs as for :func:`predict_files` (files, folders, globs, lists
        of paths), expanded here on the client (see Notes).
    wavelength : Quantity or array, default=None
        The model's grid; default: the saved grid, else the bundled data's.
    batch_size : int, default=256
        Spectra per ``predict_proba`` call on a worker.
    partition_size, npartitions : int, default=None
        How to split ``paths`` when it is not a bag already (default: one
        partition per ``batch_size`` files).
    max_bad_fraction : float, default=0.1
        See :func:`predict_files`.
    method : {"flux_conserving", "linear"}, default="flux_conserving"
        Resampling method.
    device : str, default=None
        Torch device on the workers when ``model`` is a file.
    as_dataframe : bool, default=False
        Return a ``dask.dataframe.DataFrame`` (columns as in
        :func:`catalogue_columns`) instead of a bag of dicts.
    tune_malloc : bool, default=False
        Raise glibc malloc's thresholds in the workers (see Notes).

    Returns
    -------
    rows : dask.bag.Bag of dict, or dask.dataframe.DataFrame

    Notes
    -----
    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_`` set, which
    makes glibc map and unmap a network's large activations at every batch
    (RAC-Net inference measured 1.5 to 3 times slower); with
    ``tune_malloc=True`` each worker raises malloc's thresholds once, on its
    first partition (see :func:`predict_files`). Off by default: with the
    synchronous or threaded scheduler the worker is the caller's process.

    Dask's statistical worker profiler keeps about 1,000 one-second call-tree
    snapshots per worker; over FITS reading it grew each worker by ~0.3 MB
    per second of work (``benchmarks/results/predict.md``). For survey-scale
    runs start the workers with ``distributed.worker.profile.enabled: False``
    (``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False``). That removed the
    growth.

    Paths given as a list, folder or glob are expanded on the client and
    every path goes into the task graph (held by the client, the scheduler
    and the workers): ~110 MB more at peak for 100,000 paths than for
    10,000 on a LocalCluster. For survey-scale runs pass a bag the workers
    fill themselves, e.g. ``dask.bag.read_text("lists/*.txt",
    blocksize=None).map(str.strip)`` over text files of paths: then memory
    does not grow with the number of files.

    Examples
    --------
    Locally, with the synchronous scheduler:

    >>> from sklearn.neighbors import NearestCentroid
    >>> from sklearn.pipeline import make_pipeline
    >>> from skspec.datasets import load_lamost_samples, load_obafgkm
    >>> from skspec.preprocessing import FluxNormalizer
    >>> from skspec.survey import predict_bag
    >>> spectra = load_obafgkm()
    >>> model = make_pipeline(FluxNormalizer(), NearestCentroid())
    >>> model = model.fit(spectra.data, spectra.target)
    >>> rows = predict_bag(model, load_lamost_samples().filenames, partition_size=4)
    >>> rows.npartitions
    2
    >>> len(rows.compute(scheduler="sync"))
    7

    On a cluster, start a ``distributed.Client`` first; every ``compute`` then
    runs there. Write big catalogues from the workers, partition by
    partition, rather than gathering them on the client::

        from dask.distributed import Client, LocalCluster
        client = Client(LocalCluster(n_workers=2, threads_per_worker=1))

        # SLURM (PBSCluster, SGECluster, LSFCluster work the same way)
        from dask_jobqueue import SLURMCluster
        cluster = SLURMCluster(cores=8, processes=8, memory="32GB",
                               walltime="04:00:00", queue="normal")
        cluster.scale(jobs=20)                   # 20 nodes x 8 workers
        client = Client(cluster)

        # Kubernetes (dask-kubernetes operator)
        from dask_kubernetes.operator import KubeCluster
        cluster = KubeCluster(name="skspec", image="ghcr.io/dask/dask:latest",
                              n_workers=50)
        client = Client(cluster)

        import dask.bag as db
        paths = db.read_text("dr7_lists/*.txt", blocksize=None).map(str.strip)
        frame = predict_bag("model.skspec", paths, as_dataframe=True)
        frame.to_parquet("dr7_catalogue/")       # one file per partition
    """
    import dask
    import dask.bag as db

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if method not in ("flux_conserving", "linear"):
        raise ValueError(f"method must be 'flux_conserving' or 'linear', got {method!r}")
    if not 0 <= max_bad_fraction <= 1:
        raise ValueError(f"max_bad_fraction must be between 0 and 1, got {max_bad_fraction}")
    loaded, grid, classes = _model_and_grid(model, wavelength, device)
    if isinstance(model, (str, os.PathLike)):
        shipped = os.path.abspath(os.fspath(model))  # workers load the file themselves
    else:
        shipped = dask.delayed(loaded, pure=True, traverse=False)
    if not isinstance(paths, db.Bag):
        paths = list(iter_paths(paths))
        if partition_size is None and npartitions is None:
            partition_size = batch_size
        paths = db.from_sequence(paths, partition_size=partition_size, npartitions=npartitions)
    rows = paths.map_partitions(_predict_partition, shipped, grid, classes, batch_size,
                                max_bad_fraction, method, device, tune_malloc)
    if not as_dataframe:
        return rows
    import pandas as pd

    columns = catalogue_columns(classes)
    floats = set(_float_columns(columns))
    # is_candidate is boolean, as in predict_files' frame
    meta = pd.DataFrame({c: pd.Series(dtype=np.float64 if c in floats else
                                      bool if c == "is_candidate" else str)
                         for c in columns})
    return rows.to_dataframe(meta=meta)
