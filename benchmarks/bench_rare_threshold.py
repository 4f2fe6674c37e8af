"""O threshold for a target recall, chosen on validation stars, scored on left-out O stars.

On ``obafgkm_train.npz`` (348 real spectra, 10 O stars), for every O star
:class:`skspec.model_selection.LeaveOneStarOut` holds out that star plus 20 % of
the other classes' stars. On the rest, :class:`skspec.candidates.RareClassThreshold`
(target recall 0.8, 0.9 and 0.95, sigmoid calibration, 5 star-grouped folds) calibrates P(O)
and picks the threshold; the held-out spectra are then scored. Counts are
pooled over the 10 splits (the other classes' test stars overlap between
splits). Test spectra are scored clean and at S/N 10 (Gaussian noise, sigma =
median |flux| / 10). The classifier is a plain RBF SVC on L2-normalised flux
(class_weight="balanced"), as a fast stand-in for the recommended RAC-Net
pipeline; the argmax of the same model is the baseline.

Usage::

    python benchmarks/bench_rare_threshold.py [--out benchmarks/results/rare_threshold.md]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.metrics import precision_recall_curve
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skspec.candidates import RareClassThreshold
from skspec.datasets import load_obafgkm
from skspec.model_selection import LeaveOneStarOut
from skspec.preprocessing import FluxNormalizer
from skspec.utils._machine import describe_machine


def _pipeline():
    return make_pipeline(FluxNormalizer(), SVC(C=10.0, class_weight="balanced", probability=True,
                                               random_state=0))


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "results", "rare_threshold.md"))
    parser.add_argument("--target-recall", type=float, nargs="+", default=[0.8, 0.9, 0.95])
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*probability.*parameter was deprecated", category=FutureWarning)
    t0 = time.perf_counter()
    d = load_obafgkm()
    X, y, groups = np.asarray(d.data, dtype=np.float64), np.asarray(d.target), np.asarray(d.object)
    rng = np.random.default_rng(0)
    cv = LeaveOneStarOut(target_class="O", test_size=0.2, random_state=0)
    targets = list(args.target_recall)
    pooled = {k: {"score": [], "is_o": [], "argmax": [], **{t: [] for t in targets}}
              for k in ("clean", "S/N 10")}
    thresholds = {t: [] for t in targets}
    val_recall = {t: [] for t in targets}
    val_precision = {t: [] for t in targets}
    left_out = []
    for train, test in cv.split(X, y, groups):
        base = RareClassThreshold(_pipeline(), target_recall=targets[0], random_state=0)
        base.fit(X[train], y[train], groups=groups[train])
        Xt = X[test]
        sigma = np.median(np.abs(Xt), axis=1, keepdims=True) / 10
        tests = (("clean", Xt), ("S/N 10", Xt + rng.normal(0, 1, Xt.shape) * sigma))
        for key, Xs in tests:
            p = base.predict_proba(Xs)[:, base.target_index_]  # no prior: the training mix
            pooled[key]["score"].append(p)
            pooled[key]["is_o"].append(y[test] == "O")
            pooled[key]["argmax"].append(base.estimator_.predict(Xs) == "O")
        for t in targets:
            # the same out-of-fold scores and calibration; only the recall target differs
            thr = base.threshold_for_recall(t)
            chosen = base.validation_scores_ >= thr
            thresholds[t].append(thr)
            val_recall[t].append(float(chosen[base.validation_is_target_].mean()))
            val_precision[t].append(float(base.validation_is_target_[chosen].mean()))
            for key, _ in tests:
                pooled[key][t].append(pooled[key]["score"][-1] >= thr)
        left_out.append(str(np.unique(groups[test][y[test] == "O"])[0]))
    elapsed = time.perf_counter() - t0

    out = ["# O threshold for a target recall, on left-out O stars", "",
           f"`benchmarks/bench_rare_threshold.py`, {time.strftime('%Y-%m-%d', time.gmtime())}, machine: "
           f"{describe_machine()} (shared, noisy VM), {elapsed:.0f} s for everything.", "",
           __doc__.split("\n\n")[1].replace("\n", " "), "",
           "| target recall | chosen threshold on calibrated P(O), median (range) over splits | "
           "validation recall, median | validation precision, median |", "|---|---|---|---|"]
    for t in targets:
        out.append(f"| {t:.2f} | {np.median(thresholds[t]):.3f} ({min(thresholds[t]):.3f}-{max(thresholds[t]):.3f}) "
                   f"| {np.median(val_recall[t]):.2f} | {np.nanmedian(val_precision[t]):.2f} |")
    out += ["",
           "| test spectra | rule | O recall (left-out O stars) | O precision | false O |",
           "|---|---|---|---|---|"]
    curves = {}
    for key, v in pooled.items():
        is_o = np.concatenate(v["is_o"])
        for name, sel in ([(f"threshold for recall {t:.2f}", np.concatenate(v[t])) for t in targets]
                          + [("argmax (balanced SVC)", np.concatenate(v["argmax"]))]):
            tp = int((sel & is_o).sum())
            fp = int((sel & ~is_o).sum())
            prec = tp / (tp + fp) if tp + fp else float("nan")
            out.append(f"| {key} | {name} | {tp}/{int(is_o.sum())} ({tp / is_o.sum():.2f}) | {prec:.2f} | {fp} |")
        precision, recall, thr = precision_recall_curve(is_o, np.concatenate(v["score"]))
        curves[key] = (precision, recall, thr)
    out += ["", "## Precision-recall curve of the pooled held-out calibrated P(O)", "",
            "Best precision at each recall level (threshold in brackets).", "",
            "| recall >= | " + " | ".join(curves) + " |", "|---|" + "---|" * len(curves)]
    for level in (0.5, 0.7, 0.8, 0.9, 0.95, 1.0):
        cells = []
        for precision, recall, thr in curves.values():
            ok = recall[:-1] >= level
            if ok.any():
                i = np.flatnonzero(ok)[np.argmax(precision[:-1][ok])]
                cells.append(f"{precision[i]:.2f} ({thr[i]:.3f})")
            else:
                cells.append("-")
        out.append(f"| {level:.2f} | " + " | ".join(cells) + " |")
    out += ["", f"Left-out O stars: {', '.join(left_out)}.", ""]
    text = "\n".join(out) + "\n"
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    return text


if __name__ == "__main__":
    print(main())
