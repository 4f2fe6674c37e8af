"""Can any O threshold meet issue 6's target on O/B/A/F/G/K/M? Precision-recall of P(O).

Usage::

    .venv/bin/python benchmarks/bench_o_tradeoff.py              # seed 0, S/N 10, ~5 min on 2 cores
    .venv/bin/python benchmarks/bench_o_tradeoff.py --seeds 0 1 2 --snr 5

Leave-one-O-star-out on ``load_obafgkm()`` (the splits of ``skspec reproduce``),
test spectra degraded to the given S/N at R = 1800. For SVC, RandomForest and
the quick-mode RAC-Net+LCGAN pipeline, P(O) of every test spectrum is pooled
over the ten splits of a seed, and one threshold is swept over the pool. That
threshold is chosen on the test spectra themselves, so the numbers are an upper
bound on what tuning the O threshold could give, not a score.

Reported per model and seed: average precision, the highest O recall reachable
at O precision >= 0.9, and the highest O precision reachable at O recall >= 0.95
(the target asks for both at once). Results go to
``benchmarks/results/o_tradeoff.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import average_precision_score

from skspec.datasets import load_obafgkm
from skspec.experiments import MODES
from skspec.experiments._methods import _make_baseline, _make_pipeline
from skspec.experiments._modes import LIBRARY_RESOLUTION, SURVEY_RESOLUTION
from skspec.model_selection import LeaveOneStarOut
from skspec.preprocessing import degrade
from skspec.utils._machine import describe_machine

RESULTS = Path(__file__).parent / "results" / "o_tradeoff.md"


def _models(y_train, seed):
    """``skspec reproduce``'s own baselines and quick-mode pipeline (SVC with probabilities)."""
    yield "SVC", _make_baseline("SVC", y_train, seed).set_params(svc__probability=True)
    yield "RandomForest", _make_baseline("RandomForest", y_train, seed)
    yield "RACNet+LCGAN", _make_pipeline("LCGAN", y_train, MODES["quick"], seed, "cpu")


def _split(X, y, wavelength, train, test, snr, seed, split):
    import torch

    torch.set_num_threads(1)
    X_test = degrade(X[test], snr=snr, resolution=SURVEY_RESOLUTION, wavelength=wavelength,
                     input_resolution=LIBRARY_RESOLUTION, random_state=seed * 1000 + split)
    p_o = {}
    for name, model in _models(y[train], seed):
        model.fit(X[train], y[train])
        p_o[name] = model.predict_proba(X_test)[:, list(model.classes_).index("O")]
    return test, p_o


def tradeoff(is_o, p_o) -> dict:
    """Average precision and the two corners of the precision-recall curve."""
    order = np.argsort(-p_o, kind="stable")
    hits = np.cumsum(is_o[order])
    precision, recall = hits / np.arange(1, len(p_o) + 1), hits / is_o.sum()
    return {"ap": average_precision_score(is_o, p_o),
            "recall_at_p90": recall[precision >= 0.9].max(initial=0.0),
            "precision_at_r95": precision[recall >= 0.95].max(initial=0.0)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--snr", type=float, default=10.0)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()

    bunch = load_obafgkm()
    X, y, groups = bunch.data, np.asarray(bunch.target), np.asarray(bunch.object)
    rows, start = [], time.perf_counter()
    for seed in args.seeds:
        splits = list(LeaveOneStarOut("O", test_size=0.2, random_state=seed).split(X, y, groups))
        runs = Parallel(n_jobs=args.n_jobs)(
            delayed(_split)(X, y, bunch.wavelength.value, train, test, args.snr, seed, i)
            for i, (train, test) in enumerate(splits))
        is_o = np.concatenate([y[test] for test, _ in runs]) == "O"
        for name in runs[0][1]:
            t = tradeoff(is_o, np.concatenate([p[name] for _, p in runs]))
            rows.append(f"| {seed} | {name} | {t['ap']:.2f} | {t['recall_at_p90']:.2f} | "
                        f"{t['precision_at_r95']:.2f} | {int(is_o.sum())} / {len(is_o)} |")
            print(rows[-1])
    lines = [
        "# O threshold trade-off on O/B/A/F/G/K/M (`benchmarks/bench_o_tradeoff.py`)", "",
        f"Measured {time.strftime('%Y-%m-%d')} on {describe_machine()}; "
        f"{time.perf_counter() - start:.0f} s. S/N {args.snr:g}, R = {SURVEY_RESOLUTION}.", "",
        "P(O) pooled over the ten leave-one-O-star-out splits of a seed; one threshold swept "
        "over the pool, chosen on the test spectra (an upper bound, not a score).", "",
        "| seed | model | average precision | max O recall at precision >= 0.9 "
        "| max O precision at recall >= 0.95 | O / test spectra |",
        "|---|---|---|---|---|---|", *rows, ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
