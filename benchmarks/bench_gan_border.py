"""Do the GAN samplers' synthetic O stars sit at the O/B border? GAN-train O recall and RAC-Net AP.

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_gan_border.py            # 3 seeds, 150 iterations, ~9 min
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_gan_border.py --n-iter 500 \
        --output benchmarks/results/gan_border_500.md                            # ~15 min
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_gan_border.py --tiny     # smoke test, numbers meaningless

Data: ``load_real_spectra(wavelength_range=(3900, 5500), fwhm=3.6)`` (522 real
spectra, 28 O and 65 B stars, 1,493 pixels), L2-normalised (FluxNormalizer),
clean spectra (no added noise). Splits: per seed, the first fold of
``StratifiedGroupKFold(3, shuffle=True, random_state=seed)`` grouped by star
(leave-stars-out: about 9 O stars and a third of every other class held out,
never seen by a GAN or a classifier). One fold per seed keeps a run affordable
on the shared 2-core machine.

Per seed and split:

* GAN-train O recall (:func:`skspec.metrics.gan_train_score`, ``score_on="minority"``):
  an ``SVC(class_weight="balanced")`` trained on 100 generated O (the final
  generator) plus the real training spectra of every other class; the share
  of held-out real O stars it calls O (the analogue of the paper's Fig. 7 at
  the last iteration). Each fitted GAN is sampled with its dropout off or on
  and with a sampling-time Gaussian low-pass of 0, 1 and 2 pixels.
* Fidelity of the 100 generated O: median distance to the nearest real
  training O (unit-norm spectra) and to the nearest real training B, the
  pixel-scale roughness (mean |second difference|) relative to the real O,
  and the depth of He II 4686 (flux at the line / flux 30-60 A away).
* RAC-Net's O average precision on the held-out spectra, without
  over-sampling and with LCGAN inside the classifier (``sampler=``), O grown
  to 1.5 times its real count, the quick settings of ``skspec reproduce``.
  The LCGAN that RAC-Net+LCGAN fitted (on its training rows, validation rows
  left out) is also the "LCGAN, O only" GAN of the GAN-train rows.

GANs: 150 iterations, batch 32 (``skspec reproduce --quick``), LCGAN at 10x
the paper's learning rates (1e-3 / 1.5e-3), SGAN at its defaults.
"O only" trains one generator on the O spectra (the default);
"O+B" (``condition_classes=["B"]``) trains one generator on O and B with the
class as its condition and samples O only.

Results go to ``benchmarks/results/gan_border.md``: every seed, then the
median and range over seeds.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "gan_border.md"
SMOOTHING = (0.0, 1.0, 2.0)
RACNET = {"module__channels": (8, 8, 16, 16), "max_epochs": 15, "patience": 4, "min_epochs": 8}
LCGAN_RATES = {"generator_lr": 1e-3, "discriminator_lr": 1.5e-3}


def one_and_a_half_o(y):
    """O grown to 1.5 times its real count (``skspec reproduce``'s rule)."""
    return {"O": int(round(1.5 * np.sum(np.asarray(y) == "O")))}


def _line_depth(S, wavelength, centre):
    core = np.abs(wavelength - centre) < 2
    side = (np.abs(wavelength - centre) > 30) & (np.abs(wavelength - centre) < 60)
    return float(np.median(S[:, core].mean(1) / S[:, side].mean(1)))


def _nearest(a, b):
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    return float(np.median(d.min(1)))


def _roughness(S):
    return float(np.abs(np.diff(S, 2, axis=1)).mean())


def _gan_rows(name, gan, Xtr, ytr, Xte, yte, wavelength, seed, n_generated):
    """GAN-train O recall and fidelity for every sampling variant of one fitted GAN."""
    from sklearn.svm import SVC

    from skspec.metrics import gan_train_score

    real_o, real_b = Xtr[ytr == "O"], Xtr[ytr == "B"]
    rows = []
    for dropout in (False, True):
        for sigma in SMOOTHING:
            gan.set_params(sample_dropout=dropout, sample_smoothing=sigma)
            X_gen = gan.sample(n_generated, "O", random_state=seed)
            recall = gan_train_score(
                X_gen, Xtr, ytr, Xte, yte, minority_class="O",
                estimator=SVC(class_weight="balanced"), score_on="minority",
                scoring="accuracy", random_state=seed)
            rows.append({
                "gan": name, "dropout": dropout, "smoothing": sigma, "recall": recall,
                "nn_o": _nearest(X_gen, real_o), "nn_b": _nearest(X_gen, real_b),
                "rough": _roughness(X_gen) / _roughness(real_o),
                "he2": _line_depth(X_gen, wavelength, 4687.0),
            })
    gan.set_params(sample_dropout=False, sample_smoothing=0.0)
    return rows


def _o_ap(clf, Xte, yte):
    from sklearn.metrics import average_precision_score

    proba = clf.predict_proba(Xte)[:, list(clf.classes_).index("O")]
    return float(average_precision_score(yte == "O", proba))


def run_cell(seed, X, y, groups, wavelength, settings):
    import torch
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.svm import SVC

    from skspec.neural_network import RACNetClassifier
    from skspec.over_sampling import LCGAN, SGAN

    torch.set_num_threads(1)
    cv = StratifiedGroupKFold(3, shuffle=True, random_state=seed)
    train, test = next(cv.split(X, y, groups))
    Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    gtr = groups[train]
    out = {"seed": seed, "n_test_o": int((yte == "O").sum()), "n_train_o": int((ytr == "O").sum()),
           "gan": [], "ap": {}, "time": {}}
    gan_common = dict(n_iter=settings["n_iter"], batch_size=32, random_state=seed, device="cpu")
    if settings.get("tiny"):
        gan_common.update(noise_dim=16)

    # reference: the real training O themselves as "generated"
    real_o = Xtr[ytr == "O"]
    from skspec.metrics import gan_train_score
    out["real_recall"] = gan_train_score(
        real_o, Xtr, ytr, Xte, yte, minority_class="O", estimator=SVC(class_weight="balanced"),
        score_on="minority", scoring="accuracy", random_state=seed)

    t = time.perf_counter()
    plain = RACNetClassifier(random_state=seed, device="cpu", **settings["racnet"])
    plain.fit(Xtr, ytr, groups=gtr)
    out["ap"]["RACNet"] = _o_ap(plain, Xte, yte)
    out["time"]["RACNet"] = time.perf_counter() - t

    t = time.perf_counter()
    lcgan = LCGAN(sampling_strategy=one_and_a_half_o, sample_smoothing=settings["smoothing"],
                  **LCGAN_RATES, **gan_common)
    with_gan = RACNetClassifier(random_state=seed, device="cpu", sampler=lcgan, **settings["racnet"])
    with_gan.fit(Xtr, ytr, groups=gtr)
    out["ap"][f"RACNet+LCGAN (smoothing {settings['smoothing']:g})"] = _o_ap(with_gan, Xte, yte)
    out["time"]["RACNet+LCGAN"] = time.perf_counter() - t
    out["gan"] += _gan_rows("LCGAN, O only", with_gan.sampler_, Xtr, ytr, Xte, yte, wavelength,
                            seed, settings["n_generated"])

    n_o = int((ytr == "O").sum())
    for name, cls, params in [
        ("LCGAN, O+B", LCGAN, {**LCGAN_RATES, "condition_classes": ["B"]}),
        ("SGAN, O only", SGAN, {}),
        ("SGAN, O+B", SGAN, {"condition_classes": ["B"]}),
    ]:
        t = time.perf_counter()
        gan = cls(sampling_strategy={"O": n_o + 1}, **params, **gan_common).fit(Xtr, ytr)
        out["time"][name] = time.perf_counter() - t
        out["gan"] += _gan_rows(name, gan, Xtr, ytr, Xte, yte, wavelength, seed,
                                settings["n_generated"])
    return out


def _fmt(values, digits=2):
    v = np.asarray(values, dtype=float)
    return f"{np.median(v):.{digits}f} [{v.min():.{digits}f}-{v.max():.{digits}f}]"


def write_report(cells, settings, machine, elapsed, path=RESULTS):
    seeds = [c["seed"] for c in cells]
    lines = [
        "# Do the GANs' synthetic O stars sit at the O/B border? (`benchmarks/bench_gan_border.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine}. "
        "The machine is a VM shared with other jobs (load average 7-11 on 2 cores during "
        f"this run): times are noisy. Whole run {elapsed / 60:.1f} min, 1 torch thread.",
        "",
        "Data: `load_real_spectra(wavelength_range=(3900, 5500), fwhm=3.6)`, 522 real spectra "
        "(28 O, 65 B), 1,493 pixels, L2-normalised, clean. Per seed one leave-stars-out split: "
        "the first fold of `StratifiedGroupKFold(3, shuffle=True, random_state=seed)` grouped "
        f"by star ({', '.join(str(c['n_test_o']) for c in cells)} held-out O stars for seeds "
        f"{', '.join(map(str, seeds))}). GANs: {settings['n_iter']} iterations, batch 32, "
        "LCGAN at 1e-3 / 1.5e-3, SGAN at its defaults; 100 generated O from the final "
        "generator. Values: median [min-max] over the seeds, then every seed.",
        "",
        "GAN-train O recall: `gan_train_score(X_gen, ..., estimator=SVC(class_weight='balanced'), "
        "score_on='minority', scoring='accuracy')`, i.e. an SVC trained on generated O plus the "
        "real training spectra of every other class, the share of held-out real O stars called O. "
        f"With the real training O in place of generated ones it is "
        f"{_fmt([c['real_recall'] for c in cells])}.",
        "",
        "Fidelity: nn O / nn B = median L2 distance of a generated O to the nearest real "
        "training O / B (unit-norm spectra); roughness = mean |second difference| relative to "
        "the real O (1 = as smooth as the data); He II 4686 = line depth (real training O: "
        f"{_fmt([c['he2_real'] for c in cells], 3)}; real O-to-nearest-other-O distance "
        f"{_fmt([c['nn_oo'] for c in cells], 3)}).",
        "",
        "## GAN-train O recall and fidelity",
        "",
        "| GAN | dropout at sampling | smoothing (px) | GAN-train O recall | per seed | nn O | nn B "
        "| roughness | He II 4686 |",
        "|---|---|---:|---|---|---:|---:|---:|---:|",
    ]
    keys = [(r["gan"], r["dropout"], r["smoothing"]) for r in cells[0]["gan"]]
    for key in keys:
        rows = [next(r for r in c["gan"] if (r["gan"], r["dropout"], r["smoothing"]) == key)
                for c in cells]
        lines.append(
            f"| {key[0]} | {'on' if key[1] else 'off'} | {key[2]:g} | "
            f"{_fmt([r['recall'] for r in rows])} | "
            f"{' / '.join(format(r['recall'], '.2f') for r in rows)} | "
            f"{np.median([r['nn_o'] for r in rows]):.3f} | {np.median([r['nn_b'] for r in rows]):.3f} | "
            f"{np.median([r['rough'] for r in rows]):.1f} | {np.median([r['he2'] for r in rows]):.3f} |")
    lines += ["", "## RAC-Net O average precision (held-out spectra of the same split)", "",
              "| model | O average precision | per seed |", "|---|---|---|"]
    for name in cells[0]["ap"]:
        values = [c["ap"][name] for c in cells]
        lines.append(f"| {name} | {_fmt(values, 3)} | {' / '.join(format(v, '.3f') for v in values)} |")
    lines += ["", "RAC-Net: quick settings of `skspec reproduce` "
              f"({settings['racnet']}), validation split by star; LCGAN inside the classifier "
              "(`sampler=`), O grown to 1.5 times its real count, dropout off at sampling.",
              "", "## Fit time (median s per fit)", "", "| fit | s |", "|---|---:|"]
    for name in cells[0]["time"]:
        lines.append(f"| {name} | {np.median([c['time'][name] for c in cells]):.0f} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n-iter", type=int, default=150)
    parser.add_argument("--smoothing", type=float, default=2.0,
                        help="sampling-time low-pass of RAC-Net+LCGAN's LCGAN (pixels)")
    parser.add_argument("--tiny", action="store_true", help="smoke test: 3 iterations, 2 epochs")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    from skspec.datasets import load_real_spectra
    from skspec.preprocessing import FluxNormalizer
    from skspec.utils._machine import describe_machine

    settings = {"n_iter": args.n_iter, "n_generated": 100, "racnet": RACNET,
                "smoothing": args.smoothing}
    if args.tiny:
        settings.update(n_iter=3, n_generated=10, tiny=True,
                        racnet={"module__channels": (4, 4), "max_epochs": 2, "patience": None})
    start = time.perf_counter()
    data = load_real_spectra(wavelength_range=(3900, 5500), fwhm=3.6)
    X = FluxNormalizer().fit_transform(data.data).astype(np.float32)
    y = np.asarray(data.target)
    wavelength = np.asarray(getattr(data.wavelength, "value", data.wavelength), dtype=float)
    groups = np.asarray(data.object)
    cells = []
    for seed in args.seeds:
        cell = run_cell(seed, X, y, groups, wavelength, settings)
        from sklearn.model_selection import StratifiedGroupKFold

        train, _ = next(StratifiedGroupKFold(3, shuffle=True, random_state=seed).split(X, y, groups))
        real_o = X[train][y[train] == "O"]
        d = np.sqrt(((real_o[:, None] - real_o[None]) ** 2).sum(-1))
        np.fill_diagonal(d, np.inf)
        cell["nn_oo"] = float(np.median(d.min(1)))
        cell["he2_real"] = _line_depth(real_o, wavelength, 4687.0)
        cells.append(cell)
        print(f"seed {seed} done after {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    write_report(cells, settings, describe_machine(), time.perf_counter() - start, args.output)


if __name__ == "__main__":
    main()
