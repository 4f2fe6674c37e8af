"""Where ``skspec reproduce`` spends its time: a CPU-time profile of one split.

Usage::

    .venv/bin/python benchmarks/bench_reproduce.py                  # ofgk, quick, split 0
    .venv/bin/python benchmarks/bench_reproduce.py --data all --mode quick --split 3

Runs one leave-one-O-star-out split (seed 0) of ``reproduce`` in this process
with one torch thread, as each worker process of a run does, under cProfile
with ``time.process_time`` as the clock: CPU time, not wall time, so the
numbers hold on a machine shared with other jobs. Prints the CPU time of the
split, the wall time of each method's fit (noisy on a shared machine) and the
CPU time of the stages (RAC-Net training, GAN training, random forest, SVCs,
prediction, test conditions). A run of ``reproduce`` on ``n`` cores takes
about ``n_splits * split CPU time / n`` plus a few seconds per process for
imports and about 10 s for the report. Append the output to
``benchmarks/results/reproduce_profile.md`` by hand, naming the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

#: profile entries summed per stage: (label, regular expression on "file:line(function)")
STAGES = (
    ("RAC-Net fits (with the sampler inside)", r"neural_network/_classifier.py:\d+\(fit\)"),
    ("of which GAN training", r"over_sampling/_base.py:\d+\(_train\)"),
    ("random forest fit", r"ensemble/_forest.py:\d+\(fit\)"),
    ("SVC fits", r"svm/_base.py:\d+\(fit\)"),
    ("prediction (all conditions)", r"experiments/_split.py:\d+\(_record\)"),
    ("test conditions", r"experiments/_conditions.py:\d+\(test_conditions\)"),
    ("GAN quality and fidelity", r"experiments/_gan_quality.py:\d+\((_gan_quality|_fidelity)\)"),
)


def _stage_times(profile) -> dict:
    import re

    stats = pstats.Stats(profile).stats
    out = {}
    for label, pattern in STAGES:
        regex = re.compile(pattern)
        # cumulative time of the outermost matching entries (callers not matching)
        total = 0.0
        for (path, line, func), (_, _, _, cum, callers) in stats.items():
            if regex.search(f"{path}:{line}({func})") and not any(
                    regex.search(f"{p}:{ln}({fn})") for p, ln, fn in callers):
                total += cum
        out[label] = total
    return out


def main(argv=None):
    import torch

    from skspec.experiments import MODES
    from skspec.experiments._reproduce import _load, _tasks
    from skspec.experiments._split import _fit_split

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="ofgk", choices=("ofgk", "obafgkm", "all"))
    parser.add_argument("--mode", default="quick", choices=sorted(MODES))
    parser.add_argument("--split", type=int, default=0, help="index among the kept splits")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    settings = MODES[args.mode]
    bunch = _load(args.data)
    X, y, groups = bunch.data, np.asarray(bunch.target), np.asarray(bunch.object)
    tasks = _tasks(args.data, X, y, groups, settings, [0], 0.2)
    task = tasks[args.split]
    profile = cProfile.Profile(time.process_time)
    cpu, wall = time.process_time(), time.perf_counter()
    profile.enable()
    out = _fit_split(task, X, y, bunch.wavelength.value, settings, "cpu")
    profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{args.data}, {args.mode}, split {task['split']} of {len(tasks)} "
          f"(held-out {task['test_object']}): {cpu:.1f} s CPU, {wall:.1f} s wall")
    print("\n| stage | CPU s | share |\n|---|---|---|")
    for label, t in _stage_times(profile).items():
        print(f"| {label} | {t:.1f} | {t / cpu:.0%} |")
    print("\n| method | wall s (fit + predict) |\n|---|---|")
    for method, t in out["timing"].items():
        print(f"| {method} | {t:.1f} |")
    print(f"\nprojected run on 2 cores: {len(tasks)} splits x {cpu:.0f} s / 2 = "
          f"{len(tasks) * cpu / 2:.0f} s (+ imports and report)")


if __name__ == "__main__":
    main()
