"""ContinuumNormalizer against the MKCLASS authors' own rectification (112 pairs).

Usage::

    python benchmarks/bench_continuum.py          # about a minute on 2 cores

``load_mk_standards()`` (``libnor36``: flux-normalised, the continuum keeps the
star's colour) and ``load_mk_standards(rectified=True)`` (``libr36``: the same
112 standards, O4-G0, rectified by the MKCLASS authors) are the same spectra
on the same grid (3842-5559 A, vacuum). For each pair the residual is
``|ContinuumNormalizer().fit_transform(libnor36) - libr36|`` per pixel;
reported per spectrum as its median and 90th percentile, then summarised
(median over spectra, and the worst spectrum) for all 112, the O and B stars
and each class.

The defaults (knot_spacing=200 A, lower=1, upper=3) were picked from an
exploratory sweep over all 112 pairs, so the "Defaults" numbers are
in-sample. As a check of how much choosing on these pairs helps, a small grid
of settings is scored on the even rows (the tuning half) and its best is
reported on the odd rows (held out) next to the defaults. Baselines: dividing
by the median (what a naive normaliser does) and the same spline without
clipping (``n_clip=1``).
Under noise: the same standards with Gaussian noise for S/N 50, 20 and 10
(:func:`skspec.preprocessing.degrade`, seeds 0-2) rectified with the
defaults, against the authors' rectification of the clean spectrum: the signed
mean offset (positive: the fitted continuum sits low, lines come out shallow)
and the share of the absorption (the mean of ``1 - flux`` over the spectrum)
kept. The standards stop at G0, so the same offset is also measured on
``load_real_spectra()`` (O-M) against each spectrum's own clean rectification.
Results go to ``benchmarks/results/continuum.md``.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np

from skspec.datasets import load_mk_standards, load_real_spectra
from skspec.preprocessing import ContinuumNormalizer, degrade
from skspec.utils._machine import describe_machine

OUT = Path(__file__).resolve().parent / "results" / "continuum.md"
NOISE_SNR = (50, 20, 10)
NOISE_SEEDS = (0, 1, 2)
GRID = {"knot_spacing": [100.0, 150.0, 200.0, 300.0], "lower": [0.7, 1.0, 1.5],
        "upper": [2.0, 3.0]}


def residuals(ours, theirs):
    d = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    return np.median(d, axis=1), np.percentile(d, 90, axis=1)


def summary(med, p90, rows):
    m, p = med[rows], p90[rows]
    return (f"{int(rows.sum())} | {np.median(m):.4f} | {np.median(p):.4f} | "
            f"{m.max():.4f} | {p.max():.4f}")


def noise_lines(X, R, target, wave, clean):
    """The "Under noise" section: offset and absorption kept, MKCLASS and the real spectra.

    ``clean`` is the defaults' rectification of ``X`` (the main section's).
    """
    classes = [c for c in "OBAFG" if (target == c).any()]

    def offset_and_kept(clean_truth, noisy_rect, rows):
        offset = np.mean(noisy_rect[rows] - clean_truth[rows], axis=1)
        kept = np.mean(1.0 - noisy_rect[rows], axis=1) / np.mean(1.0 - clean_truth[rows], axis=1)
        return np.median(offset), np.median(kept)

    rect = {None: clean.astype(np.float64)}
    for snr in NOISE_SNR:
        rect[snr] = [ContinuumNormalizer(wavelength=wave).fit_transform(
            degrade(X, snr=snr, random_state=seed)).astype(np.float64) for seed in NOISE_SEEDS]
    lines = [
        "## Under noise (defaults; Gaussian noise sigma = median |flux| / S/N, "
        f"seeds {', '.join(map(str, NOISE_SEEDS))})",
        "",
        "Signed mean offset of the rectified flux from the MKCLASS rectification of the clean "
        "spectrum (positive: the continuum sits low and the lines come out shallow), and the "
        "absorption kept (mean of 1 - flux, ours over theirs), median over the class's "
        "standards; noisy rows: median over the seeds.",
        "",
        "| S/N | " + " | ".join(f"{c} offset | {c} kept" for c in classes) + " |",
        "|---|" + "---|---|" * len(classes),
    ]
    for snr in (None, *NOISE_SNR):
        cells = []
        for c in classes:
            rows = target == c
            runs = [rect[None]] if snr is None else rect[snr]
            vals = np.median([offset_and_kept(R, r, rows) for r in runs], axis=0)
            cells.append(f"{vals[0]:+.4f} | {vals[1]:.0%}")
        lines.append(f"| {'clean' if snr is None else snr} | " + " | ".join(cells) + " |")
    real = load_real_spectra()
    Xr, yr, wr = real.data, real.target, real.wavelength.value
    clean_r = ContinuumNormalizer(wavelength=wr).fit_transform(Xr).astype(np.float64)
    noisy_r = {snr: [ContinuumNormalizer(wavelength=wr).fit_transform(
        degrade(Xr, snr=snr, random_state=seed)).astype(np.float64) for seed in NOISE_SEEDS]
        for snr in NOISE_SNR}
    rclasses = [c for c in "OBAFGKM" if (yr == c).any()]
    lines += [
        "",
        f"`load_real_spectra()` ({len(yr)} spectra, {wr[0]:.0f}-{wr[-1]:.0f} A, O-M), against "
        "each spectrum's own clean rectification (no outside truth):",
        "",
        "| S/N | " + " | ".join(f"{c} offset | {c} kept" for c in rclasses) + " |",
        "|---|" + "---|---|" * len(rclasses),
    ]
    for snr in NOISE_SNR:
        cells = []
        for c in rclasses:
            rows = yr == c
            vals = np.median([offset_and_kept(clean_r, r, rows) for r in noisy_r[snr]], axis=0)
            cells.append(f"{vals[0]:+.4f} | {vals[1]:.0%}")
        lines.append(f"| {snr} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Reading: no pixel within 2 noise sigmas below the fit is clipped (so that noise does "
        "not lift the fit above the continuum), so at low S/N the pixels of shallow lines stay "
        "in the fit and pull it down: the rectified lines of line-rich stars come out shallower "
        "the noisier the spectrum. A classifier should see noisy spectra in training "
        "(the recommended pipeline's augmentation does); line depths measured on rectified "
        "low-S/N spectra of cool stars are too shallow by about the share not kept.",
        "",
    ]
    return lines


def main():
    nor, rect = load_mk_standards(), load_mk_standards(rectified=True)
    idx = np.array([list(nor.object).index(o) for o in rect.object])
    X, R, target = nor.data[idx], rect.data, rect.target
    wave = nor.wavelength.value
    names = rect.subclass
    n = len(R)
    tune, held = np.arange(n) % 2 == 0, np.arange(n) % 2 == 1

    t0 = time.perf_counter()
    ours = ContinuumNormalizer(wavelength=wave).fit_transform(X)
    seconds = time.perf_counter() - t0
    med, p90 = residuals(ours, R)
    naive = residuals(X / np.median(X, axis=1, keepdims=True), R)
    unclipped = residuals(ContinuumNormalizer(wavelength=wave, n_clip=1).fit_transform(X), R)
    more_fits = {k: residuals(ContinuumNormalizer(wavelength=wave, n_clip=k).fit_transform(X), R)
                 for k in (10, 50)}

    scores = []
    for ks, lo, up in itertools.product(*GRID.values()):
        est = ContinuumNormalizer(wavelength=wave, knot_spacing=ks, lower=lo, upper=up)
        m, p = residuals(est.fit_transform(X[tune]), R[tune])
        scores.append((float(np.median(p)), float(np.median(m)), ks, lo, up))
    scores.sort()
    best = scores[0]
    best_est = ContinuumNormalizer(wavelength=wave, knot_spacing=best[2], lower=best[3],
                                   upper=best[4])
    b_med, b_p90 = residuals(best_est.fit_transform(X), R)

    ob = np.isin(target, ["O", "B"])
    lines = [
        "# ContinuumNormalizer vs the MKCLASS rectification (112 standards, O4-G0)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{describe_machine()} (a 2-core VM shared with other jobs), by "
        "`benchmarks/bench_continuum.py`.",
        "",
        "Residual per pixel: |ours - theirs| on the rectified flux (continuum = 1), over "
        f"{wave[0]:.0f}-{wave[-1]:.0f} A ({wave.size} pixels, vacuum). Per spectrum: its median "
        "and 90th percentile; "
        "columns: number of spectra, median over spectra of each, worst spectrum of each.",
        "",
        "## Defaults (`ContinuumNormalizer(wavelength=wave)`: knot_spacing=200 A, lower=1, "
        "upper=3)",
        "",
        "| stars | n | median of median | median of p90 | worst median | worst p90 |",
        "|---|---|---|---|---|---|",
        f"| all | {summary(med, p90, np.ones(n, bool))} |",
        f"| O and B | {summary(med, p90, ob)} |",
    ]
    for cls in "OBAFG":
        rows = target == cls
        if rows.any():
            lines.append(f"| {cls} | {summary(med, p90, rows)} |")
    lines += [
        f"| held-out half (odd rows) | {summary(med, p90, held)} |",
        "",
        f"Time: {seconds:.2f} s for {n} spectra x {wave.size} pixels "
        f"({n / seconds:.0f} spectra/s).",
        "",
        "## Baselines and sensitivity to n_clip (all 112)",
        "",
        "| method | n | median of median | median of p90 | worst median | worst p90 |",
        "|---|---|---|---|---|---|",
        f"| divide by the median | {summary(*naive, np.ones(n, bool))} |",
        f"| divide by the median, O and B | {summary(*naive, ob)} |",
        f"| same spline, no clipping (n_clip=1) | {summary(*unclipped, np.ones(n, bool))} |",
        f"| same spline, no clipping, O and B | {summary(*unclipped, ob)} |",
        f"| defaults but n_clip=10 | {summary(*more_fits[10], np.ones(n, bool))} |",
        f"| defaults but n_clip=50 | {summary(*more_fits[50], np.ones(n, bool))} |",
        "",
        "## Tuning check",
        "",
        f"Grid {GRID} scored on the 56 even rows (median of p90). Best: knot_spacing="
        f"{best[2]:g}, lower={best[3]:g}, upper={best[4]:g} (tuning half: median of p90 "
        f"{best[0]:.4f}, of median {best[1]:.4f}). The defaults on the tuning half: "
        + next(f"median of p90 {s[0]:.4f}, of median {s[1]:.4f} (rank "
               f"{scores.index(s) + 1} of {len(scores)})"
               for s in scores if s[2:] == (200.0, 1.0, 3.0)) + ".",
        "",
        "| settings | stars | n | median of median | median of p90 | worst median | worst p90 |",
        "|---|---|---|---|---|---|---|",
        f"| best of grid | held out (odd rows) | {summary(b_med, b_p90, held)} |",
        f"| best of grid | O and B held out | {summary(b_med, b_p90, held & ob)} |",
        f"| defaults | held out (odd rows) | {summary(med, p90, held)} |",
        f"| defaults | O and B held out | {summary(med, p90, held & ob)} |",
        "",
        "## Where the residual is (defaults; median over spectra of the median |ours - "
        "theirs| in each range)",
        "",
        "| range (A) | all | O and B | A |",
        "|---|---|---|---|",
    ]
    d = np.abs(ours.astype(np.float64) - R)
    for a, b in ((3839, 3900), (3900, 4000), (4000, 4500), (4500, 5000), (5000, 5400),
                 (5400, 5561)):
        cols = (wave >= a) & (wave < b)
        per = np.median(d[:, cols], axis=1)
        lines.append(f"| {a}-{b} | {np.median(per):.4f} | {np.median(per[ob]):.4f} | "
                     f"{np.median(per[target == 'A']):.4f} |")
    lines += [
        "",
        "## Worst five spectra (defaults, by p90)",
        "",
        "| standard | median | p90 |",
        "|---|---|---|",
    ]
    for i in np.argsort(p90)[::-1][:5]:
        lines.append(f"| {rect.object[i]} ({names[i]}) | {med[i]:.4f} | {p90[i]:.4f} |")
    lines += [
        "",
        "Reading: the MKCLASS authors' rectification is itself a fit guided by hand, so "
        "these residuals measure agreement with one expert choice, not error against a "
        "truth. Dividing by the median leaves the continuum's slope in (residual ~0.2-0.3); "
        "the same spline without clipping sinks into the lines, most in A-F stars. "
        "The clipped fit agrees best in 4000-5000 A (~0.004) and least below 4000 A "
        "(H-epsilon, H8 and the Balmer jump, where A stars have no line-free continuum).",
        "",
    ]
    lines += noise_lines(X, R, target, wave, ours)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
