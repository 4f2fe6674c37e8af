"""One leave-one-O-star-out split: fit every method on the training fold, predict the test fold."""

from __future__ import annotations

import time

import numpy as np

from ..utils._random import draw_seed
from ._gan_quality import _feature_embedding, _fidelity, _gan_quality
from ._methods import _NO_SAMPLER, _make_baseline, _make_pipeline
from ._modes import LIBRARY_RESOLUTION, SURVEY_RESOLUTION

def _run_split(task, X, y, wavelength, settings, device):
    """Fit every method on one training fold, predict its test fold at every S/N."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one split per process; several processes share the cores
    try:
        return _fit_split(task, X, y, wavelength, settings, device)
    finally:
        torch.set_num_threads(threads)


def _fit_split(task, X, y, wavelength, settings, device):
    from ..metrics import gan_test_score, gan_train_score
    from ..preprocessing import FluxNormalizer, degrade

    seed, split, train, test = task["seed"], task["split"], task["train"], task["test"]
    rng = np.random.RandomState(seed * 1000 + split)
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    tests = {}
    for snr in settings.snr_levels:
        noise_seed = draw_seed(rng)
        # survey conditions: LAMOST's resolving power, then noise for the S/N
        tests[_snr_key(snr)] = X_test if snr is None else degrade(
            X_test, snr=snr, resolution=SURVEY_RESOLUTION, wavelength=wavelength,
            input_resolution=LIBRARY_RESOLUTION, random_state=noise_seed)

    out = {"seed": seed, "split": split, "test_object": task["test_object"],
           "n_train": {str(c): int(n) for c, n in zip(*np.unique(y_train, return_counts=True))},
           "predictions": {}, "gan": {}, "timing": {}}
    for name in settings.baselines:
        start = time.perf_counter()
        model = _make_baseline(name, y_train, seed, settings.oversample).fit(X_train, y_train)
        out["predictions"][name] = {k: model.predict(v).tolist() for k, v in tests.items()}
        out["timing"][name] = time.perf_counter() - start

    norm = FluxNormalizer().fit(X_train)
    Xn_train, Xn_test = norm.transform(X_train), norm.transform(X_test)
    # the Frechet distance in RAC-Net feature space embeds with the net trained without
    # over-sampling (as FID's Inception net, it must not have learnt from generated
    # spectra): fit "none" before the GANs whatever the mode's order, or, in a mode
    # without it, a net of the same settings for the embedding alone
    needs_embedding = seed == task["first_seed"] and any(m in ("LCGAN", "SGAN")
                                                         for m in settings.methods)
    order = sorted(settings.methods, key=lambda m: m != "none")
    embed = None
    if needs_embedding and "none" not in order:
        plain = _make_pipeline("none", y_train, settings, seed, device).fit(X_train, y_train)
        embed = _feature_embedding(plain.named_steps["clf"])
    predictions, timing = {}, {}
    for method in order:
        start = time.perf_counter()
        model = _make_pipeline(method, y_train, settings, seed, device).fit(X_train, y_train)
        predictions[method] = {k: model.predict(v).tolist() for k, v in tests.items()}
        timing[method] = time.perf_counter() - start
        if method == "none":
            embed = _feature_embedding(model.named_steps["clf"])
            if seed == task["first_seed"] and split == 0:
                out["attention"] = _attention_example(model, X_test, y_test)
        if method not in ("LCGAN", "SGAN"):
            continue
        gan = model.named_steps["sampler"]
        out["gan"][method] = _gan_quality(gan, Xn_train, y_train, Xn_test, y_test, settings,
                                          seed, gan_train_score, gan_test_score)
        if seed == task["first_seed"]:
            X_gen = gan.sample(settings.n_generated, "O", random_state=seed)
            out["gan"][method]["fidelity"] = _fidelity(Xn_train[y_train == "O"], X_gen,
                                                       wavelength, embed)
            out["gan"][method]["examples"] = X_gen[:8].astype(float).tolist()
    for method in settings.methods:  # the report lists methods in the mode's order
        label = _NO_SAMPLER[method][0] if method in _NO_SAMPLER else f"RACNet+{method}"
        out["predictions"][label] = predictions[method]
        out["timing"][label] = timing[method]
    return out


def _snr_key(snr):
    return "clean" if snr is None else f"snr{snr:g}"


def _attention_example(model, X_test, y_test):
    clf = model.named_steps["clf"]
    idx = int(np.flatnonzero(y_test == "O")[0])
    Xn = model.named_steps["norm"].transform(X_test[idx:idx + 1])
    return {"flux": Xn[0].astype(float).tolist(),
            "importance": clf.attention_maps(Xn)[0].astype(float).tolist()}
