"""Does continuum rectification make a plain classifier survive reddening? One quick run.

Usage::

    python benchmarks/bench_continuum_reddening.py      # about 3 minutes on 2 cores

``load_real_spectra()`` (522 spectra, 28 O, 3900-5500 A at 3.6 A FWHM), five
folds grouped by star (``StratifiedGroupKFold``, seed 0). An RBF SVC
(``class_weight="balanced"``) is trained on clean spectra, either after
``FluxNormalizer`` (L2, the paper's normalisation) or after
``ContinuumNormalizer`` then ``FluxNormalizer``. Its test spectra are reddened
with ``dust_extinction``'s G23 law (Rv = 3.1) at E(B-V) = 0, 0.5, 1.0, 1.5 and
left clean or given Gaussian noise at S/N 10 (``degrade``; the same draw
for both pipelines). No augmentation in training: this isolates what rectification
alone does. Results go to ``benchmarks/results/continuum_reddening.md``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skspec.datasets import load_real_spectra
from skspec.preprocessing import ContinuumNormalizer, FluxNormalizer, degrade
from skspec.utils._machine import describe_machine

OUT = Path(__file__).resolve().parent / "results" / "continuum_reddening.md"
EBVS = (0.0, 0.5, 1.0, 1.5)
SNRS = (None, 10.0)  # noise-free, then S/N 10


def extinguish(wave_aa, ebv):
    import astropy.units as u
    from dust_extinction.parameter_averages import G23

    return G23(Rv=3.1).extinguish(wave_aa * u.AA, Ebv=ebv)


def main():
    t0 = time.perf_counter()
    real = load_real_spectra()
    X, y, groups, wave = real.data, real.target, real.object, real.wavelength.value
    pipes = {
        "FluxNormalizer + SVC": lambda: make_pipeline(FluxNormalizer(),
                                                      SVC(class_weight="balanced")),
        "ContinuumNormalizer + FluxNormalizer + SVC": lambda: make_pipeline(
            ContinuumNormalizer(wavelength=wave), FluxNormalizer(),
            SVC(class_weight="balanced")),
    }
    cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
    conds = [(snr, ebv) for snr in SNRS for ebv in EBVS]
    pred = {(name, c): np.empty(len(y), dtype=object) for name in pipes for c in conds}
    for fold, (train, test) in enumerate(cv.split(X, y, groups)):
        noisy = {(snr, ebv): degrade(X[test] * extinguish(wave, ebv), snr=snr,
                                     random_state=100 * fold + int(10 * ebv))
                 for snr, ebv in conds}
        for name, make in pipes.items():
            model = make().fit(X[train], y[train])
            for c in conds:
                pred[name, c][test] = model.predict(noisy[c])
    lines = [
        "# Continuum rectification against reddening (plain SVC, no augmentation)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{describe_machine()} (a 2-core VM shared with other jobs) by "
        f"`benchmarks/bench_continuum_reddening.py` in {time.perf_counter() - t0:.0f} s.",
        "",
        "`load_real_spectra()` (522 spectra, 28 O), 5 folds grouped by star (seed 0); "
        "trained on clean spectra; test spectra reddened (G23, Rv 3.1), clean or at S/N 10 "
        "(noise sigma = median|flux| / 10 after reddening). "
        "One seed, one split: a first reading, not a benchmark table.",
        "",
        "| pipeline | S/N | E(B-V) | O recall | O precision | macro-F1 |",
        "|---|---|---|---|---|---|",
    ]
    for name in pipes:
        for snr, ebv in conds:
            p = pred[name, (snr, ebv)].astype(str)
            rec = recall_score(y, p, labels=["O"], average="macro", zero_division=0)
            prec = precision_score(y, p, labels=["O"], average="macro", zero_division=0)
            f1 = f1_score(y, p, average="macro")
            snr_text = "clean" if snr is None else f"{snr:g}"
            lines.append(f"| {name} | {snr_text} | {ebv:.1f} | {rec:.2f} "
                         f"({int(round(rec * 28))}/28) | "
                         f"{prec:.2f} | {f1:.2f} |")
    lines += [
        "",
        "Reading: on clean spectra, rectification makes the SVC blind to reddening (the "
        "same O recall and macro-F1 at every E(B-V)), where L2 normalisation alone finds "
        "no O star from E(B-V) = 0.5 on. At S/N 10 the rectified pipeline, trained on "
        "noise-free spectra only, loses O stars at E(B-V) = 0 and macro-F1 as E(B-V) grows "
        "(the noise of a fixed median S/N grows relative to the continuum where reddening "
        "takes the flux away, the blue end): rectification removes the continuum, not the "
        "need to train with noise. Whether rectification, augmentation or both should be "
        "the default needs the augmentation run (issue 18); this table is one input.",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
