"""Classify many spectrum files into a catalogue, with bounded memory.

The pieces here are shared by the serial path, the worker pool and the Dask
path (:mod:`skspec.survey._dask`), so that all three give the same rows:

- :func:`iter_paths` expands inputs (files, folders, globs, lists of paths)
  lazily;
- :func:`_read_one` reads one file with :func:`skspec.io.read_fits` and
  resamples it onto the model's grid (never raises: problems become flags);
- :func:`_classify` turns a batch of read spectra into catalogue rows.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import gc
import glob
import hashlib
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import numpy as np

__all__ = ["FLAGS", "catalogue_columns", "iter_paths", "predict_files"]

logger = logging.getLogger(__name__)

#: Flags a catalogue row may carry (``|``-separated in the ``flags`` column).
#: ``unreadable``: the file could not be read as a spectrum (``error`` says
#: why; no prediction). ``short_coverage``: the spectrum does not cover the
#: model's wavelength grid (no prediction). ``nan_heavy``: more than
#: ``max_bad_fraction`` of the pixels on the grid are bad (NaN, ivar <= 0,
#: masked); they are interpolated and the spectrum is classified, but treat
#: the class with care (no prediction when no pixel is good).
FLAGS = ("unreadable", "short_coverage", "nan_heavy")

#: suffixes of the files a folder contributes
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz", ".fits.bz2", ".fits.fz")
#: suffixes of a text file holding one path per line
LIST_SUFFIXES = (".txt", ".lst", ".list")

_META_COLUMNS = ("file", "object_id", "obsid", "format", "survey_class", "survey_subclass",
                 "snr", "bad_fraction", "pred_class")
_TAIL_COLUMNS = ("flags", "error")
_FLOAT_COLUMNS = ("snr", "bad_fraction")


def catalogue_columns(classes) -> list[str]:
    """Column names of a catalogue for a model with these ``classes``.

    ``file`` (absolute path), ``object_id``, ``obsid``, ``format`` (reader
    used), ``survey_class`` and ``survey_subclass`` (the survey pipeline's own
    labels from the header), ``snr``, ``bad_fraction`` (fraction of bad
    pixels over the grid's range), ``pred_class``, one ``prob_<class>`` per
    class, ``flags`` (see :data:`FLAGS`) and ``error``.

    Examples
    --------
    >>> from skspec.survey import catalogue_columns
    >>> catalogue_columns(["O", "B"])[-4:]
    ['prob_O', 'prob_B', 'flags', 'error']
    """
    return [*_META_COLUMNS, *(f"prob_{c}" for c in classes), *_TAIL_COLUMNS]


# --------------------------------------------------------------------------- inputs
def _is_fits_name(name: str) -> bool:
    return name.lower().endswith(FITS_SUFFIXES)


def _walk(folder: str) -> Iterator[str]:
    """FITS files under ``folder``, recursively, without listing it into memory."""
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = os.scandir(current)
        except OSError as exc:
            logger.warning("cannot list %s: %s", current, exc)
            continue
        with entries:
            subdirs = []
            for entry in entries:
                if entry.is_dir():
                    subdirs.append(entry.path)
                elif _is_fits_name(entry.name):
                    yield entry.path
        stack.extend(sorted(subdirs, reverse=True))


def _read_list(path: str) -> Iterator[str]:
    base = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line if os.path.isabs(line) else os.path.join(base, line)


def iter_paths(inputs) -> Iterator[str]:
    """Expand ``inputs`` lazily into absolute file paths.

    Each input is a FITS file, a folder (its FITS files, recursively, in
    directory order: files named ``*.fits``, ``*.fit``, ``*.fts``, optionally
    ``.gz``/``.bz2``/``.fz``), a glob pattern (``"dr7/**/*.fits.gz"``) or a
    text file ending in ``.txt``/``.lst``/``.list`` with one path per line
    (relative paths are relative to the text file; ``#`` starts a comment).
    Any other existing file is yielded as is (it is reported if unreadable).
    Nothing is listed into memory, so ten million files are fine.

    Examples
    --------
    >>> from skspec.datasets import load_lamost_samples
    >>> from skspec.survey import iter_paths
    >>> import os
    >>> folder = os.path.dirname(load_lamost_samples().filenames[0])
    >>> sum(1 for _ in iter_paths([folder]))
    7
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            yield from (os.path.abspath(p) for p in _walk(item))
        elif os.path.isfile(item):
            if item.lower().endswith(LIST_SUFFIXES):
                yield from (os.path.abspath(p) for p in _read_list(item))
            else:
                yield os.path.abspath(item)
        elif glob.has_magic(item):
            yield from (os.path.abspath(p) for p in glob.iglob(item, recursive=True)
                        if os.path.isfile(p))
        else:
            raise FileNotFoundError(f"input {item!r} is not a file, a folder or a glob pattern")


# --------------------------------------------------------------------------- reading
def _read_one(path: str, grid: np.ndarray, max_bad_fraction: float, method: str):
    """Read and resample one file: ``(row, flux or None)``; never raises."""
    row = dict.fromkeys(_META_COLUMNS)
    row["file"] = path
    flags: list[str] = []
    error = ""
    flux = None
    try:
        from ..io import read_fits

        spec = read_fits(path)
    except Exception as exc:  # any failure to read is reported, never fatal
        return _finish(row, None, ["unreadable"], f"{type(exc).__name__}: {exc}")
    meta = spec.meta or {}
    row.update(
        object_id=_text(meta.get("object_id")),
        obsid=_text(meta.get("obsid")),
        format=_text(meta.get("format")),
        survey_class=_text(meta.get("class")),
        survey_subclass=_text(meta.get("subclass")),
        snr=_number(meta.get("snr")),
    )
    try:
        wave = spec.wavelength.to_value("AA")
        bad = np.asarray(spec.mask, dtype=bool) | ~np.isfinite(spec.flux)
        if spec.ivar is not None:
            bad |= ~(np.asarray(spec.ivar) > 0)
        inside = (wave >= grid[0]) & (wave <= grid[-1])
        row["bad_fraction"] = float(bad[inside].mean()) if inside.any() else 1.0
        if row["bad_fraction"] > max_bad_fraction:
            flags.append("nan_heavy")
        if wave[0] > grid[0] or wave[-1] < grid[-1]:
            flags.append("short_coverage")
            error = (f"spectrum covers {wave[0]:.1f}-{wave[-1]:.1f} A, the model's grid "
                     f"{grid[0]:.1f}-{grid[-1]:.1f} A")
        else:
            from ..preprocessing import resample_spectrum

            flux = resample_spectrum(wave, spec.flux, grid, ivar=spec.ivar, mask=spec.mask,
                                     method=method).astype(np.float32, copy=False)
            if not np.isfinite(flux).all():
                raise ValueError("non-finite flux after resampling")
    except ValueError as exc:  # no good pixel, coverage just short at an edge, ...
        flux = None
        if "outside the coverage" in str(exc):
            flags.append("short_coverage")
        elif "no good pixel" in str(exc) or "non-finite" in str(exc):
            flags = [f for f in flags if f != "nan_heavy"] + ["nan_heavy"]
        else:
            flags = ["unreadable"]
        error = str(exc)
    except Exception as exc:
        return _finish(row, None, ["unreadable"], f"{type(exc).__name__}: {exc}")
    return _finish(row, flux, flags, error)


def _finish(row, flux, flags, error):
    row["flags"] = "|".join(flags)
    row["error"] = error
    return row, flux


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


_WORKER_GRID: dict = {}

# Workers only run numpy/astropy (never torch or CUDA), so fork is safe where it
# exists and, unlike spawn, does not need an ``if __name__ == "__main__"`` guard
# in the user's script.
_START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _init_worker(grid, max_bad_fraction, method, threads):
    _WORKER_GRID.update(grid=grid, max_bad_fraction=max_bad_fraction, method=method)
    try:  # workers only read files: one thread each
        import torch

        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover
        pass


def _read_chunk(paths: list[str]) -> list:
    g = _WORKER_GRID
    return [_read_one(p, g["grid"], g["max_bad_fraction"], g["method"]) for p in paths]


# --------------------------------------------------------------------------- classifying
_MALLOC_TUNED = False


def _tune_malloc() -> None:
    """Keep glibc from returning big freed blocks to the OS after every batch.

    A network's activations for a batch are tens of MB; when glibc serves
    them with fresh ``mmap``s (always, once ``MALLOC_TRIM_THRESHOLD_`` is set,
    as Dask's nanny does), every batch pays page faults: RAC-Net inference
    measured 1.5 to 3 times slower. Raising the mmap and trim thresholds lets
    the blocks be reused. Runs once per process; a no-op off glibc.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 256 * 2**20)  # M_TRIM_THRESHOLD
        if not libc.mallopt(-3, 64 * 2**20):  # M_MMAP_THRESHOLD (glibc caps it)
            libc.mallopt(-3, 32 * 2**20)
    except (OSError, AttributeError):  # not glibc
        pass


def _classify(model, items: list, classes) -> list[dict]:
    """Catalogue rows for a batch of ``(row, flux)``; one ``predict_proba`` call."""
    _tune_malloc()
    good = [i for i, (_, flux) in enumerate(items) if flux is not None]
    proba = None
    if good:
        X = np.stack([items[i][1] for i in good])
        if hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(X), dtype=np.float64)
            labels = np.asarray(classes)[proba.argmax(axis=1)]
        else:
            labels = np.asarray(model.predict(X))
    rows = []
    where = {i: k for k, i in enumerate(good)}
    for i, (meta, _) in enumerate(items):
        row = dict(meta)
        k = where.get(i)
        row["pred_class"] = "" if k is None else str(labels[k])
        for j, c in enumerate(classes):
            row[f"prob_{c}"] = float(proba[k, j]) if (k is not None and proba is not None) else np.nan
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- outputs
def _key(path: str) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode("utf-8", "surrogateescape"),
                                          digest_size=8).digest(), "little")


class _DoneSet:
    """Files already in a catalogue, 8 bytes each (sorted 64-bit hashes)."""

    def __init__(self, keys: np.ndarray | None = None):
        self.keys = np.unique(keys) if keys is not None else np.empty(0, np.uint64)

    def __len__(self):
        return self.keys.size

    def __contains__(self, path: str) -> bool:
        if not self.keys.size:
            return False
        k = np.uint64(_key(path))
        i = np.searchsorted(self.keys, k)
        return bool(i < self.keys.size and self.keys[i] == k)


def _repair_csv(path: Path) -> None:
    """Cut a last line left half-written by an interrupted run."""
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return
        step, pos = 65536, size
        while pos > 0:
            start = max(0, pos - step)
            fh.seek(start)
            chunk = fh.read(pos - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                fh.truncate(start + cut + 1)
                logger.warning("%s: dropped a half-written last line", path)
                return
            pos = start
        fh.truncate(0)


def _csv_done(path: Path, columns: list[str]) -> _DoneSet:
    """Check the header of an existing catalogue and hash its ``file`` column."""
    import pandas as pd

    _repair_csv(path)
    if path.stat().st_size == 0:
        return _DoneSet()
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), [])
    if header != columns:
        raise ValueError(
            f"{path} has other columns than this model's catalogue ({header[:12]}...); "
            "pass another output or resume=False to replace it"
        )
    keys = []
    for chunk in pd.read_csv(path, usecols=["file"], dtype=str, chunksize=200_000,
                             keep_default_na=False):
        keys.append(np.fromiter((_key(p) for p in chunk["file"]), np.uint64, len(chunk)))
    return _DoneSet(np.concatenate(keys) if keys else None)


def _read_catalogue_chunks(path: Path, columns: list[str], chunksize: int = 100_000):
    """Stream an existing csv/fits/parquet catalogue as DataFrames."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from pd.read_csv(path, dtype=_csv_dtypes(columns), keep_default_na=False,
                               na_values={c: ["", "nan", "NaN"] for c in _float_columns(columns)},
                               chunksize=chunksize)
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunksize):
            yield batch.to_pandas()
    else:
        from astropy.table import Table

        table = Table.read(path, memmap=True)
        table.convert_bytestring_to_unicode()
        for start in range(0, len(table), chunksize):
            yield table[start:start + chunksize].to_pandas()


def _float_columns(columns):
    return [c for c in columns if c in _FLOAT_COLUMNS or c.startswith("prob_")]


def _csv_dtypes(columns):
    floats = set(_float_columns(columns))
    return {c: (np.float64 if c in floats else str) for c in columns}


class _CsvSink:
    """Append rows to a csv file, flushing after each batch (crash-safe resume)."""

    def __init__(self, path: Path, columns: list[str], resume: bool):
        self.path, self.columns = path, columns
        self.done = _DoneSet()
        if resume and path.exists():
            self.done = _csv_done(path, columns)
        fresh = not (resume and path.exists() and path.stat().st_size > 0)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "w" if fresh else "a", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._fh, fieldnames=columns, extrasaction="ignore")
        if fresh:
            self._writer.writeheader()
            self._fh.flush()

    def write(self, rows: list[dict]) -> None:
        self._writer.writerows(rows)
        self._fh.flush()

    def close(self, complete: bool = True) -> None:
        self._fh.close()


class _ConvertingSink(_CsvSink):
    """Rows go to ``<output>.partial.csv``; converted to fits/parquet at the end.

    The partial file is the run's journal: an interrupted run resumes from it
    (and ignores the fits/parquet file, which the partial file then already
    holds). Resuming over a finished fits/parquet catalogue first copies its
    rows into a new partial file, so new files are appended to it.
    """

    def __init__(self, path: Path, columns: list[str], resume: bool):
        self.target = path
        partial = path.with_name(path.name + ".partial.csv")
        if not resume:
            for p in (partial, path):
                if p.exists():
                    p.unlink()
        elif path.exists() and not partial.exists():
            tmp = partial.with_name(partial.name + ".tmp")
            sink = _CsvSink(tmp, columns, resume=False)
            for chunk in _read_catalogue_chunks(path, columns):
                if list(chunk.columns) != columns:
                    sink.close()
                    tmp.unlink()
                    raise ValueError(f"{path} has other columns than this model's catalogue")
                sink.write(_records(chunk))
            sink.close()
            os.replace(tmp, partial)
        super().__init__(partial, columns, resume)

    def close(self, complete: bool = True) -> None:
        super().close()
        if complete:  # an interrupted run leaves the partial file to resume from
            _convert(self.path, self.target, self.columns)
            self.path.unlink()


def _records(frame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _convert(partial: Path, target: Path, columns: list[str]) -> None:
    """Write the partial csv as fits or parquet (to a temporary name, then rename)."""
    import pandas as pd

    tmp = target.with_name(f".{target.name}.tmp")
    chunks = _read_catalogue_chunks(partial, columns)
    if target.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, pa.float64() if c in _float_columns(columns) else pa.string())
                            for c in columns])
        with pq.ParquetWriter(tmp, schema) as writer:
            for chunk in chunks:
                writer.write_table(pa.Table.from_pandas(chunk, schema=schema,
                                                        preserve_index=False))
    else:  # FITS binary table: astropy needs the whole table in memory
        from astropy.table import Table

        frame = pd.concat(list(chunks), ignore_index=True) if partial.stat().st_size else None
        table = Table.from_pandas(frame) if frame is not None and len(frame) else Table(
            names=columns, dtype=[float if c in _float_columns(columns) else str for c in columns])
        table.meta["EXTNAME"] = "CATALOG"
        table.write(tmp, format="fits", overwrite=True)
    os.replace(tmp, target)


class _MemorySink:
    def __init__(self, columns):
        self.columns, self.rows, self.done = columns, [], _DoneSet()

    def write(self, rows):
        self.rows.extend(rows)

    def close(self, complete=True):
        pass

    def frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def _open_sink(output, columns, resume):
    if output is None:
        return _MemorySink(columns)
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix == ".csv":
        if not resume and output.exists():
            logger.warning("resume=False: replacing %s", output)
        return _CsvSink(output, columns, resume)
    if suffix in (".fits", ".fit", ".parquet"):
        if suffix == ".parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError as exc:
                raise ImportError("a .parquet catalogue needs pyarrow: pip install pyarrow") from exc
        return _ConvertingSink(output, columns, resume)
    raise ValueError(f"output must end in .csv, .fits or .parquet, got {output.name!r}")


# --------------------------------------------------------------------------- model
def _model_and_grid(model, wavelength, device):
    from .._persistence import load_model
    from ..utils import check_wavelength

    if isinstance(model, (str, os.PathLike)):
        model = load_model(model, device=device)
    if wavelength is None:
        wavelength = getattr(model, "wavelength_", None)
    if wavelength is None:
        from ..datasets import load_obafgkm

        wavelength = load_obafgkm().wavelength
    grid = check_wavelength(wavelength, name="wavelength")
    from .._persistence import _n_features

    n_features = _n_features(model)
    if n_features is not None and n_features != grid.size:
        raise ValueError(
            f"the model takes {n_features} pixels but the wavelength grid has {grid.size}: "
            "pass the grid it was trained on as wavelength= (or save it with save_model)"
        )
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ValueError("the model has no classes_: fit it (or load a saved model) first")
    return model, grid, [str(c) for c in classes]


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk


def _bounded_map(executor, func, chunks: Iterator[list], max_in_flight: int):
    """``executor.map`` that keeps at most ``max_in_flight`` futures (in order)."""
    pending: deque = deque()
    for chunk in chunks:
        pending.append(executor.submit(func, chunk))
        if len(pending) >= max_in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def predict_files(model, inputs, output=None, *, batch_size: int = 256, n_jobs: int = 1,
                  resume: bool = True, verbose: int = 1, wavelength=None,
                  max_bad_fraction: float = 0.1, method: str = "flux_conserving",
                  chunk_size: int = 16, device: str | None = None):
    """Classify spectrum files into a catalogue, with memory bounded by the batch.

    Each file is read with :func:`skspec.io.read_fits`, resampled onto the
    model's wavelength grid with :func:`skspec.preprocessing.resample_spectrum`
    and classified in batches of ``batch_size`` (on the GPU when the model's
    net is there). Rows are written as soon as their batch is classified, so
    memory does not grow with the number of files. Files that cannot be read
    or used get a row with ``flags`` and ``error`` and no class; they never
    stop the run.

    Parameters
    ----------
    model : str, path-like or fitted estimator
        A file written by :func:`skspec.save_model` (its grid is used), or a
        fitted classifier/pipeline with ``predict_proba``.
    inputs : str, path-like or iterable of them
        Files, folders (searched recursively for FITS files), glob patterns or
        text files of paths; see :func:`iter_paths`. Read lazily.
    output : str or path-like, default=None
        ``.csv``, ``.fits`` or ``.parquet`` (needs pyarrow) catalogue. ``None``
        returns the rows as a DataFrame instead (for small runs).
    batch_size : int, default=256
        Spectra per ``predict_proba`` call (and per write).
    n_jobs : int, default=1
        Processes reading files; 1 reads in this process, -1 uses all cores.
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
    max_bad_fraction : float, default=0.1
        Above this fraction of bad pixels on the grid a row is flagged
        ``nan_heavy`` (and still classified).
    method : {"flux_conserving", "linear"}, default="flux_conserving"
        Resampling method.
    chunk_size : int, default=16
        Files per task sent to a worker process.
    device : str, default=None
        Torch device when ``model`` is a file (``"cpu"``, ``"cuda"``,
        ``"auto"``); ``None`` keeps the saved one.

    Returns
    -------
    catalogue : pandas.DataFrame or sklearn.utils.Bunch
        The rows (columns: :func:`catalogue_columns`) when ``output`` is None;
        else a Bunch with ``output``, ``n_files`` (rows written in this run),
        ``n_classified``, ``n_flagged``, ``n_skipped`` (already there) and
        ``seconds``.

    Notes
    -----
    Only one copy of a batch is in memory, plus ``2 * n_jobs`` chunks being
    read; resuming keeps 8 bytes per catalogued file (a hash of its path). A
    path given twice in one run is classified twice. Worker processes are
    forked where the OS allows it (they only read files, never touch torch),
    so scripts need no ``if __name__ == "__main__"`` guard on Linux.

    On glibc (Linux) the process that classifies raises malloc's mmap and
    trim thresholds once (``mallopt``), so that a batch's large activations
    are reused instead of mapped and unmapped each time; freed memory up to
    256 MB may stay with the process.

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
    model, grid, classes = _model_and_grid(model, wavelength, device)
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
    executor = None
    complete = frozen = False
    try:
        if n_jobs == 1:
            read = (_read_one(p, grid, max_bad_fraction, method) for p in todo())
            items = iter(read)
        else:
            if _START_METHOD == "fork":
                # objects that exist now go to a generation the collector never
                # walks, so forked workers do not copy those pages one by one
                gc.freeze()
                frozen = True
            ctx = multiprocessing.get_context(_START_METHOD)
            executor = cf.ProcessPoolExecutor(n_jobs, mp_context=ctx, initializer=_init_worker,
                                              initargs=(grid, max_bad_fraction, method, 1))
            items = (item for chunk in _bounded_map(executor, _read_chunk,
                                                    _chunks(todo(), chunk_size), 2 * n_jobs)
                     for item in chunk)
        for batch in _chunks(items, batch_size):
            rows = _classify(model, batch, classes)
            sink.write(rows)
            n_files += len(rows)
            n_classified += sum(1 for r in rows if r["pred_class"])
            n_flagged += sum(1 for r in rows if r["flags"])
            bar.update(len(rows))
        complete = True
    finally:
        bar.close()
        if executor is not None:
            executor.shutdown(cancel_futures=True)
        if frozen:
            gc.unfreeze()
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
