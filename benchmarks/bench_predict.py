"""Survey-scale prediction benchmark: spectra/s and peak memory of ``predict_files``.

Usage::

    .venv/bin/python benchmarks/bench_predict.py                      # 1k and 10k, ~15 min
    .venv/bin/python benchmarks/bench_predict.py --sizes 1000 10000 100000

For each size N, N LAMOST files are made in a temporary folder from the seven
bundled samples (``load_lamost_samples``): 64 perturbed variants (flux times
1 + 1 % Gaussian noise, new OBSID), written as ``.fits.gz`` like the survey's
own files, then copied byte for byte to N distinct paths. A RAC-Net with the
default architecture is fitted for one epoch on ``load_obafgkm()`` (its
accuracy is irrelevant here: inference costs the same) and saved with
``skspec.save_model``. Then, each in a fresh process so memory is measured
from the same start:

- ``serial``: ``predict_files(model, folder, out.csv, n_jobs=1)``;
- ``pool``: the same with ``n_jobs`` worker processes reading files;
- ``dask``: ``predict_bag`` on a ``distributed.LocalCluster`` with ``n_jobs``
  single-threaded process workers (Dask's worker profiler off, see the
  survey guide), as the survey guide recommends for millions of files: the
  paths are listed in text files of 256 paths each and the workers read them
  (``dask.bag.read_text``), so the client never holds the list; rows written
  by the workers with ``to_csv`` (cluster start-up is timed separately);
- ``io``: the worker pool with a classifier that costs nothing
  (``DummyClassifier``): what reading and resampling alone allow, the bound
  a GPU doing the classification would approach.

Peak memory is the largest sum of the PSS (RSS where there is no PSS) of the
process and all its children (workers, nannies), sampled every 0.25 s. The files were just written, so they
are in the page cache: this measures CPU cost, not a cold disk.
Results go to ``benchmarks/results/predict.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from skspec.utils._machine import describe_machine

RESULTS = Path(__file__).resolve().parent / "results" / "predict.md"
DR7_SPECTRA = 9_840_000
N_VARIANTS = 64


# ----------------------------------------------------------------------------- setup
def make_files(folder: Path, n: int, seed: int = 0) -> None:
    """N perturbed copies of the bundled LAMOST samples in ``folder``."""
    import numpy as np
    from astropy.io import fits

    from skspec.datasets import load_lamost_samples

    rng = np.random.default_rng(seed)
    templates = load_lamost_samples().filenames
    variants = folder / "_variants"
    variants.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(N_VARIANTS):
        src = templates[i % len(templates)]
        with fits.open(src) as hdul:
            for hdu in hdul:
                if hdu.data is None:
                    continue
                if isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU)) and hdu.data.ndim == 2:
                    hdu.data[0] = hdu.data[0] * (1 + 0.01 * rng.standard_normal(hdu.data.shape[1]))
                elif isinstance(hdu, fits.BinTableHDU) and "FLUX" in hdu.columns.names:
                    flux = hdu.data["FLUX"]
                    flux *= 1 + 0.01 * rng.standard_normal(flux.shape)
            hdul[0].header["OBSID"] = 900_000_000 + i
            path = variants / f"variant-{i:03d}.fits.gz"
            hdul.writeto(path, overwrite=True)
        paths.append(path)
    for k in range(n):  # a folder of 1000 files each, like a survey's plate folders
        sub = folder / f"part{k // 1000:04d}"
        sub.mkdir(exist_ok=True)
        shutil.copyfile(paths[k % N_VARIANTS], sub / f"spec-{k:07d}.fits.gz")
    shutil.rmtree(variants)


def make_model(path: Path) -> None:
    import torch

    from imblearn.pipeline import make_pipeline

    from skspec import save_model
    from skspec.datasets import load_obafgkm
    from skspec.neural_network import RACNetClassifier
    from skspec.preprocessing import FluxNormalizer

    torch.set_num_threads(1)
    spectra = load_obafgkm()
    net = RACNetClassifier(max_epochs=1, random_state=0, device="cpu")
    model = make_pipeline(FluxNormalizer(), net).fit(spectra.data, spectra.target)
    save_model(model, path, wavelength=spectra.wavelength, overwrite=True)


# ----------------------------------------------------------------------------- one run
class PeakRSS:
    """Largest memory of this process and its children, sampled in a thread.

    Uses PSS (proportional set size: a page shared by k processes counts 1/k
    in each) where the OS gives it, so workers sharing pages are not counted
    twice; RSS elsewhere.
    """

    def __init__(self, interval: float = 0.25):
        import psutil

        self.proc, self.interval, self.peak = psutil.Process(), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                info = p.memory_full_info()
                total += getattr(info, "pss", info.rss)
            except psutil.Error:
                pass
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


class CPUTime:
    """CPU seconds (user + system) of this process and all its descendants over a block.

    Live descendants are read with psutil at both ends; those that ended and
    were reaped by this process in between (pool workers) through
    ``RUSAGE_CHILDREN``. On a machine shared with other jobs, CPU time per
    spectrum moves much less with the load than wall time does.
    """

    def __enter__(self):
        import psutil
        import resource

        self._psutil, self._resource = psutil, resource
        self.start_children = self._reaped()
        self.start = self._live()
        return self

    def _reaped(self) -> float:
        r = self._resource.getrusage(self._resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    def _live(self) -> dict:
        me = self._psutil.Process()
        out = {}
        for p in [me, *me.children(recursive=True)]:
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except self._psutil.Error:
                pass
        return out

    def stop(self) -> float:
        """CPU seconds since the block began (call before descendants are shut down)."""
        end = self._live()
        live = sum(t - self.start.get(pid, 0.0) for pid, t in end.items())
        return live + self._reaped() - self.start_children

    def __exit__(self, *exc):
        return False


def _takes(func, name: str) -> bool:
    """Whether ``func`` has the keyword ``name`` (the baseline may not)."""
    import inspect

    return name in inspect.signature(func).parameters


def _time_classifying_process() -> dict:
    """Seconds the classifying process spends in ``_classify`` and in writing.

    Wraps the two names ``predict_files`` calls (when this skspec has them);
    the rest of its wall time is reading (serial) or waiting for the readers
    (pool). Also notes when the first and last rows were written: the rate
    between them is the steady state, start-up (workers importing torch and
    loading the model) excluded.
    """
    timers = {"classify_s": 0.0, "write_s": 0.0, "first_write_at": 0.0, "last_write_at": 0.0,
              "first_rows": 0}
    try:
        from skspec.survey import _predict
    except ImportError:  # pragma: no cover - a layout without the module
        return {}
    if not hasattr(_predict, "_classify") or not hasattr(_predict, "_open_sink"):
        return {}
    classify, open_sink = _predict._classify, _predict._open_sink

    def timed_classify(*args, **kwargs):
        t = time.perf_counter()
        try:
            return classify(*args, **kwargs)
        finally:
            timers["classify_s"] += time.perf_counter() - t

    def timed_open_sink(*args, **kwargs):
        sink = open_sink(*args, **kwargs)
        write = sink.write

        def timed_write(rows):
            t = time.perf_counter()
            if not timers["first_write_at"]:  # start-up ends with the first rows
                timers["first_write_at"], timers["first_rows"] = t, len(rows)
            timers["last_write_at"] = t
            try:
                return write(rows)
            finally:
                timers["write_s"] += time.perf_counter() - t

        sink.write = timed_write
        return sink

    _predict._classify, _predict._open_sink = timed_classify, timed_open_sink
    return timers


def run_one(mode: str, model: str, folder: str, out: str, n_jobs: int) -> dict:
    """Run in a child process: time one mode, return numbers as a dict."""
    import torch

    torch.set_num_threads(1)
    from skspec import load_model
    from skspec.survey import predict_bag, predict_files

    import skspec

    result = {"mode": mode, "skspec_from": os.path.dirname(skspec.__file__)}
    with PeakRSS() as mem:
        model_obj = load_model(model, device="cpu")
        if mode == "io":  # a classifier that costs nothing: the reading bound
            import numpy as np
            from sklearn.dummy import DummyClassifier

            model_obj = DummyClassifier().fit(np.zeros((2, 2782)), ["A", "B"])
        result["rss_start_mb"] = mem._sample() / 2**20
        if mode in ("serial", "pool", "io"):
            timers = _time_classifying_process()
            extra = {"tune_malloc": True} if _takes(predict_files, "tune_malloc") else {}
            start = time.perf_counter()
            with CPUTime() as cpu:
                summary = predict_files(model_obj, [folder], out,
                                        n_jobs=1 if mode == "serial" else n_jobs,
                                        verbose=0, resume=False, **extra)
                result["seconds"] = time.perf_counter() - start
                result["cpu_s"] = cpu.stop()
            result.update({k: v for k, v in timers.items() if v})
            result["n"] = summary.n_files
            if timers.get("last_write_at", 0) > timers.get("first_write_at", 0) > 0:
                result["first_rows_s"] = timers["first_write_at"] - start
                result["steady_spectra_per_s"] = (
                    (summary.n_files - timers["first_rows"])
                    / (timers["last_write_at"] - timers["first_write_at"]))
            result["n_classified"] = summary.n_classified
        else:
            import dask
            from dask.distributed import Client, LocalCluster

            # Dask's statistical profiler keeps ~1000 one-second call-tree
            # snapshots per worker: it grew each worker by ~0.3 MB/s of work here
            dask.config.set({"distributed.worker.profile.enabled": False})
            start = time.perf_counter()
            with LocalCluster(n_workers=n_jobs, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                result["startup_s"] = time.perf_counter() - start
                # each worker imports skspec (torch, astropy, ...) and loads the model
                # once, on its first partition: ~5 s of CPU per worker here, which a
                # survey-scale run pays once; timed apart from the steady-state rate
                start = time.perf_counter()
                def warm(path):  # nested: sent by value (the workers cannot import this file)
                    import os

                    from skspec.survey import _dask

                    if hasattr(_dask, "_cached_model"):  # the cache predict_bag's partitions use
                        _dask._cached_model(path, os.path.getmtime(path), "cpu")

                client.run(warm, os.path.abspath(model))
                result["warmup_s"] = time.perf_counter() - start
                start = time.perf_counter()
                cpu = CPUTime().__enter__()
                import dask.bag as db

                paths = db.read_text(str(lists_folder(Path(folder)) / "*.txt"),
                                     blocksize=None).map(str.strip)
                extra = {"tune_malloc": True} if _takes(predict_bag, "tune_malloc") else {}
                frame = predict_bag(model, paths, as_dataframe=True, device="cpu", **extra)
                frame.to_csv(os.path.join(out, "part-*.csv"), index=False)
                result["seconds"] = time.perf_counter() - start
                result["cpu_s"] = cpu.stop()  # the workers are still alive here
            result["n"] = sum(1 for f in os.listdir(out) for _ in open(os.path.join(out, f))) \
                - len(os.listdir(out))
    result["peak_rss_mb"] = mem.peak / 2**20
    result["spectra_per_s"] = result["n"] / result["seconds"]
    return result


def lists_folder(folder: Path) -> Path:
    """Where :func:`write_path_lists` puts the path lists of ``folder``."""
    return folder.with_name(folder.name + "_lists")


def write_path_lists(folder: Path, per_list: int = 256) -> Path:
    """The files of ``folder`` listed in text files of ``per_list`` paths (for Dask)."""
    from skspec.survey import iter_paths

    lists = lists_folder(folder)
    shutil.rmtree(lists, ignore_errors=True)
    lists.mkdir()
    paths = sorted(iter_paths([str(folder)]))
    for k in range(0, len(paths), per_list):
        (lists / f"paths-{k // per_list:06d}.txt").write_text("\n".join(paths[k:k + per_list]) + "\n")
    return lists


def measure(mode: str, model: Path, folder: Path, work: Path, n_jobs: int,
            code: str = "new", pythonpath: str | None = None) -> dict:
    """One mode in a fresh process; ``pythonpath`` puts another skspec first (the baseline)."""
    out = work / (f"out_{code}_{mode}" if mode == "dask" else f"out_{code}_{mode}.csv")
    if mode == "dask":
        write_path_lists(folder)
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    tag = code
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import bench_predict as b; print('RESULT', json.dumps(b.run_one("
            f"{mode!r}, {str(model)!r}, {str(folder)!r}, {str(out)!r}, {n_jobs})))")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    # cwd: ``python -c`` puts the current folder first on sys.path, before
    # PYTHONPATH: run from a checkout, the baseline process would import it
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=str(work))
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not line:
        raise RuntimeError(f"{tag} {mode} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    result = json.loads(line[0][7:])
    result.update(code=tag, out=str(out))
    return result


def run_python(code: str, pythonpath: str | None = None) -> str:
    """Run ``code`` in a fresh interpreter (``pythonpath`` first on the path); its stdout."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    here = str(Path(__file__).parent)
    proc = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {here!r}); " + code],
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if proc.returncode:
        raise RuntimeError(f"failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc.stdout


def make_baseline_model(model: Path, baseline: str, path: Path) -> None:
    """The same network saved by the baseline skspec (its own file format).

    The baseline fits the same pipeline for one epoch (so every fitted
    attribute it expects exists), then takes the new model's weights, so both
    codes classify with identical weights and their catalogues can be compared.
    """
    weights = path.with_suffix(".pt")
    run_python(f"import torch; from skspec import load_model; m = load_model({str(model)!r}, "
               f"device='cpu'); torch.save(m[-1].module_.state_dict(), {str(weights)!r})")
    run_python(f"import torch, bench_predict as b; from pathlib import Path; "
               f"b.make_model(Path({str(path)!r})); from skspec import load_model, save_model; "
               f"m = load_model({str(path)!r}, device='cpu'); "
               f"m[-1].module_.load_state_dict(torch.load({str(weights)!r})); "
               f"save_model(m, {str(path)!r}, wavelength=m.wavelength_, overwrite=True)",
               baseline)


def compare_catalogues(a: str, b: str) -> dict:
    """Class and probability columns of two csv catalogues, matched by file."""
    import numpy as np
    import pandas as pd

    x = pd.read_csv(a, keep_default_na=False).sort_values("file").reset_index(drop=True)
    y = pd.read_csv(b, keep_default_na=False).sort_values("file").reset_index(drop=True)
    if len(x) != len(y) or not (x["file"] == y["file"]).all():
        return {"rows": [len(x), len(y)], "same_files": False}
    prob = [c for c in x.columns if c.startswith("prob_")]
    px = pd.to_numeric(x[prob].stack(), errors="coerce").to_numpy().reshape(len(x), -1)
    py = pd.to_numeric(y[prob].stack(), errors="coerce").to_numpy().reshape(len(y), -1)
    both = np.isfinite(px) & np.isfinite(py)
    f32 = np.float32(px[both]) == np.float32(py[both])
    return {"rows": len(x), "same_files": True,
            "same_class": int((x["pred_class"] == y["pred_class"]).sum()),
            "same_flags": int((x["flags"] == y["flags"]).sum()),
            "same_missing": bool((np.isfinite(px) == np.isfinite(py)).all()),
            "prob_exact": int((px[both] == py[both]).sum()), "prob_f32_equal": int(f32.sum()),
            "n_prob": int(both.sum()),
            "max_abs_prob_diff": float(np.abs(px[both] - py[both]).max()) if both.any() else 0.0}


# ----------------------------------------------------------------------------- stages
STAGES = ("read file", "decompression", "FITS parsing", "metadata extraction", "resampling",
          "catalogue row", "normalisation", "inference", "catalogue writing")


def profile_stages(model: str, folder: str, n_files: int = 768, batch_size: int = 256) -> dict:
    """Milliseconds per spectrum in each stage of the survey path, in one process (medians).

    Each stage is timed on its own over the same ``n_files`` files, calling the
    functions ``predict_files`` calls (``skspec.io``'s reader in pieces:
    bytes, gzip, FITS parser, LAMOST reader; then ``read_onto_grid``'s
    resampling; the catalogue row; the pipeline's FluxNormalizer and RAC-Net
    on batches of ``batch_size``; the csv writer). Run in a child process with
    one torch thread and malloc tuned, like a worker or a serial run; the
    clock is the thread's CPU time.
    """
    import tempfile as _tempfile

    import numpy as np
    import torch

    from skspec import load_model
    from skspec.io._base import _decompress, _read_bytes
    from skspec.io._fastfits import parse_simple_fits
    from skspec.io._fits import _READERS, _detect
    from skspec.io._onto_grid import read_onto_grid
    from skspec.survey import catalogue_columns, iter_paths
    from skspec.survey._classification import _classify
    from skspec.survey._reading import _read_one
    from skspec.survey._sinks import _open_sink

    torch.set_num_threads(1)
    try:  # as the timed runs do (tune_malloc=True): else inference pays page faults
        from skspec.survey._malloc import _tune_malloc

        _tune_malloc()
    except ImportError:  # pragma: no cover - a layout without it
        pass
    model_obj = load_model(model, device="cpu")
    grid = np.asarray(model_obj.wavelength_)
    paths = [p for _, p in zip(range(n_files), iter_paths([folder]))]
    # CPU time of this (only) thread: other jobs on a shared machine preempt it, and
    # wall time would count that; CPU time counts only the work (and its cache misses)
    clock = time.thread_time
    t = {k: [] for k in STAGES}  # per file (per batch for the model), medians below:
    for path in paths[:16]:  # warm the caches and the resampling plan; on a shared
        _read_one(path, grid, 0.1, "flux_conserving")  # machine a sum would count preemptions
    items = []
    for path in paths:
        t0 = clock()
        raw = _read_bytes(path, path)
        t1 = clock()
        data = _decompress(raw, path)
        t2 = clock()
        hdus = parse_simple_fits(data, path)
        t3 = clock()
        _READERS[_detect(hdus, path)](hdus, path, True)
        t4 = clock()
        read_onto_grid(path, grid, flag_bad_fraction=0.1, max_bad_fraction=0.5)
        t5 = clock()
        items.append(_read_one(path, grid, 0.1, "flux_conserving"))
        t6 = clock()
        for k, v in zip(STAGES[:4], (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            t[k].append(v)
        t["resampling"].append((t5 - t4) - (t4 - t0))  # read_onto_grid less reading the file
        t["catalogue row"].append((t6 - t5) - (t5 - t4))  # _read_one less read_onto_grid
    X = np.stack([flux for _, flux in items])
    head, net = model_obj[:-1], model_obj[-1]
    net.predict_proba(head.transform(X[:batch_size]))  # warm
    for k in range(0, len(X) - batch_size + 1, batch_size):
        t0 = clock()
        Xn = head.transform(X[k:k + batch_size])
        t1 = clock()
        net.predict_proba(Xn)
        t["normalisation"].append((t1 - t0) / batch_size)
        t["inference"].append((clock() - t1) / batch_size)
    classes = [str(c) for c in model_obj.classes_]
    rows = [r for k in range(0, len(items), batch_size)
            for r in _classify(model_obj, items[k:k + batch_size], classes)]
    with _tempfile.TemporaryDirectory() as tmp:
        sink = _open_sink(os.path.join(tmp, "c.csv"), catalogue_columns(classes), False)
        for k in range(0, len(rows) - batch_size + 1, batch_size):
            start = clock()
            sink.write(rows[k:k + batch_size])
            t["catalogue writing"].append((clock() - start) / batch_size)
        sink.close(True)
    return {k: 1000 * float(np.median(v)) for k, v in t.items()}


# ----------------------------------------------------------------------------- report
LABELS = {"serial": "serial", "pool": "worker pool", "dask": "Dask LocalCluster",
          "io": "worker pool, reading only (no-cost classifier)"}


def report(rows: list[dict], n_jobs: int, notes: str) -> str:
    rows = sorted(rows, key=lambda r: (r["size"], list(LABELS).index(r["mode"])))
    lines = [
        "| files | mode | spectra/s | wall s | first rows after s | steady spectra/s "
        "| peak PSS MB (all processes) | PSS after model load MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        extra = f" (+{r['startup_s']:.1f} s cluster start)" if "startup_s" in r else ""
        workers = "" if r["mode"] == "serial" else f", {n_jobs} workers"
        first = f"{r['first_rows_s']:.1f}" if "first_rows_s" in r else ""
        steady = f"{r['steady_spectra_per_s']:.1f}" if "steady_spectra_per_s" in r else ""
        lines.append(f"| {r['size']:,} | {LABELS[r['mode']]}{workers} | {r['spectra_per_s']:.1f} "
                     f"| {r['seconds']:.1f}{extra} | {first} | {steady} | {r['peak_rss_mb']:.0f} "
                     f"| {r['rss_start_mb']:.0f} |")
    lines.append("")
    largest = max(r["size"] for r in rows)
    at = {r["mode"]: r for r in rows if r["size"] == largest}
    if "serial" in at:
        for mode in ("pool", "dask", "io"):
            if mode in at:
                lines.append(f"- {LABELS[mode]} / serial at {largest:,} files: "
                             f"{at[mode]['spectra_per_s'] / at['serial']['spectra_per_s']:.2f}x.")
    for mode in at:
        sizes = sorted(r["peak_rss_mb"] for r in rows if r["mode"] == mode)
        if len(sizes) > 1:
            lines.append(f"- {LABELS[mode]}: peak memory spread over all sizes "
                         f"{sizes[-1] - sizes[0]:.0f} MB.")
    cpu = max((r for r in at.values() if r["mode"] != "io"), key=lambda r: r["spectra_per_s"])
    hours = DR7_SPECTRA / cpu["spectra_per_s"] / 3600
    lines.append(
        f"- **All of LAMOST DR7 ({DR7_SPECTRA:,} spectra) on this 2-core box (CPU only): "
        f"{hours:.0f} h ({hours / 24:.1f} days)** with the {LABELS[cpu['mode']]} at "
        f"{cpu['spectra_per_s']:.1f} spectra/s.")
    if "io" in at:
        io_hours = DR7_SPECTRA / at["io"]["spectra_per_s"] / 3600
        lines.append(
            f"- With a GPU doing the classification (not measured here: no GPU on this machine), "
            f"the two cores only read and resample files; the reading-only run bounds that at "
            f"{at['io']['spectra_per_s']:.1f} spectra/s, i.e. **about {io_hours:.0f} h "
            f"({io_hours / 24:.1f} days) for DR7** on a 2-core box with a GPU.")
    lines += ["", notes]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", default=["serial", "pool", "dask", "io"],
                        choices=list(LABELS))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--workdir", default=None, help="where to make the files (default: tmp)")
    parser.add_argument("--notes", default="", help="text appended to the results")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of earlier runs in results/predict.json")
    parser.add_argument("--report-only", action="store_true",
                        help="only rewrite predict.md from predict.json (e.g. with new --notes)")
    parser.add_argument("--baseline", default=None, metavar="PATH",
                        help="a folder holding another skspec (put first on PYTHONPATH): run it "
                             "and this code alternately, compare rates and catalogues "
                             "(results/predict_speed.md)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs of each code and mode per size (with --baseline)")
    parser.add_argument("--first-repeat", type=int, default=0,
                        help="number of the first repeat (odd: new code runs first)")
    parser.add_argument("--stage-files", type=int, default=768,
                        help="files for the per-stage profile (0: none)")
    parser.add_argument("--report-from-log", default=None, metavar="LOG",
                        help="with --baseline: rewrite predict_speed.md from the JSON lines a "
                             "run printed (e.g. a run stopped before its end)")
    args = parser.parse_args(argv)
    if args.baseline and args.report_from_log:
        return report_from_log(args)
    if args.baseline:
        return main_compare(args)
    if args.report_only:
        write_report(json.loads(RESULTS.with_suffix(".json").read_text()), args)
        return 0

    work = Path(args.workdir or tempfile.mkdtemp(prefix="skspec_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    model = work / "racnet.skspec"
    t = time.perf_counter()
    make_model(model)
    print(f"model fitted and saved in {time.perf_counter() - t:.0f} s", flush=True)
    rows = []
    try:
        for size in args.sizes:
            folder = work / f"files_{size}"
            if not folder.exists():
                t = time.perf_counter()
                make_files(folder, size)
                print(f"{size} files made in {time.perf_counter() - t:.0f} s", flush=True)
            for mode in args.modes:
                r = measure(mode, model, folder, work, args.n_jobs)
                r["size"] = size
                rows.append(r)
                print(json.dumps(r), flush=True)
            shutil.rmtree(folder)
            shutil.rmtree(lists_folder(folder), ignore_errors=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    raw = RESULTS.with_suffix(".json")
    if args.merge and raw.exists():
        new = {(r["size"], r["mode"]) for r in rows}
        rows += [r for r in json.loads(raw.read_text()) if (r["size"], r["mode"]) not in new]
    raw.write_text(json.dumps(rows, indent=1))
    write_report(rows, args)
    return 0


COMPARE = RESULTS.with_name("predict_speed.md")


def _median(values):
    import statistics

    return statistics.median(values)


def main_compare(args) -> int:
    """Baseline and this code, alternately, in fresh processes: rates, memory, catalogues."""
    work = Path(args.workdir or tempfile.mkdtemp(prefix="skspec_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    model, base_model = work / "racnet.skspec", work / "racnet_baseline.skspec"
    make_model(model)
    make_baseline_model(model, args.baseline, base_model)
    print("models saved", flush=True)
    rows, comparisons, stages = [], [], {}
    load = []
    try:
        for size in args.sizes:
            folder = work / f"files_{size}"
            if not folder.exists():
                make_files(folder, size)
            if args.stage_files and not stages:
                out = run_python(f"import json, bench_predict as b; print('RESULT', json.dumps("
                                 f"b.profile_stages({str(model)!r}, {str(folder)!r}, "
                                 f"{min(args.stage_files, size)})))")
                stages = json.loads([ln for ln in out.splitlines() if ln.startswith("RESULT ")][0][7:])
                print(json.dumps(stages), flush=True)
            for rep in range(args.first_repeat, args.first_repeat + args.repeats):
                for mode in args.modes:
                    order = [("baseline", args.baseline, base_model), ("new", None, model)]
                    if rep % 2:
                        order.reverse()
                    done = {}
                    for code, path, m in order:
                        load.append(os.getloadavg()[0])
                        r = measure(mode, m, folder, work, args.n_jobs, code, path)
                        r.update(size=size, repeat=rep, load_before=load[-1])
                        rows.append(r)
                        done[code] = r
                        print(json.dumps(r), flush=True)
                    if rep == args.first_repeat and mode in ("serial", "pool"):
                        c = compare_catalogues(done["baseline"]["out"], done["new"]["out"])
                        c.update(size=size, what=f"baseline vs new, {mode}")
                        comparisons.append(c)
                        print(json.dumps(c), flush=True)
                if rep == args.first_repeat and {"serial", "pool"} <= set(args.modes):
                    c = compare_catalogues(str(work / "out_new_serial.csv"),
                                           str(work / "out_new_pool.csv"))
                    c.update(size=size, what="new: serial vs pool (-j 2)")
                    comparisons.append(c)
                    print(json.dumps(c), flush=True)  # for --report-from-log
            shutil.rmtree(folder)
            shutil.rmtree(lists_folder(folder), ignore_errors=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    raw = COMPARE.with_suffix(".json")
    if args.merge and raw.exists():  # add these runs to the earlier ones
        old = json.loads(raw.read_text())
        rows, comparisons = old["rows"] + rows, old["comparisons"] + comparisons
        stages = stages or old["stages"]
    raw.write_text(json.dumps({"rows": rows, "comparisons": comparisons, "stages": stages},
                              indent=1))
    text = report_compare(rows, comparisons, stages, args)
    COMPARE.write_text(text)
    print(text)
    return 0


def report_from_log(args) -> int:
    """predict_speed.md (and .json) from the lines a ``--baseline`` run printed."""
    rows, comparisons, stages = [], [], {}
    for line in Path(args.report_from_log).read_text().splitlines():
        if not line.startswith("{"):
            continue
        item = json.loads(line)
        if "mode" in item:
            rows.append(item)
        elif "what" in item:
            comparisons.append(item)
        elif "inference" in item:
            stages = item
    args.modes = [m for m in args.modes if any(r["mode"] == m for r in rows)]
    COMPARE.with_suffix(".json").write_text(
        json.dumps({"rows": rows, "comparisons": comparisons, "stages": stages}, indent=1))
    text = report_compare(rows, comparisons, stages, args)
    COMPARE.write_text(text)
    print(text)
    return 0


def report_compare(rows, comparisons, stages, args) -> str:
    args.modes = [m for m in LABELS if any(r["mode"] == m for r in rows)]  # merged runs too
    loads = [r["load_before"] for r in rows]
    lines = [
        "# Survey prediction: this code against a baseline (`bench_predict.py --baseline`)",
        "",
        f"Machine: {describe_machine()}. Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Load average (1 min) before the runs: {min(loads):.1f} to {max(loads):.1f} "
        "(the machine was shared with other jobs: read ratios, not absolute rates).",
        f"Baseline: `{args.baseline}`. Model: default RAC-Net (8 stages) after FluxNormalizer, "
        "2782 pixels, batch 256, CPU, one torch thread per process; the same weights in both "
        "codes (each saved in its own file format). Runs alternate baseline/new (order swapped "
        f"each repeat), {args.repeats} repeat(s), each in a fresh process; medians shown.",
        "",
        "| files | mode | baseline spectra/s | new spectra/s | new / baseline | "
        "baseline CPU ms/spectrum | new CPU ms/spectrum | baseline / new CPU | "
        "baseline peak MB | new peak MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sizes = sorted({r["size"] for r in rows})
    med = {}
    for size in sizes:
        for mode in args.modes:
            got = {}
            for code in ("baseline", "new"):
                rs = [r for r in rows if (r["size"], r["mode"], r["code"]) == (size, mode, code)]
                if rs:
                    cpu = [1000 * r["cpu_s"] / r["n"] for r in rs if "cpu_s" in r]
                    got[code] = (_median([r["spectra_per_s"] for r in rs]),
                                 _median([r["peak_rss_mb"] for r in rs]),
                                 [round(r["spectra_per_s"], 1) for r in rs],
                                 _median(cpu) if cpu else float("nan"))
                    med[size, mode, code] = got[code]
            if len(got) == 2:
                b, n = got["baseline"], got["new"]
                workers = "" if mode == "serial" else f", {args.n_jobs} workers"
                lines.append(f"| {size:,} | {LABELS[mode]}{workers} | {b[0]:.1f} {b[2]} "
                             f"| {n[0]:.1f} {n[2]} | **{n[0] / b[0]:.2f}x** | {b[3]:.2f} | "
                             f"{n[3]:.2f} | {b[3] / n[3]:.2f}x | {b[1]:.0f} | {n[1]:.0f} |")
    lines.append("")
    largest = sizes[-1]
    for code in ("baseline", "new"):
        for mode in args.modes:
            peaks = [med[s, mode, code][1] for s in sizes if (s, mode, code) in med]
            if len(peaks) > 1:
                lines.append(f"- {code}, {LABELS[mode]}: peak memory {min(peaks):.0f} to "
                             f"{max(peaks):.0f} MB over {', '.join(f'{s:,}' for s in sizes)} files "
                             f"(spread {max(peaks) - min(peaks):.0f} MB).")
    if ("new", "serial") and (largest, "serial", "new") in med:
        for mode in args.modes:
            if mode != "serial" and (largest, mode, "new") in med:
                lines.append(f"- new, {LABELS[mode]} / new serial at {largest:,} files: "
                             f"{med[largest, mode, 'new'][0] / med[largest, 'serial', 'new'][0]:.2f}x.")
    best = max((m for m in args.modes if (largest, m, "new") in med),
               key=lambda m: med[largest, m, "new"][0])
    rate = med[largest, best, "new"][0]
    hours = DR7_SPECTRA / rate / 3600
    lines.append(f"- **All of LAMOST DR7 ({DR7_SPECTRA:,} spectra) on this 2-core box: {hours:.1f} h** "
                 f"({LABELS[best]}, {rate:.0f} spectra/s at {largest:,} files, as loaded as it was).")
    lines += ["", "## Catalogues", "",
              "| files | compared | rows | same class | same flags | probabilities equal "
              "(exact / as float32) | max abs difference |", "|---:|---|---:|---:|---:|---|---:|"]
    for c in comparisons:
        if not c.get("same_files"):
            lines.append(f"| {c['size']:,} | {c['what']} | {c['rows']} | different files | | | |")
            continue
        lines.append(f"| {c['size']:,} | {c['what']} | {c['rows']:,} | {c['same_class']:,} "
                     f"| {c['same_flags']:,} | {c['prob_exact']:,} / {c['prob_f32_equal']:,} of "
                     f"{c['n_prob']:,} | {c['max_abs_prob_diff']:.2g} |")
    if stages:
        total = sum(stages.values())
        lines += ["", "## Per-stage profile (new code, one process, one torch thread)", "",
                  "The same functions run in every mode: serially in one process (a helper "
                  "thread reads), and in every worker process of the pool and of Dask, which "
                  "read and classify whole batches (the pool's parent writes the rows; a model "
                  "on a GPU classifies in the parent, the workers then read only).", "",
                  "CPU time of the one thread (other jobs' preemption not counted), malloc "
                  "tuned as in the runs; medians over files (over batches of 256 for the "
                  "model). Resampling is "
                  "`read_onto_grid` less the reading stages and the catalogue row `_read_one` "
                  "less `read_onto_grid`, both timed on the same file just after: a negative "
                  "value means the difference is below what this shared machine resolves "
                  "(the second read of a file runs warm).", "",
                  "| stage | ms per spectrum | share |", "|---|---:|---:|"]
        for k, v in stages.items():
            lines.append(f"| {k} | {v:.3f} | {100 * v / total:.0f}% |")
        lines.append(f"| **total** | **{total:.3f}** | |")
    steady = [r for r in rows if "steady_spectra_per_s" in r and r["size"] == largest]
    if steady:
        lines += ["", f"## Start-up and steady state ({largest:,} files, medians)", "",
                  "Start-up: from the call to the first rows written (pool: spawning the "
                  "workers, which import what the model needs, torch for a RAC-Net, and "
                  "receive the model). Steady state: rows per second from the first write to "
                  "the last (what a survey-scale run sees).", "",
                  "| mode | baseline start-up s | new start-up s | baseline steady spectra/s "
                  "| new steady spectra/s | new / baseline |", "|---|---:|---:|---:|---:|---:|"]
        for mode in args.modes:
            got = {code: [r for r in steady if (r["mode"], r["code"]) == (mode, code)]
                   for code in ("baseline", "new")}
            if got["baseline"] and got["new"]:
                b = _median([r["steady_spectra_per_s"] for r in got["baseline"]])
                n = _median([r["steady_spectra_per_s"] for r in got["new"]])
                bs = _median([r["first_rows_s"] for r in got["baseline"]])
                ns = _median([r["first_rows_s"] for r in got["new"]])
                lines.append(f"| {LABELS[mode]} | {bs:.1f} | {ns:.1f} | {b:.1f} | {n:.1f} | "
                             f"{n / b:.2f}x |")
    split = [r for r in rows if r["code"] == "new" and "classify_s" in r and r["size"] == largest]
    if split:
        lines += ["", "## Where the classifying process spends its time (new code, "
                  f"{largest:,} files, medians)", "",
                  "| mode | wall ms/spectrum | classify (normalise + infer) | write | "
                  "reading (serial) or waiting for the readers (pool) |", "|---|---:|---:|---:|---:|"]
        for mode in ("serial", "pool", "io"):
            rs = [r for r in split if r["mode"] == mode]
            if rs:
                w = _median([1000 * r["seconds"] / r["n"] for r in rs])
                c = _median([1000 * r["classify_s"] / r["n"] for r in rs])
                wr = _median([1000 * r.get("write_s", 0) / r["n"] for r in rs])
                lines.append(f"| {LABELS[mode]} | {w:.2f} | {c:.2f} | {wr:.2f} | {w - c - wr:.2f} |")
    lines += ["", args.notes]
    return "\n".join(lines) + "\n"


def write_report(rows: list[dict], args) -> None:
    body = report(rows, args.n_jobs, args.notes)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Survey prediction benchmark (`benchmarks/bench_predict.py`)\n\n"
        f"Machine: {describe_machine()}. Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n"
        f"Model: default RAC-Net (8 stages) after FluxNormalizer, 2782 pixels, batch 256, CPU.\n\n"
        + body + "\n"
    )
    print(RESULTS.read_text())


if __name__ == "__main__":
    sys.exit(main())
