"""From per-split predictions to scores over seeds: median and range."""

from __future__ import annotations

import numpy as np

#: recognition scores of every method and condition, in the report's order
SCORES = ("recall_O", "precision_O", "f1_macro", "average_precision_O")


def _summary(values):
    """Median and range over seeds (NaN-aware), as plain floats for JSON."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": float(np.median(v)), "min": float(v.min()), "max": float(v.max()),
            "n": int(v.size)}


def _aggregate_recognition(runs, labels, y, tests_by_run):
    from ..metrics import scores_from_confusion
    from ..metrics._scorers import _confusion_over_splits

    methods = list(runs[0]["predictions"])
    levels = list(runs[0]["predictions"][methods[0]])
    seeds = sorted({r["seed"] for r in runs})
    table, matrices, per_star = {}, {}, {}
    for method in methods:
        table[method], matrices[method], per_star[method] = {}, {}, {}
        for level in levels:
            per_seed, pooled, stars = [], 0, {}
            for seed in seeds:
                seed_runs = [r for r in runs if r["seed"] == seed]
                tests = [tests_by_run[(r["seed"], r["split"])] for r in seed_runs]
                preds = [r["predictions"][method][level] for r in seed_runs]
                cv = _confusion_over_splits(y, tests, preds, labels)
                for r, test, pred in zip(seed_runs, cv.test_indices, cv.y_pred):
                    o = y[test] == "O"
                    stars.setdefault(r["test_object"], []).append(float((pred[o] == "O").mean()))
                scores = scores_from_confusion(cv.confusion_matrix, labels, target_class="O")
                scores["average_precision_O"] = _average_precision(
                    y, tests, [r["scores"][method][level] for r in seed_runs])
                per_seed.append(scores)
                pooled = pooled + cv.confusion_matrix
            table[method][level] = {key: _summary([s[key] for s in per_seed]) for key in SCORES}
            matrices[method][level] = np.asarray(pooled).tolist()
            per_star[method][level] = {k: float(np.mean(v)) for k, v in stars.items()}
    return table, matrices, per_star


def _average_precision(y, test_indices, o_scores) -> float:
    """Average precision of the O score (P(O), or the SVC's decision function), the test
    spectra of a seed's splits pooled; NaN without an O spectrum."""
    from sklearn.metrics import average_precision_score

    truth = np.concatenate([y[test] == "O" for test in test_indices])
    if not truth.any():
        return float("nan")
    return float(average_precision_score(truth, np.concatenate(o_scores)))


def _aggregate_gan(runs):
    gan_methods = sorted({m for r in runs for m in r["gan"]})
    seeds = sorted({r["seed"] for r in runs})
    table, curves = {}, {}
    for method in gan_methods:
        table[method] = {}
        for key in ("gan_train", "gan_train_paper", "gan_test"):
            per_seed = [np.mean([r["gan"][method][key] for r in runs if r["seed"] == s])
                        for s in seeds]
            table[method][key] = _summary(per_seed)
        iterations = sorted({it for r in runs for it, _, _ in r["gan"][method]["curve"]})
        curve = []
        for it in iterations:
            per_seed = []
            for s in seeds:
                hits = [(h, n) for r in runs if r["seed"] == s
                        for i, h, n in r["gan"][method]["curve"] if i == it]
                per_seed.append(sum(h for h, _ in hits) / max(1, sum(n for _, n in hits)))
            curve.append({"iteration": int(it), **_summary(per_seed)})
        curves[method] = curve
    return table, curves


def _aggregate_fidelity(runs) -> dict:
    """Median over the first seed's splits of every scalar fidelity metric."""
    result = {}
    for method in sorted({m for r in runs for m in r["gan"]}):
        per_split = [r["gan"][method]["fidelity"] for r in runs
                     if "fidelity" in r["gan"].get(method, {})]
        if not per_split:
            continue
        scalars = {k: float(np.nanmedian([f[k] for f in per_split]))
                   for k, v in per_split[0].items() if isinstance(v, float)}
        lines = per_split[0]["equivalent_widths"]
        scalars["equivalent_widths"] = {
            line: {key: float(np.nanmedian([f["equivalent_widths"][line][key] for f in per_split]))
                   for key in lines[line]}
            for line in lines}
        result[method] = scalars
    return result
