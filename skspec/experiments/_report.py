"""The markdown report, rendered from what ``results.json`` holds."""

from __future__ import annotations

from pathlib import Path

from ._aggregate import SCORES
from ._border import border_lines
from ._methods import RECOMMENDED_LABEL, _oversample_target

def _fmt(s, digits=2):
    if s is None or s.get("median") is None:
        return "n/a"
    m, lo, hi = s["median"], s["min"], s["max"]
    if s["n"] == 1:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} [{lo:.{digits}f}-{hi:.{digits}f}]"


def _write_report(results: dict, out: Path) -> str:
    p = results["protocol"]
    lines = [
        f"# skspec reproduce: {results['data']} ({results['mode']})", "",
        f"skspec {results['versions']['skspec']}, torch {results['versions']['torch']}, "
        f"on {results['machine']}; {results['elapsed_s']:.0f} s.", "",
        "## Protocol", "",
        f"- Data: `{p['loader']}()`, {p['n_spectra']} real spectra, classes "
        f"{', '.join(f'{k} {v}' for k, v in p['class_counts'].items())}.",
        f"- Leave-one-O-star-out: {p['n_splits']} splits per seed, {p['n_seeds']} seeds "
        f"(seeds {p['seeds']}); each split holds out every spectrum of one real O star and "
        f"{int(p['test_size'] * 100)} % of the stars of every other class. No star is in "
        "train and test; the GANs and classifiers see the training fold only.",
        f"- Held-out O stars: {', '.join(p['held_out_o_stars'])}"
        + (f" (one in {p['split_step']} of the {p['n_o_stars']} O stars, in name order, "
           "for the time budget; --full holds out all)" if p.get("split_step") else "")
        + ".",
        "- Over-sampling adds synthetic O spectra to the training fold only, up to "
        f"{_oversample_target(p.get('oversample'))}; GAN iterations {p['gan_iter']}"
        + (f" (LCGAN with {', '.join(f'{k}={v:g}' for k, v in p['lcgan'].items())})"
           if p.get("lcgan") else "")
        + ". Synthetic spectra are kept out of the "
        "classifier's validation split and out of every test set.",
        "- RAC-Net: " + ", ".join(f"{k}={v}" for k, v in p.get("racnet", {}).items())
        + ("; the row 'RACNet, no noise augmentation' is the same net with augment=None."
           if "no-noise" in results["settings"].get("methods", ()) else "."),
        f"- Test spectra: clean and degraded to survey conditions at S/N "
        f"{', '.join(str(s) for s in p['snr_levels'] if s)}: convolved to R = "
        f"{p['resolution']} (from about R = {p['input_resolution']}), then Gaussian noise "
        "with sigma = median|flux| / (S/N); reddened (`skspec.augmentation.redden`, G23, "
        "R(V) 3.1) at E(B-V) " + ", ".join(f"{e:g}" for e in p.get("ebv_levels", []))
        + " (columns ebv*, no noise)"
        + (f"; and 'survey': E(B-V) {p['survey'][0]:g}, then R = {p['resolution']} and S/N "
           f"{p['survey'][1]:g}" if p.get("survey") else "")
        + ". One draw per condition, the same for every method.",
        "- '+aug' rows: the same method trained with the physical augmentation "
        + ", ".join(f"{k} {v[0]:g}-{v[1]:g}" if isinstance(v, list) else f"{k} {v}"
                    for k, v in p.get("augmentation", {}).items())
        + " (skspec.augmentation.SpectrumAugmenter): RAC-Net draws it afresh for every training "
        "batch (in place of its noise-only augmentation); the scikit-learn baselines train on "
        f"{p.get('augment_copies', 1)} augmented copy(ies) of every training spectrum "
        "(AugmentationSampler). An over-sampler runs once for both twins (inside RAC-Net, on its "
        "training rows; the twins share the validation split).",
        *([f"- '{RECOMMENDED_LABEL}': `skspec.pipeline.recommended_pipeline("
           + ", ".join(f"{k}={v!r}" for k, v in p["recommended"].items())
           + ")`, what `skspec train` fits: augmented copies (reddening, noise) -> "
           "ContinuumNormalizer -> FluxNormalizer -> smoothing -> RBF SVC; its augmentation "
           "is its own (no '+aug' twin)."] if p.get("recommended") is not None else []),
        "- O average precision: of P(O) (the SVCs: their decision function for O), the test "
        "spectra of a seed's splits pooled.",
        "- Scores are pooled over the splits of a seed; tables give the median over seeds and, "
        "in brackets, the range [min-max].", "",
        "## Data sets (the analogue of the paper's Table 1)", "",
        "| set | content |", "|---|---|",
    ]
    for name, content in results["datasets"].items():
        lines.append(f"| {name} | {content} |")
    rec = results["recognition"]
    levels = list(next(iter(rec.values())))
    if "survey" in levels:
        lines += ["", "## Headline: clean library spectra against survey conditions", "",
                  "'survey': E(B-V) 1.0, R = 1800, S/N 10.", "",
                  "| method | O recall clean | O recall survey | O precision clean | "
                  "O precision survey | macro F1 clean | macro F1 survey | O AP clean | "
                  "O AP survey |", "|---|" + "---|" * 8]
        for method, by_level in rec.items():
            lines.append(f"| {method} | " + " | ".join(
                _fmt(by_level[lv][metric]) for metric in SCORES for lv in ("clean", "survey"))
                + " |")
    lines += ["", "## Recognition (O recall / O precision / macro F1 / O average precision)", ""]
    for metric, title in (("recall_O", "O recall"), ("precision_O", "O precision"),
                          ("f1_macro", "macro F1"),
                          ("average_precision_O", "O average precision")):
        lines += [f"### {title}", "", "| method | " + " | ".join(levels) + " |",
                  "|---|" + "---|" * len(levels)]
        for method, by_level in rec.items():
            lines.append(f"| {method} | " + " | ".join(_fmt(by_level[lv][metric])
                                                       for lv in levels) + " |")
        lines.append("")
    lines += ["### Share of each held-out O star recognised (mean over seeds)", "",
              "| O star | " + " | ".join(rec) + " |", "|---|" + "---|" * len(rec)]
    stars = results["per_star"]
    level = "snr10" if "snr10" in levels else levels[-1]
    for star in p["held_out_o_stars"]:
        lines.append(f"| {star} ({level}) | " + " | ".join(
            f"{stars[m][level].get(star, float('nan')):.2f}" for m in rec) + " |")
    lines += border_lines(results.get("border", {}))
    lines += ["", "## GAN-train and GAN-test (the analogue of Table 2; O versus F, NuSVC)", "",
              "GAN-train: NuSVC trained on generated O + real F, balanced accuracy on the "
              "held-out real O and F spectra (paper's reading in the next column: share of "
              "held-out real O recognised). GAN-test: NuSVC trained on real O (duplicated) + "
              "real F, share of generated O recognised as O.", "",
              "| model | GAN-train | GAN-train (paper) | GAN-test |", "|---|---|---|---|"]
    for method, t in results["gan"].items():
        lines.append(f"| {method} | {_fmt(t['gan_train'])} | {_fmt(t['gan_train_paper'])} | "
                     f"{_fmt(t['gan_test'])} |")
    lines += ["", "## O recall versus GAN iteration (the analogue of Fig. 7)", "",
              "SVC trained on generated O (snapshot) + real other classes; share of held-out "
              "real O spectra recognised. ![curve](accuracy_vs_iteration.png)", "",
              "| iteration | " + " | ".join(results["curves"]) + " |",
              "|---|" + "---|" * len(results["curves"])]
    iterations = [c["iteration"] for c in next(iter(results["curves"].values()), [])]
    for i, it in enumerate(iterations):
        lines.append(f"| {it} | " + " | ".join(_fmt(c[i]) for c in results["curves"].values())
                     + " |")
    if results.get("fidelity"):
        lines += ["", "## Fidelity of the generated O spectra", "",
                  "First seed, median over splits; generated O against the real training O "
                  "spectra the GAN learnt from (Frechet distance in PCA space of the flux and "
                  "of the features of the RAC-Net trained without augmentation; PCA space for "
                  "the k-NN metrics; flux space for memorisation: the share of generated spectra "
                  "closer to a training spectrum than the 5th percentile of real-to-real "
                  "nearest-neighbour distances, and the median generated/real NN distance "
                  "ratio, about 1 when healthy, near 0 for copies).", ""]
        keys = [k for k in next(iter(results["fidelity"].values())) if k != "equivalent_widths"]
        lines += ["| model | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
        for method, f in results["fidelity"].items():
            lines.append(f"| {method} | " + " | ".join(f"{f[k]:.3g}" for k in keys) + " |")
        lines += ["", "Equivalent widths (Angstrom, real mean / generated mean):", "",
                  "| line | " + " | ".join(results["fidelity"]) + " |",
                  "|---|" + "---|" * len(results["fidelity"])]
        first = next(iter(results["fidelity"].values()))["equivalent_widths"]
        for line in first:
            cells = []
            for f in results["fidelity"].values():
                e = f["equivalent_widths"][line]
                cells.append(f"{e['real_mean']:.2f} / {e['generated_mean']:.2f}")
            lines.append(f"| {line} | " + " | ".join(cells) + " |")
    lines += ["", "## Figures", ""] + [f"![{name}]({name})" for name in results["figures"]]
    lines += ["", "## Run time per fit (median seconds)", "", "| method | s |", "|---|---|"]
    for method, t in results["timing"].items():
        lines.append(f"| {method} | {t:.1f} |")
    text = "\n".join(lines) + "\n"
    (out / "report.md").write_text(text, encoding="utf-8")
    return text
