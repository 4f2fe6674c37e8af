"""How well the "none of the above" score separates non-stars from the training classes.

Measured on real files only:

- real training-class spectra it never saw: ``obafgkm_train.npz`` split 5-fold by
  star (``object``); the detector is fitted (and its threshold calibrated) on the
  training folds, the held-out stars are scored: the share flagged ``unknown`` is
  the false-flag rate;
- the 7 LAMOST DR9/DR13 files of ``raw/lamost_cmost_tests/`` (six stars G0-dM5
  at S/N 0.7-102, and one quasar), with the detector fitted on all 348 spectra;
- held-out spectra with their continuum reversed in wavelength (lines kept),
  with their lines moved (the line pattern circularly shifted by 300-1500 px on
  the real continuum), pure noise, and held-out spectra reddened by
  E(B-V) = 0.5 and 1.0 (G23, Rv 3.1), which should *not* be unknown.

Feature spaces compared (each with the distance off the PCA subspace as one more
coordinate): the first 20 principal components of the L2-normalised flux
(``features="flux"``, the default), with and without the 5-px smoothing, and of
the continuum shape + line pattern (``features="continuum+lines"``);
with (three) and without (one) the reference set augmented by one reddened copy of
every training spectrum (E(B-V) uniform 0-2, kept in its star's group).

Usage::

    python benchmarks/bench_novelty.py [--data ../shared/data] [--out benchmarks/results/novelty.md]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from skspec.candidates import NoveltyDetector
from skspec.candidates._novelty import _block_continuum
from skspec.datasets import load_obafgkm
from skspec.io import read_spectra
from skspec.utils._machine import describe_machine


def _continuum(X):
    return np.maximum(_block_continuum(X, 151), 1e-6 * np.abs(X).max())


def _redden(X, wave, ebv):
    import astropy.units as u
    from dust_extinction.parameter_averages import G23

    ext = G23(Rv=3.1)
    ebv = np.broadcast_to(np.asarray(ebv, dtype=float), (X.shape[0],))
    return np.vstack([x * ext.extinguish(wave * u.AA, Ebv=e) for x, e in zip(X, ebv)])


def _scrambles(X, rng):
    cont = _continuum(X)
    lines = X / cont
    reversed_continuum = lines * cont[:, ::-1]
    shifts = rng.integers(300, 1500, X.shape[0])
    moved_lines = np.vstack([np.roll(r, s) for r, s in zip(lines, shifts)]) * cont
    noise = np.abs(1 + rng.normal(0, 1, X.shape))
    return {"continuum reversed": reversed_continuum, "lines moved": moved_lines, "pure noise": noise}


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(here, "results", "novelty.md"))
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    d = load_obafgkm()
    X, y, groups = np.asarray(d.data, dtype=np.float64), np.asarray(d.target), np.asarray(d.object)
    wave = d.wavelength.to_value("AA")
    files = read_spectra(os.path.join(args.data, "raw", "lamost_cmost_tests"), verbose=0)
    F = np.asarray(files.flux, dtype=np.float64)
    labels = [f"{m['class']} {m['subclass']} (S/N {m['snr']:.1f})" for m in files.meta]
    rng = np.random.default_rng(0)
    aug_rng = np.random.default_rng(1)

    variants = [("L2 flux, PCA 20, no smoothing", dict(features="flux", n_components=20, smoothing=1), True),
                ("L2 flux, PCA 20, smoothing 5 (the default)", dict(features="flux", n_components=20), True),
                ("continuum + lines, PCA 20, smoothing 5", dict(features="continuum+lines", n_components=20), False),
                ("continuum + lines, PCA 20, smoothing 5", dict(features="continuum+lines", n_components=20), True)]
    rows = []
    if True:
        for name, params, augmented in variants:
            det_params = dict(n_neighbors=5, percentile=99.0, random_state=0, **params)
            flagged = {k: [] for k in ("held-out real", "continuum reversed", "lines moved", "pure noise",
                                       "reddened 0.5", "reddened 1.0")}
            per_class = {}
            cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
            for train, test in cv.split(X, y, groups):
                Xtr, gtr = X[train], groups[train]
                if augmented:
                    Xtr = np.vstack([Xtr, _redden(Xtr, wave, aug_rng.uniform(0, 2, len(train)))])
                    gtr = np.concatenate([gtr, gtr])
                det = NoveltyDetector(**det_params).fit(Xtr, groups=gtr)
                unknown = det.is_unknown(X[test])
                flagged["held-out real"].append(unknown)
                for cls in np.unique(y[test]):
                    per_class.setdefault(cls, []).append(unknown[y[test] == cls])
                for key, Xs in _scrambles(X[test], rng).items():
                    flagged[key].append(det.is_unknown(Xs))
                for ebv in (0.5, 1.0):
                    flagged[f"reddened {ebv}"].append(det.is_unknown(_redden(X[test], wave, ebv)))
            Xall, gall = X, groups
            if augmented:
                Xall = np.vstack([X, _redden(X, wave, aug_rng.uniform(0, 2, len(X)))])
                gall = np.concatenate([groups, groups])
            det = NoveltyDetector(**det_params).fit(Xall, groups=gall)
            file_scores = det.novelty_score(F)
            rows.append(dict(
                name=name + (" + reddened copies" if augmented else ""),
                rates={k: (int(np.concatenate(v).sum()), int(np.concatenate(v).size)) for k, v in flagged.items()},
                per_class={k: (int(np.concatenate(v).sum()), int(np.concatenate(v).size)) for k, v in per_class.items()},
                files=[(lab, float(s), float(s / det.threshold_)) for lab, s in zip(labels, file_scores)],
                threshold=det.threshold_,
            ))
    elapsed = time.perf_counter() - t0

    out = ["# Novelty (\"none of the above\") on real spectra", "",
           f"`benchmarks/bench_novelty.py`, {time.strftime('%Y-%m-%d', time.gmtime())}, machine: "
           f"{describe_machine()} (shared, noisy VM), {elapsed:.0f} s for everything.", "",
           "Detector: `skspec.candidates.NoveltyDetector(n_neighbors=5, percentile=99)`; threshold "
           "calibrated on star-grouped held-out folds of its own training set. Held-out rows: "
           "`obafgkm_train.npz`, 5 folds by star (`object`), 348 spectra in all.", "",
           "## Share flagged `unknown` (count / total)", "",
           "| feature space | held-out real (false flags) | continuum reversed | lines moved | pure noise | "
           "reddened E(B-V)=0.5 | reddened 1.0 |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{a}/{b} ({a / b:.2f})" for a, b in r["rates"].values()]
        out.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    out += ["", "## False flags on held-out real spectra, by class", "",
            "| feature space | " + " | ".join(sorted(rows[0]["per_class"])) + " |",
            "|---|" + "---|" * len(rows[0]["per_class"])]
    for r in rows:
        out.append(f"| {r['name']} | " + " | ".join(f"{a}/{b}" for a, b in
                                                      (r["per_class"][k] for k in sorted(r["per_class"]))) + " |")
    out += ["", "## The LAMOST DR9/DR13 files (detector fitted on all 348 spectra)", "",
            "Score / threshold (> 1 means `unknown`).", "",
            "| file | " + " | ".join(r["name"] for r in rows) + " |", "|---|" + "---|" * len(rows)]
    for i, lab in enumerate(labels):
        out.append(f"| {lab} | " + " | ".join(
            f"**{r['files'][i][2]:.2f}**" if r["files"][i][2] > 1 else f"{r['files'][i][2]:.2f}" for r in rows) + " |")
    text = "\n".join(out) + "\n"
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    return text


if __name__ == "__main__":
    print(main())
