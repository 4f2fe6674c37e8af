"""Classify many spectrum files into a catalogue, with bounded memory.

:func:`predict_files` only wires the pieces together; each lives in its own
module and is shared by the serial path, the worker pool and the Dask path
(:mod:`skspec.survey._dask`), so that all three give the same rows:

- :mod:`._paths`: :func:`iter_paths` expands inputs lazily;
- :mod:`._reading`: ``_read_one`` reads one file onto the model's grid
  (never raises: problems become flags);
- :mod:`._classification`: ``_classify`` turns a batch into catalogue rows;
- :mod:`._columns`: the catalogue's columns and :data:`FLAGS`;
- :mod:`._decision`: ``p_O``, ``is_candidate``, ``novelty``, ``unknown``
  from the model's saved decision rule and novelty detector;
- :mod:`._bundled`: the model that ships with skspec;
- :mod:`._journal`: which files a catalogue already holds (resume);
- :mod:`._sinks`: the csv, fits/parquet and in-memory writers;
- :mod:`._pool`: the worker processes that read (and classify) files;
- :mod:`._model`: the model and the grid it takes;
- :mod:`._malloc`: glibc allocator tuning.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import time
from pathlib import Path

from ._classification import _classify
from ._columns import FLAGS, catalogue_columns
from ._decision import _Decision
from ._model import _model_and_grid, _on_gpu
from ._paths import check_inputs, iter_paths
from ._malloc import _tune_malloc
from ._pool import (
    _bounded_map,
    _chunks,
    _context,
    _init_worker,
    _predict_chunk,
    _read_chunk,
    _ReadAhead,
)
from ._reading import _read_one
from ._sinks import _open_sink

__all__ = ["FLAGS", "catalogue_columns", "iter_paths", "predict_files"]

logger = logging.getLogger(__name__)


def predict_files(model, inputs, output=None, *, batch_size: int = 256, n_jobs: int = 1,
                  resume: bool = True, verbose: int = 1, wavelength=None,
                  max_bad_fraction: float = 0.1, method: str = "flux_conserving",
                  chunk_size: int = 16, device: str | None = None,
                  tune_malloc: bool = False, threshold: float | None = None,
                  target_recall: float | None = None, prior: dict | None = None):
    """Classify spectrum files into a catalogue, with memory bounded by the batch.

    Each file is read onto the model's wavelength grid with
    :func:`skspec.io.read_onto_grid` (the reading, coverage and bad-pixel
    rules of training-time :func:`skspec.io.read_spectra`) and classified in batches of ``batch_size`` (on the GPU when the model's
    net is there). Rows are written as soon as their batch is classified, so
    memory does not grow with the number of files. Files that cannot be read
    or used get a row with ``flags`` and ``error`` and no class; they never
    stop the run.

    Parameters
    ----------
    model : str, path-like, fitted estimator or None
        A file written by :func:`skspec.save_model` (its grid is used), or a
        fitted classifier/pipeline with ``predict_proba``. ``None``: the model
        that ships with skspec (:func:`skspec.survey.bundled_model_path`).
    inputs : str, path-like or iterable of them
        Files, folders (searched recursively for FITS files), glob patterns or
        text files of paths; see :func:`iter_paths`. Read lazily.
    output : str or path-like, default=None
        ``.csv``, ``.fits`` or ``.parquet`` (needs pyarrow) catalogue. ``None``
        returns the rows as a pandas DataFrame instead (for small runs; needs
        pandas). A missing package is reported before any file is read.
    batch_size : int, default=256
        Spectra per ``predict_proba`` call (and per write).
    n_jobs : int, default=1
        Worker processes; 1 works in this process (a helper thread reads
        the next batch while this one is classified; it ends with the call),
        -1 uses all cores. Each worker reads and classifies whole batches
        and this process writes the rows; a model on a GPU (or one that
        cannot be pickled) classifies in this process instead, and the
        workers only read (see Notes).
    resume : bool, default=True
        Skip files already in ``output``. A csv catalogue is appended to (a
        half-written last line from a killed run is cut). A fits/parquet
        catalogue is built from ``<output>.partial.csv``, which holds the rows
        while the run goes on and is converted (then deleted) at the end; an
        interrupted run resumes from it. ``False`` replaces ``output``.
    verbose : int, default=1
        Show a tqdm progress bar (spectra and spectra/s).
    wavelength : Quantity or array, default=None
        Grid of the model's pixels; default: the saved model's grid, or the
        bundled data's grid for an in-memory model without ``wavelength_``.
    max_bad_fraction : float in [0, 1], default=0.1
        Above this fraction of bad pixels on the grid a row is flagged
        ``nan_heavy`` (and still classified up to half the pixels bad, as
        :func:`skspec.io.read_onto_grid` reads training data; above that, no
        class).
    method : {"flux_conserving", "linear"}, default="flux_conserving"
        Resampling method.
    chunk_size : int, default=16
        Files per task sent to a worker process that only reads (a model on a
        GPU); classifying workers take ``batch_size`` files per task.
    device : str, default=None
        Torch device when ``model`` is a file (``"cpu"``, ``"cuda"``,
        ``"auto"``); ``None`` keeps the saved one.
    tune_malloc : bool, default=False
        On glibc (Linux), raise malloc's mmap and trim thresholds for the rest
        of the process (``mallopt``; it cannot be undone), so that a batch's
        large activations are reused instead of mapped and unmapped each time
        (RAC-Net inference measured 1.5 to 3 times faster where
        ``MALLOC_TRIM_THRESHOLD_`` is set, as Dask's nanny does); freed memory
        up to 256 MB may then stay with the process. Off by default: a library
        call leaves the caller's process as it was. ``skspec predict`` turns
        it on (the process is its own).
    threshold : float in [0, 1] or None, default=None
        Threshold on the calibrated P(O) (at the training mix) above which a
        spectrum is an O candidate; None: the one saved in the model (chosen
        on held-out stars for its target recall). For a model without a
        decision rule (rf/svc pipelines, older files) P(O) is the model's
        uncalibrated ``prob_O`` and None means "argmax is O".
    target_recall : float in (0, 1] or None, default=None
        Choose the threshold for this recall of O on the model's held-out
        validation stars instead (needs a model from ``skspec train``); an
        unreachable recall is an error naming the best reachable one.
    prior : dict of {class: float} or None, default=None
        Survey base rates, e.g. ``{"O": 1e-4}``: the probabilities and
        ``p_O`` are moved to them the Bayes way
        (:func:`skspec.candidates.shift_prior`), so ``p_O`` estimates the
        fraction of such spectra that are O in the survey. The candidates do
        not change (the threshold applies at the training mix, where its
        recall was measured). Needs a model from ``skspec train``.

    Returns
    -------
    catalogue : pandas.DataFrame or sklearn.utils.Bunch
        The rows (columns: :func:`catalogue_columns`) when ``output`` is None;
        else a Bunch with ``output``, ``n_files`` (rows written in this run),
        ``n_classified``, ``n_flagged``, ``n_skipped`` (already there) and
        ``seconds``.

    Raises
    ------
    RuntimeError
        When another run is writing ``output``: a run holds
        ``<output>.lock`` exclusively (``flock``), released when it ends, even
        by SIGKILL.
    FileNotFoundError
        When an input given by name does not exist (checked before the run).
    ValueError
        For a threshold outside [0, 1], an unreachable ``target_recall``, or
        a ``prior`` naming a class the model lacks (before any file is read).

    Notes
    -----
    Serially, one copy of a batch is in memory, plus one more batch read
    ahead. With classifying workers, each holds the model and the batch it
    is working on, and up to ``2 * n_jobs`` batches' rows wait for this
    process to write them; with reading workers, this process holds a batch
    plus one more and ``2 * n_jobs`` chunks read ahead. Resuming keeps 8
    bytes per catalogued file (a hash of its path). A path given twice in
    one run is classified twice.

    With ``n_jobs > 1`` the workers are started with the ``spawn`` method
    (fresh interpreters, nothing inherited from the caller's threads), so a
    script calling this needs the usual ``if __name__ == "__main__":``
    guard. A classifying worker receives the model pickled once, imports
    what it needs (torch for a RAC-Net: a few seconds) and runs torch with
    ``cpu_count // n_jobs`` threads and glibc malloc tuned as for
    ``tune_malloc`` (the process is skspec's own). The workers classify the
    batches the serial path would, so the rows are the serial rows exactly.
    Workers end when the caller dies, even by SIGKILL. The call
    leaves the caller's garbage collector, torch threads and allocator as it
    found them (unless ``tune_malloc=True``).

    Examples
    --------
    >>> from sklearn.neighbors import NearestCentroid
    >>> from sklearn.pipeline import make_pipeline
    >>> from skspec.datasets import load_lamost_samples, load_obafgkm
    >>> from skspec.preprocessing import FluxNormalizer
    >>> from skspec.survey import predict_files
    >>> spectra = load_obafgkm()
    >>> model = make_pipeline(FluxNormalizer(), NearestCentroid())
    >>> model = model.fit(spectra.data, spectra.target)
    >>> files = load_lamost_samples().filenames
    >>> catalogue = predict_files(model, files, verbose=0)
    >>> len(catalogue), bool(catalogue["pred_class"].isin(spectra.target_names).all())
    (7, True)
    """
    from sklearn.utils import Bunch
    from tqdm.auto import tqdm

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if method not in ("flux_conserving", "linear"):
        raise ValueError(f"method must be 'flux_conserving' or 'linear', got {method!r}")
    n_jobs = (os.cpu_count() or 1) if n_jobs in (-1, None) else int(n_jobs)
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1 or -1, got {n_jobs}")
    if not 0 <= max_bad_fraction <= 1:
        raise ValueError(f"max_bad_fraction must be between 0 and 1, got {max_bad_fraction}")
    check_inputs(inputs)  # a typo is found before the catalogue is opened
    if model is None:
        from ._bundled import bundled_model_path

        model = bundled_model_path()
    model, grid, classes = _model_and_grid(model, wavelength, device)
    decision = _Decision(model, classes, threshold=threshold, target_recall=target_recall,
                         prior=prior)
    columns = catalogue_columns(classes)
    sink = _open_sink(output, columns, resume)
    done = sink.done
    n_skipped = 0

    def todo():
        nonlocal n_skipped
        for path in iter_paths(inputs):
            if path in done:
                n_skipped += 1
                continue
            yield path

    start = time.perf_counter()
    n_files = n_classified = n_flagged = 0
    bar = tqdm(unit=" spectra", disable=not verbose, desc="skspec predict", smoothing=0.1)
    executor = ahead = None
    complete = False
    if tune_malloc:
        _tune_malloc()
    try:
        if n_jobs == 1:  # one process; the next batch is read while this one is classified
            read = (_read_one(p, grid, max_bad_fraction, method) for p in todo())
            ahead = _ReadAhead(read, batch_size)
            batches = (_classify(model, batch, classes, decision)
                       for batch in _chunks(iter(ahead), batch_size))
        elif (shipped := _shippable(model, decision)) is not None:
            # each worker reads and classifies whole batches, the ones the serial path
            # would classify (so the same rows); this process only writes. Moving
            # spectra to one classifying process cost more than it saved: on 2 cores
            # that pool ran at 0.67x the serial rate
            threads = max(1, (os.cpu_count() or 1) // n_jobs)
            executor = cf.ProcessPoolExecutor(
                n_jobs, mp_context=_context(), initializer=_init_worker,
                initargs=(grid, max_bad_fraction, method, threads, os.getpid(), shipped))
            batches = _bounded_map(executor, _predict_chunk, _chunks(todo(), batch_size),
                                   2 * n_jobs)
        else:  # the GPU (or an unpicklable model) classifies here; the workers read
            executor = cf.ProcessPoolExecutor(
                n_jobs, mp_context=_context(), initializer=_init_worker,
                initargs=(grid, max_bad_fraction, method, 1, os.getpid()))
            # the readers work through the next batch while this one is classified: with
            # fewer chunks in flight than a batch holds they sat idle, and the classifier
            # then waited for them
            ahead_chunks = -(-batch_size // chunk_size) + 2 * n_jobs
            items = (item for chunk in _bounded_map(executor, _read_chunk,
                                                    _chunks(todo(), chunk_size), ahead_chunks)
                     for item in chunk)
            batches = (_classify(model, batch, classes, decision)
                       for batch in _chunks(items, batch_size))
        for rows in batches:
            sink.write(rows)
            n_files += len(rows)
            n_classified += sum(1 for r in rows if r["pred_class"])
            n_flagged += sum(1 for r in rows if r["flags"])
            bar.update(len(rows))
        complete = True
    finally:
        bar.close()
        if ahead is not None:
            ahead.close()
        if executor is not None:
            executor.shutdown(cancel_futures=True)
        sink.close(complete)
    seconds = time.perf_counter() - start
    logger.info("%d files in %.1f s (%d classified, %d flagged, %d already catalogued)",
                n_files, seconds, n_classified, n_flagged, n_skipped)
    if n_flagged:
        logger.warning("%d of %d files are flagged (see the flags and error columns)",
                       n_flagged, n_files)
    if output is None:
        return sink.frame()
    return Bunch(output=Path(output), n_files=n_files, n_classified=n_classified,
                 n_flagged=n_flagged, n_skipped=n_skipped, seconds=seconds)


def _shippable(model, decision):
    """The pickled decision (model inside) for classifying workers, or None.

    None when the model's weights are on a GPU (it classifies in this
    process) or it cannot be pickled (e.g. a lambda in a FunctionTransformer);
    the workers then only read.
    """
    import pickle

    if _on_gpu(model):
        return None
    try:
        return pickle.dumps(decision, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - any pickling failure means "classify here"
        logger.info("the model cannot be sent to worker processes (%s: %s); it classifies "
                    "in this process and the workers only read", type(exc).__name__, exc)
        return None
