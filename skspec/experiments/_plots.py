"""The report's figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

def _plots(results, out: Path, wavelength, X_norm_o, labels) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import O_STAR_LINES, plot_attention, plot_spectrum

    names = []
    examples = results.pop("_examples")
    if examples:
        fig, axes = plt.subplots(len(examples), 1, figsize=(10, 3.2 * len(examples)),
                                 sharex=True, squeeze=False)
        for ax, (method, X_gen) in zip(axes[:, 0], examples.items()):
            ax.fill_between(wavelength, np.percentile(X_norm_o, 5, axis=0),
                            np.percentile(X_norm_o, 95, axis=0), color="0.8",
                            label="real O (5-95 %)")
            plot_spectrum(wavelength, X_norm_o.mean(0), ax=ax, lines=O_STAR_LINES,
                          label="real O (mean)", color="k")
            for i, spectrum in enumerate(np.asarray(X_gen)[:3]):
                ax.plot(wavelength, spectrum, lw=0.7, alpha=0.8,
                        label=f"{method} generated" if i == 0 else None)
            ax.set_title(f"Real versus {method}-generated O spectra (L2-normalised)")
            ax.legend(loc="upper right", fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "generated_vs_real.png", dpi=110)
        plt.close(fig)
        names.append("generated_vs_real.png")

    if results["curves"]:
        fig, ax = plt.subplots(figsize=(7, 4))
        for method, curve in results["curves"].items():
            it = [c["iteration"] for c in curve]
            ax.plot(it, [c["median"] for c in curve], marker="o", label=f"{method} (median)")
            ax.fill_between(it, [c["min"] for c in curve], [c["max"] for c in curve], alpha=0.2)
        ax.set_xlabel("GAN training iteration")
        ax.set_ylabel("held-out real O recognised")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"O recall versus GAN iteration ({results['protocol']['n_seeds']} seeds)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "accuracy_vs_iteration.png", dpi=110)
        plt.close(fig)
        names.append("accuracy_vs_iteration.png")

    matrices = results["confusion_matrices"]
    levels = [lv for lv in ("clean", "snr10") if lv in next(iter(matrices.values()))]
    shown = [m for m in ("RACNet", "RACNet+LCGAN", "RACNet+SGAN", "SVC") if m in matrices]
    fig, axes = plt.subplots(len(levels), len(shown), figsize=(3.6 * len(shown), 3.4 * len(levels)),
                             squeeze=False)
    for i, level in enumerate(levels):
        for j, method in enumerate(shown):
            cm = np.asarray(matrices[method][level])
            ax = axes[i, j]
            ax.imshow(cm, cmap="Blues")
            for (r, c), v in np.ndenumerate(cm):
                ax.text(c, r, str(v), ha="center", va="center", fontsize=7,
                        color="white" if v > cm.max() / 2 else "black")
            ax.set_xticks(range(len(labels)), labels)
            ax.set_yticks(range(len(labels)), labels)
            ax.set_title(f"{method}, {level}", fontsize=9)
            ax.set_xlabel("predicted")
            ax.set_ylabel("true")
    fig.tight_layout()
    fig.savefig(out / "confusion_matrices.png", dpi=110)
    plt.close(fig)
    names.append("confusion_matrices.png")

    # the extinction axis: O recall and macro F1 against E(B-V), every method
    rec = results["recognition"]
    ebv_levels = results["protocol"].get("ebv_levels", [])
    if ebv_levels:
        ebv = [0.0] + list(ebv_levels)
        keys = ["clean"] + [f"ebv{e:g}" for e in ebv_levels]
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharex=True)
        for ax, (metric, title) in zip(axes, (("recall_O", "O recall"),
                                              ("f1_macro", "macro F1"))):
            for method, by_level in rec.items():
                values = [by_level[k][metric]["median"] for k in keys]
                values = [np.nan if v is None else v for v in values]
                ax.plot(ebv, values, marker="o", lw=1,
                        ls="--" if method.endswith("+aug") else "-", label=method)
            ax.set_xlabel("test E(B-V) (G23, R(V) 3.1)")
            ax.set_ylabel(title)
            ax.set_ylim(-0.02, 1.02)
        axes[1].legend(fontsize=7, loc="upper right")
        fig.suptitle("Recognition of reddened test spectra (dashed: trained with augmentation)")
        fig.tight_layout()
        fig.savefig(out / "extinction_curve.png", dpi=110)
        plt.close(fig)
        names.append("extinction_curve.png")

    attention = results.pop("_attention", None)
    if attention:
        fig, ax = plt.subplots(figsize=(10, 3.5))
        plot_attention(wavelength, np.asarray(attention["flux"]),
                       np.asarray(attention["importance"]), ax=ax,
                       title="RAC-Net importance (gradient x input) on a held-out O star")
        fig.tight_layout()
        fig.savefig(out / "attention_map.png", dpi=110)
        plt.close(fig)
        names.append("attention_map.png")
    return names
