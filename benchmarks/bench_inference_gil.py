"""RAC-Net inference beside a reader thread: the traced graph against the eager pass.

Usage::

    /work/venv/bin/python benchmarks/bench_inference_gil.py     # about 1 minute

``skspec predict`` with ``n_jobs=1`` reads the next batch in a helper thread
while the network classifies this one. FITS parsing is Python, so it holds
the global interpreter lock most of the time, and the eager forward pass of
:class:`~skspec.neural_network.InferenceRACNet` needs the lock again after
each of its few hundred operations per micro-batch. This script times the
default RAC-Net (8 stages, 2,782 pixels, one torch thread) on batches of
256 rows, with ``graph=True`` (the forward pass traced once, then run in C++
without the lock) and ``graph=False``, first alone and then while a second
thread keeps reading the bundled LAMOST DR1 files with
:func:`skspec.io.read_lamost`. Rounds alternate the two; the medians over
rounds go to ``benchmarks/results/inference_gil.md``.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

import numpy as np
import torch

from skspec.utils._machine import describe_machine

RESULTS = Path(__file__).resolve().parent / "results" / "inference_gil.md"
FILES = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw" / "lamost_dr1"


def _ms_per_spectrum(model, X, reps):
    times = []
    with torch.inference_mode():
        model(X)
        model(X)  # the graph is traced on the second call
        for _ in range(reps):
            start = time.perf_counter()
            model(X)
            times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times)) / len(X)


class _Reader:
    """Reads the files over and over in a thread until stopped."""

    def __init__(self, files):
        from skspec.io import read_lamost

        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(files, read_lamost))

    def _run(self, files, read):
        while not self._stop.is_set():
            for path in files:
                if self._stop.is_set():
                    break
                read(path)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main(argv=None):
    from skspec.neural_network import InferenceRACNet, RACNet

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=15, help="batches timed per round and case")
    p.add_argument("--files", type=Path, default=FILES)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    files = sorted(args.files.glob("*.fits.gz"))
    if not files:
        raise SystemExit(f"no *.fits.gz files in {args.files}")
    net = RACNet(2782, 7).eval()
    models = {"graph": InferenceRACNet(net), "eager": InferenceRACNet(net, graph=False)}
    X = torch.randn(256, 2782)
    times = {}
    for _ in range(args.rounds):
        for name, model in models.items():
            times.setdefault((name, "alone"), []).append(_ms_per_spectrum(model, X, args.reps))
        with _Reader(files):
            for name, model in models.items():
                times.setdefault((name, "reader"), []).append(
                    _ms_per_spectrum(model, X, args.reps))
    med = {k: float(np.median(v)) for k, v in times.items()}
    lines = ["# RAC-Net inference beside a reader thread (`benchmarks/bench_inference_gil.py`)", "",
             f"Machine: {describe_machine()}. Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
             f"Default RAC-Net, 2,782 pixels, batches of 256, one torch thread; medians of "
             f"{args.rounds} rounds of {args.reps} batches (the docstring has the protocol).", "",
             "| forward pass | alone, ms/spectrum | with a reader thread, ms/spectrum | slowed by the thread |",
             "|---|---:|---:|---:|"]
    for name, label in (("eager", "eager (`graph=False`)"), ("graph", "traced graph (`graph=True`, default)")):
        a, r = med[(name, "alone")], med[(name, "reader")]
        lines.append(f"| {label} | {a:.2f} | {r:.2f} | {r / a:.2f}x |")
    lines += ["", f"With the reader thread the graph is {med[('eager', 'reader')] / med[('graph', 'reader')]:.2f}x "
              "as fast as the eager pass.", ""]
    RESULTS.write_text("\n".join(lines))
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
