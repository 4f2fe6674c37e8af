"""How well the "none of the above" score separates non-stars from the training classes.

Measured on the blue-violet grid of :func:`skspec.datasets.load_real_spectra`
(522 real spectra O-M, 3900-5500 A at 3.6 A FWHM, what ``skspec train`` fits):

- real training-class spectra it never saw: 5 folds by star (``object``,
  stratified by class); the detector is fitted (and its threshold calibrated)
  on the training folds plus their augmented copies, the held-out stars are
  scored: the share flagged ``unknown`` is the false-flag rate; the same
  held-out stars with white noise added (S/N 20, 10, 5) and reddened by
  E(B-V) = 0.5 and 1.0 (G23, Rv 3.1), which should *not* be unknown either;
- made-up non-stars from the held-out spectra: the continuum reversed in
  wavelength (lines kept), the line pattern moved (circularly shifted by
  150-1300 px on its own continuum), pure noise, a featureless power law
  F ~ lambda^-a (a uniform in 0-3, the blue-violet look of a quasar) at S/N 20
  and 100, and that power law with two broad emission lines (FWHM 24-94 A,
  30-150 % peaks) at S/N 20;
- the 7 LAMOST DR9/DR13 files of ``raw/lamost_cmost_tests/`` (six stars G0-dM5
  at S/N 0.7-102 and a quasar at z = 0.31), with the detector fitted on all 522
  spectra and their copies.

Training copies: "reddened" is one copy of each spectrum reddened by E(B-V)
uniform in 0-2; "survey" is two copies from :func:`skspec.pipeline.survey_augmenter`
(E(B-V) 0-2 and white noise at S/N 5-100), each copy in its star's group.

Usage::

    python benchmarks/bench_novelty.py [--data ../shared/data] [--out benchmarks/results/novelty.md]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from skspec.augmentation import redden
from skspec.candidates import NoveltyDetector
from skspec.datasets import load_real_spectra
from skspec.io import read_spectra
from skspec.pipeline import survey_augmenter
from skspec.preprocessing import ContinuumNormalizer
from skspec.utils._machine import describe_machine

VARIANTS = [
    ("L2 flux, global threshold (the former choice)",
     dict(features="flux"), "reddened"),
    ("L2 flux, global threshold",
     dict(features="flux"), "survey"),
    ("rectified lines + continuum, noise-aware, global threshold",
     dict(features="rectified"), "survey"),
    ("rectified lines + continuum, noise-aware, local scale",
     dict(features="rectified", local_scale=True), "reddened"),
    ("rectified lines + continuum, noise-aware, local scale (the choice)",
     dict(features="rectified", local_scale=True), "survey"),
]


def _noisy(X, snr, rng):
    sigma = np.median(np.abs(X), axis=1, keepdims=True) / snr
    return X + rng.normal(0.0, 1.0, X.shape) * sigma


def _tests(X, wave, rng):
    """The held-out variants, each of the shape of ``X``."""
    cont = ContinuumNormalizer(wavelength=wave).fit(X).continuum(X)
    cont = np.maximum(cont, 1e-3 * np.median(np.abs(X), axis=1, keepdims=True))
    lines = X / cont
    n = X.shape[0]
    alpha = rng.uniform(0.0, 3.0, n)[:, None]
    power = (wave[None, :] / 4500.0) ** -alpha * np.median(np.abs(X), axis=1, keepdims=True)
    emission = power.copy()
    for row in emission:
        for centre in rng.uniform(3950.0, 5450.0, 2):
            row *= 1 + rng.uniform(0.3, 1.5) * np.exp(-0.5 * ((wave - centre) / rng.uniform(10, 40)) ** 2)
    return {
        "held-out real": X,
        "S/N 20": _noisy(X, 20, rng), "S/N 10": _noisy(X, 10, rng), "S/N 5": _noisy(X, 5, rng),
        "E(B-V) 0.5": redden(X, wave, 0.5), "E(B-V) 1.0": redden(X, wave, 1.0),
        "continuum reversed": lines * cont[:, ::-1],
        "lines moved": np.vstack([np.roll(r, s) for r, s in zip(lines, rng.integers(150, 1300, n))]) * cont,
        "pure noise": np.abs(1 + rng.normal(0, 1, X.shape)),
        "power law S/N 20": _noisy(power, 20, rng), "power law S/N 100": _noisy(power, 100, rng),
        "emission lines S/N 20": _noisy(emission, 20, rng),
    }


SHOULD_BE_KNOWN = ("held-out real", "S/N 20", "S/N 10", "S/N 5", "E(B-V) 0.5", "E(B-V) 1.0")


def _with_copies(X, groups, wave, kind, seed):
    if kind == "reddened":
        rng = np.random.default_rng(seed)
        copies = [redden(X, wave, rng.uniform(0.0, 2.0, len(X)))]
    else:
        copies = [survey_augmenter(wave, random_state=seed + j).augment(X) for j in range(2)]
    return np.vstack([X, *copies]), np.concatenate([groups] * (1 + len(copies)))


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(here, "results", "novelty.md"))
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    d = load_real_spectra()
    X, y, groups = np.asarray(d.data, dtype=np.float64), np.asarray(d.target), np.asarray(d.object)
    wave = d.wavelength.to_value("AA")
    files = read_spectra(os.path.join(args.data, "raw", "lamost_cmost_tests"), grid=wave, verbose=0)
    F = np.asarray(files.flux, dtype=np.float64)
    labels = [f"{m['class']} {m['subclass']} (S/N {m['snr']:.1f})" for m in files.meta]
    tests = _tests(X, wave, np.random.default_rng(0))
    cv = list(StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(X, y, groups))
    rows = []
    for name, params, kind in VARIANTS:
        t1 = time.perf_counter()
        det_params = dict(wavelength=wave, n_neighbors=5, percentile=99.0, random_state=0, **params)
        flagged = {k: np.zeros(len(X), dtype=bool) for k in tests}
        for i, (train, test) in enumerate(cv):
            Xtr, gtr = _with_copies(X[train], groups[train], wave, kind, 10 * i)
            det = NoveltyDetector(**det_params).fit(Xtr, groups=gtr)
            for key, Xs in tests.items():
                flagged[key][test] = det.is_unknown(Xs[test])
        Xall, gall = _with_copies(X, groups, wave, kind, 100)
        det = NoveltyDetector(**det_params).fit(Xall, groups=gall)
        rows.append(dict(
            name=f"{name}; {kind} copies", flagged=flagged,
            files=[float(s / det.threshold_) for s in det.novelty_score(F)],
            seconds=time.perf_counter() - t1))
    elapsed = time.perf_counter() - t0

    classes = sorted(np.unique(y))
    out = ["# Novelty (\"none of the above\") on the blue-violet real spectra", "",
           f"`benchmarks/bench_novelty.py`, {time.strftime('%Y-%m-%d', time.gmtime())}, machine: "
           f"{describe_machine()} (2-core AMD EPYC VM, shared and noisy), {elapsed:.0f} s for "
           "everything.", "",
           "Detector: `skspec.candidates.NoveltyDetector(n_neighbors=5, percentile=99, "
           "n_components=20, smoothing=5)` with the parameters in the row; threshold calibrated "
           "on star-grouped held-out folds of its own training set (real spectra + copies). "
           f"Held-out rows: `load_real_spectra()`, {len(X)} spectra, 5 folds by star.", "",
           "## Share flagged `unknown` (count / total)", "",
           "Should stay known:", "",
           "| detector | " + " | ".join(SHOULD_BE_KNOWN) + " |",
           "|---|" + "---|" * len(SHOULD_BE_KNOWN)]
    others = [k for k in tests if k not in SHOULD_BE_KNOWN]
    for r in rows:
        out.append(f"| {r['name']} | " + " | ".join(
            f"{int(r['flagged'][k].sum())}/{len(X)}" for k in SHOULD_BE_KNOWN) + " |")
    out += ["", "Should be flagged:", "", "| detector | " + " | ".join(others) + " |",
            "|---|" + "---|" * len(others)]
    for r in rows:
        out.append(f"| {r['name']} | " + " | ".join(
            f"{int(r['flagged'][k].sum())}/{len(X)}" for k in others) + " |")
    out += ["", "## False flags on held-out real spectra, by class (clean / at S/N 10)", "",
            "| detector | " + " | ".join(classes) + " |", "|---|" + "---|" * len(classes)]
    for r in rows:
        out.append(f"| {r['name']} | " + " | ".join(
            f"{int(r['flagged']['held-out real'][y == c].sum())} / "
            f"{int(r['flagged']['S/N 10'][y == c].sum())} of {int((y == c).sum())}"
            for c in classes) + " |")
    out += ["", "## The LAMOST DR9/DR13 files (detector fitted on all 522 spectra + copies)", "",
            "Score / threshold (> 1 means `unknown`, in bold).", "",
            "| file | " + " | ".join(r["name"] for r in rows) + " |", "|---|" + "---|" * len(rows)]
    for i, lab in enumerate(labels):
        out.append(f"| {lab} | " + " | ".join(
            f"**{r['files'][i]:.2f}**" if r["files"][i] > 1 else f"{r['files'][i]:.2f}" for r in rows) + " |")
    out += ["", "Seconds per detector (5 folds + the final fit): " + ", ".join(
        f"{r['seconds']:.0f}" for r in rows) + "."]
    text = "\n".join(out) + "\n"
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    return text


if __name__ == "__main__":
    print(main())
