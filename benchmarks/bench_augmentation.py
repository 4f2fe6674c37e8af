"""Does training on reddened copies keep an SVC finding O stars in reddened spectra?

Usage::

    /work/venv/bin/python benchmarks/bench_augmentation.py            # seed 0, a few minutes on 2 cores
    /work/venv/bin/python benchmarks/bench_augmentation.py --seeds 0 1 2 --n-copies 2

Leave-one-O-star-out on ``load_obafgkm()`` (:class:`skspec.model_selection.LeaveOneStarOut`,
the splits of ``skspec reproduce``). Two pipelines, both a plain RBF
``SVC(class_weight="balanced")`` after ``FluxNormalizer``:

- ``SVC``: trained on the library spectra as they are;
- ``SVC + AugmentationSampler``: the same, with ``n_copies`` reddened copies of
  every training spectrum appended first (E(B-V) uniform in 0-2, G23, R(V) 3.1;
  no other effect), i.e.
  ``AugmentationSampler(SpectrumAugmenter(wave, ebv=(0, 2), snr=None), n_copies=...)``.

Every test spectrum is reddened to E(B-V) = 0, 0.5, 1.0 and 1.5, then degraded to
survey conditions (R = 1800 from R = 2000, Gaussian noise for S/N 10), the same
draw for both pipelines; "clean" is the test spectrum as it is. Predictions are
pooled over the splits of a seed; reported per seed: O recall, O precision and
macro F1 over the seven classes. Results go to ``benchmarks/results/augmentation.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from imblearn.pipeline import make_pipeline
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.svm import SVC

from skspec.augmentation import AugmentationSampler, SpectrumAugmenter, redden
from skspec.datasets import load_obafgkm
from skspec.model_selection import LeaveOneStarOut
from skspec.preprocessing import FluxNormalizer, degrade
from skspec.utils._machine import describe_machine

RESULTS = Path(__file__).parent / "results" / "augmentation.md"
EBV_TEST = (0.0, 0.5, 1.0, 1.5)
SNR_TEST = 10
SURVEY_R, LIBRARY_R = 1800, 2000  # as in skspec reproduce


def _models(wave, seed, n_copies):
    yield "SVC", make_pipeline(FluxNormalizer(), SVC(class_weight="balanced"))
    aug = SpectrumAugmenter(wave, ebv=(0.0, 2.0), snr=None)
    yield "SVC + AugmentationSampler", make_pipeline(
        AugmentationSampler(aug, n_copies=n_copies, random_state=seed),
        FluxNormalizer(), SVC(class_weight="balanced"))


def _conditions(X_test, wave, rng):
    yield "clean", X_test
    for ebv in EBV_TEST:
        reddened = redden(X_test, wave, ebv)
        yield f"E(B-V) {ebv:g}, S/N {SNR_TEST}", degrade(
            reddened, snr=SNR_TEST, resolution=SURVEY_R, input_resolution=LIBRARY_R,
            wavelength=wave, random_state=int(rng.randint(2**31 - 1)))


def run_seed(data, seed, n_copies):
    X, y, groups = data.data, data.target, data.object
    wave = data.wavelength.value
    cv = LeaveOneStarOut("O", random_state=seed)
    rng = np.random.RandomState(seed)
    truth, pred = [], {}
    start = time.perf_counter()
    for train, test in cv.split(X, y, groups):
        truth.append(y[test])
        tests = dict(_conditions(X[test], wave, rng))
        for name, model in _models(wave, seed, n_copies):
            model.fit(X[train], y[train])
            for cond, X_cond in tests.items():
                pred.setdefault((name, cond), []).append(model.predict(X_cond))
    y_true = np.concatenate(truth)
    rows = []
    for (name, cond), parts in pred.items():
        y_pred = np.concatenate(parts)
        rows.append({
            "seed": seed, "model": name, "condition": cond,
            "o_recall": recall_score(y_true, y_pred, labels=["O"], average="macro", zero_division=0),
            "o_precision": precision_score(y_true, y_pred, labels=["O"], average="macro",
                                           zero_division=0),
            "macro_f1": f1_score(y_true, y_pred, average="macro", zero_division=0),
            "n_o": int((y_true == "O").sum()),
        })
    return rows, time.perf_counter() - start


def _summary(rows):
    """Median and range over seeds of each model and condition."""
    seeds = sorted({r["seed"] for r in rows})
    out = ["", f"Median [range] over {len(seeds)} seed(s):", "",
           "| model | test condition | O recall | O precision | macro F1 |", "|---|---|---|---|---|"]
    keys = []
    for r in rows:
        if (r["model"], r["condition"]) not in keys:
            keys.append((r["model"], r["condition"]))
    for model, cond in keys:
        cells = []
        for metric in ("o_recall", "o_precision", "macro_f1"):
            v = np.array([r[metric] for r in rows if (r["model"], r["condition"]) == (model, cond)])
            cells.append(f"{np.median(v):.2f} [{v.min():.2f}-{v.max():.2f}]")
        out.append(f"| {model} | {cond} | " + " | ".join(cells) + " |")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-copies", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    data = load_obafgkm()
    rows, seconds = [], []
    for seed in args.seeds:
        r, s = run_seed(data, seed, args.n_copies)
        rows += r
        seconds.append(s)
        print(f"seed {seed}: {s:.0f} s", flush=True)
    lines = [
        "# Reddened test spectra: SVC with and without AugmentationSampler",
        "",
        f"Machine: {describe_machine()} (shared with other jobs; timings are noisy).",
        f"Command: `python benchmarks/bench_augmentation.py --seeds {' '.join(map(str, args.seeds))} "
        f"--n-copies {args.n_copies}`; {sum(seconds):.0f} s in all.",
        "",
        "Leave-one-O-star-out on `load_obafgkm()` (10 splits per seed, one per O star; 20 % of "
        "every other class's stars in each test set), predictions pooled over the splits. "
        "Both models: `FluxNormalizer` + RBF `SVC(class_weight='balanced')`; the augmented one "
        f"appends {args.n_copies} copies of every training spectrum reddened with E(B-V) uniform "
        "in 0-2 (G23, R(V) = 3.1, no other effect). Test spectra: as they are ('clean'), or "
        "reddened to the E(B-V) shown, convolved to R = 1800 and given Gaussian noise for "
        "S/N 10 (the same draw for both models).",
        "",
        "| seed | model | test condition | O recall | O precision | macro F1 |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['seed']} | {r['model']} | {r['condition']} | {r['o_recall']:.2f} "
                     f"({round(r['o_recall'] * r['n_o'])}/{r['n_o']}) | {r['o_precision']:.2f} | "
                     f"{r['macro_f1']:.2f} |")
    lines += _summary(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
