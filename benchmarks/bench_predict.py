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


def run_one(mode: str, model: str, folder: str, out: str, n_jobs: int) -> dict:
    """Run in a child process: time one mode, return numbers as a dict."""
    import torch

    torch.set_num_threads(1)
    from skspec import load_model
    from skspec.survey import predict_bag, predict_files

    result = {"mode": mode}
    with PeakRSS() as mem:
        model_obj = load_model(model, device="cpu")
        if mode == "io":  # a classifier that costs nothing: the reading bound
            import numpy as np
            from sklearn.dummy import DummyClassifier

            model_obj = DummyClassifier().fit(np.zeros((2, 2782)), ["A", "B"])
        result["rss_start_mb"] = mem._sample() / 2**20
        if mode in ("serial", "pool", "io"):
            start = time.perf_counter()
            summary = predict_files(model_obj, [folder], out, n_jobs=1 if mode == "serial" else n_jobs,
                                    verbose=0, resume=False, tune_malloc=True)
            result["seconds"] = time.perf_counter() - start
            result["n"] = summary.n_files
            result["n_classified"] = summary.n_classified
        else:
            import dask
            from dask.distributed import Client, LocalCluster

            # Dask's statistical profiler keeps ~1000 one-second call-tree
            # snapshots per worker: it grew each worker by ~0.3 MB/s of work here
            dask.config.set({"distributed.worker.profile.enabled": False})
            start = time.perf_counter()
            with LocalCluster(n_workers=n_jobs, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster):
                result["startup_s"] = time.perf_counter() - start
                start = time.perf_counter()
                import dask.bag as db

                paths = db.read_text(str(lists_folder(Path(folder)) / "*.txt"),
                                     blocksize=None).map(str.strip)
                frame = predict_bag(model, paths, as_dataframe=True, device="cpu",
                                    tune_malloc=True)  # as measured before it was opt-in
                frame.to_csv(os.path.join(out, "part-*.csv"), index=False)
                result["seconds"] = time.perf_counter() - start
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


def measure(mode: str, model: Path, folder: Path, work: Path, n_jobs: int) -> dict:
    out = work / (f"out_{mode}" if mode == "dask" else f"out_{mode}.csv")
    if mode == "dask":
        write_path_lists(folder)
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import bench_predict as b; print('RESULT', json.dumps(b.run_one("
            f"{mode!r}, {str(model)!r}, {str(folder)!r}, {str(out)!r}, {n_jobs})))")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not line:
        raise RuntimeError(f"{mode} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return json.loads(line[0][7:])


# ----------------------------------------------------------------------------- report
LABELS = {"serial": "serial", "pool": "worker pool", "dask": "Dask LocalCluster",
          "io": "worker pool, reading only (no-cost classifier)"}


def report(rows: list[dict], n_jobs: int, notes: str) -> str:
    rows = sorted(rows, key=lambda r: (r["size"], list(LABELS).index(r["mode"])))
    lines = [
        "| files | mode | spectra/s | wall s | peak PSS MB (all processes) | PSS after model load MB |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        extra = f" (+{r['startup_s']:.1f} s cluster start)" if "startup_s" in r else ""
        workers = "" if r["mode"] == "serial" else f", {n_jobs} workers"
        lines.append(f"| {r['size']:,} | {LABELS[r['mode']]}{workers} | {r['spectra_per_s']:.1f} "
                     f"| {r['seconds']:.1f}{extra} | {r['peak_rss_mb']:.0f} | {r['rss_start_mb']:.0f} |")
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
    args = parser.parse_args(argv)
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
