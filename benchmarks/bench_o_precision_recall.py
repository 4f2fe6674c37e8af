"""The whole O precision-recall curve at survey conditions: recommended pipeline against SVC+aug.

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_o_precision_recall.py --data all --seeds 0
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_o_precision_recall.py --report-only

``bench_survey_targets.py`` compares the methods at one operating point each,
the class their ``predict`` gives. This script scores the same methods,
folds and test draws (leave-one-O-star-out, ``--folds 0`` there: one O star per
fold, every star tested once) by the O column of their ``decision_function``
on the ``survey`` test spectra (E(B-V) 1.0, R 1800, S/N 10), pooled over the
folds of a seed, and reports per seed: the average precision of that score,
the best precision at recall 1.0, and the best recall at precision >= 0.8 and
>= 0.5. Which of two methods finds the O stars better, whatever threshold a
user then picks.

Results go to ``benchmarks/results/o_precision_recall.md`` (and one JSON per
data set beside it, so data sets and seeds can run in separate processes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_survey_targets import (  # noqa: E402
    LOADERS, _cell, _conditions, _models, _raw_path, star_splits)

RESULTS = Path(__file__).resolve().parent / "results" / "o_precision_recall.md"
METHODS = ("SVC+aug", "recommended")


def run(data_name, seed):
    from sklearn.metrics import average_precision_score, precision_recall_curve

    from skspec import datasets

    data = getattr(datasets, LOADERS[data_name])()
    X, y, groups, wave = data.data, data.target, data.object, data.wavelength
    n_o = len(set(groups[y == "O"]))
    score = {m: np.full(len(y), np.nan) for m in METHODS}
    for k, (train, test) in enumerate(star_splits(y, groups, 0, seed)):
        survey = _conditions(X[test], wave, 1000 * seed + k)["survey"]  # the targets' draw
        for m in METHODS:
            model = _models(m, y[train], wave, seed).fit(X[train], y[train])
            score[m][test] = model.decision_function(survey)[:, list(model.classes_).index("O")]
    is_o = y == "O"
    out = {"data": data_name, "seed": seed, "n_o_stars": n_o, "methods": {}}
    for m, s in score.items():
        assert np.isfinite(s).all()  # every spectrum scored once
        precision, recall, _ = precision_recall_curve(is_o, s)
        out["methods"][m] = {
            "average precision": float(average_precision_score(is_o, s)),
            "precision at recall 1": float(precision[recall >= 1.0].max()),
            "recall at precision 0.8": float(recall[precision >= 0.8].max(initial=0.0)),
            "recall at precision 0.5": float(recall[precision >= 0.5].max(initial=0.0)),
        }
    return out


def report(rows, machine):
    metrics = list(rows[0]["methods"][METHODS[0]])
    lines = ["# O precision-recall at survey conditions (`benchmarks/bench_o_precision_recall.py`)",
             "", f"Machine: {machine}.", "",
             "Leave-one-O-star-out (one O star per star-grouped fold), the `survey` test spectra "
             "(E(B-V) 1.0, R 1800, S/N 10) of `bench_survey_targets.py`; the score is the O "
             "column of each method's `decision_function`, pooled over the folds of a seed. "
             "Cells: median (range) over seeds.", ""]
    for data_name in dict.fromkeys(r["data"] for r in rows):
        mine = [r for r in rows if r["data"] == data_name]
        seeds = ",".join(str(r["seed"]) for r in mine)
        lines += [f"## {data_name} ({LOADERS[data_name]}(), {mine[0]['n_o_stars']} O stars, "
                  f"seeds {seeds})", "",
                  "| method | " + " | ".join(metrics) + " |", "|---|" + "---|" * len(metrics)]
        for m in METHODS:
            cells = [_cell([r["methods"][m][metric] for r in mine]) for metric in metrics]
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", choices=tuple(LOADERS), default=["obafgkm", "all"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args(argv)
    import torch

    from skspec.utils._machine import describe_machine

    torch.set_num_threads(1)
    if not args.report_only:
        for data_name in args.data:
            for seed in args.seeds:
                result = run(data_name, seed)
                path = _raw_path(data_name, RESULTS)
                done = json.loads(path.read_text()) if path.exists() else []
                done = [r for r in done if r["seed"] != seed] + [result]
                path.write_text(json.dumps(sorted(done, key=lambda r: r["seed"]), indent=1))
                print(json.dumps(result), flush=True)
    rows = [r for name in LOADERS if _raw_path(name, RESULTS).exists()
            for r in json.loads(_raw_path(name, RESULTS).read_text())]
    RESULTS.write_text(report(rows, describe_machine()))
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
