"""GAN-train, GAN-test, the accuracy-vs-iteration curve and fidelity of generated O spectra."""

from __future__ import annotations

import numpy as np

def _gan_quality(gan, Xn_train, y_train, Xn_test, y_test, settings, seed,
                 gan_train_score, gan_test_score):
    """GAN-train, GAN-test (O vs F, NuSVC) and the accuracy-vs-iteration curve."""
    from sklearn.svm import SVC

    of_train = np.isin(y_train, ["O", "F"])
    of_test = np.isin(y_test, ["O", "F"])
    # the GAN was fitted on this very training fold inside the recognition pipeline:
    # hand its spectra to the metrics instead of fitting it again
    X_gen = gan.sample(settings.n_generated, "O", random_state=seed)
    common = {"minority_class": "O", "majority_classes": ["F"], "random_state": seed}
    result = {
        # Shmelkov et al.: balanced accuracy on the real held-out O and F spectra
        "gan_train": gan_train_score(X_gen, Xn_train[of_train], y_train[of_train],
                                     Xn_test[of_test], y_test[of_test], **common),
        # the paper's reading: the share of held-out real O spectra recognised as O
        "gan_train_paper": gan_train_score(X_gen, Xn_train[of_train], y_train[of_train],
                                           Xn_test[of_test], y_test[of_test],
                                           score_on="minority", scoring="accuracy", **common),
        # share of generated O spectra that an SVM of real O (duplicated) and F calls O
        "gan_test": gan_test_score(X_gen, Xn_train[of_train], y_train[of_train],
                                   scoring="accuracy", **common),
    }
    # accuracy versus GAN iteration (Fig. 7): train an SVC on generated O plus the
    # real other classes, count the held-out real O spectra recognised as O
    others = y_train != "O"
    test_o = Xn_test[y_test == "O"]
    curve = []
    for it in sorted(it for it, _ in gan.snapshots_.get("O", [])):
        X_gen = gan.sample(settings.n_generated, "O", random_state=seed, iteration=it)
        clf = SVC(class_weight="balanced").fit(
            np.vstack([Xn_train[others], X_gen]),
            np.concatenate([y_train[others], np.full(len(X_gen), "O")]))
        curve.append((int(it), int((clf.predict(test_o) == "O").sum()), int(len(test_o))))
    result["curve"] = curve
    return result


def _feature_embedding(clf):
    """The convolutional features of a RAC-Net trained on real spectra only (as FID's
    Inception net), as a numpy function."""
    import torch

    module = clf.module_.eval()  # batch norm on its running statistics
    device = next(module.parameters()).device  # the GPU, when the classifier trained there

    def embed(X):
        with torch.inference_mode():
            X = torch.as_tensor(np.asarray(X, dtype=np.float32), device=device)
            return module.features(X).cpu().numpy()

    return embed


def _fidelity(X_real_o, X_gen, wavelength, embed) -> dict:
    """Fidelity of generated O spectra against the real O spectra the GAN learnt from."""
    from .. import metrics

    n_comp = max(1, min(5, len(X_real_o) - 1))
    # the features have thousands of dimensions and there are ~9 real O spectra:
    # reduce them with PCA fitted on the real ones before the Frechet distance
    F_real, F_gen = embed(X_real_o), embed(X_gen)
    prdc = metrics.precision_recall_density_coverage(X_real_o, X_gen, k=min(3, len(X_real_o) - 1),
                                                     n_components=n_comp)
    memo = metrics.memorisation_check(X_real_o, X_gen)
    ews = metrics.compare_equivalent_widths(X_real_o, X_gen, wavelength)
    return {
        "frechet_pca": float(metrics.frechet_distance(X_real_o, X_gen, n_components=n_comp)),
        "frechet_racnet": float(metrics.frechet_distance(F_real, F_gen, n_components=n_comp)),
        **{k: float(v) for k, v in prdc.items()},
        "fraction_memorised": float(memo.fraction_memorised),
        "nn_distance_ratio": float(memo.median_ratio),
        "equivalent_widths": ews,
    }
