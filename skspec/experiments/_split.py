"""One leave-one-O-star-out split: fit every method on the training fold, predict the test fold."""

from __future__ import annotations

import os

import time

import numpy as np

from ._conditions import test_conditions
from ._gan_quality import _feature_embedding, _fidelity, _gan_quality
from ._methods import (
    RECOMMENDED_LABEL,
    _augmenter,
    _make_baseline,
    _make_classifier,
    _make_sampler,
    _method_label,
    _Recorded,
    _predict_with_o_scores,
    _variant_label,
    _variants,
)


def _run_split(task, X, y, wavelength, settings, device, threads=None):
    """Fit every method on one training fold, predict its test fold in every condition.

    ``threads`` caps torch's and the BLAS libraries' threads for the call (the
    cores divided among the parallel splits); None leaves them as they are. Both
    limits are restored afterwards, so the caller's process is left as it was.
    """
    import torch
    from threadpoolctl import threadpool_limits

    if threads is None:
        return _fit_split(task, X, y, wavelength, settings, device)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            return _fit_split(task, X, y, wavelength, settings, device)
    finally:
        torch.set_num_threads(before)


def _threads_per_split(n_jobs, n_tasks: int) -> int | None:
    """Threads each split may use when ``n_jobs`` splits run at once (None: no cap).

    One split at a time in the caller's process uses every core it has; with
    several processes the cores are shared out, at least one each.
    """
    from joblib import effective_n_jobs

    jobs = min(effective_n_jobs(n_jobs), max(n_tasks, 1))
    if jobs <= 1:
        return None
    return max(1, (os.cpu_count() or 1) // jobs)


def _record(out, label, model, tests, start):
    """Store a fitted model's predictions and O scores on every test condition.

    One call over all conditions at once: the predictions are the argmax of the
    probabilities where the model has them (RAC-Net, the random forest: what their
    ``predict`` computes), so each network runs over the test spectra once.
    """
    keys = list(tests)
    X_all = np.concatenate([np.asarray(tests[k]) for k in keys])
    pred, score = _predict_with_o_scores(model, X_all)
    bounds = np.cumsum([len(tests[k]) for k in keys])[:-1]
    for key, p, s in zip(keys, np.split(pred, bounds), np.split(score, bounds)):
        out["predictions"].setdefault(label, {})[key] = p.tolist()
        out["scores"].setdefault(label, {})[key] = s.astype(float).tolist()
    out["timing"][label] = time.perf_counter() - start


def _fit_split(task, X, y, wavelength, settings, device):
    from ..metrics import gan_test_score, gan_train_score
    from ..preprocessing import FluxNormalizer

    seed, split, train, test = task["seed"], task["split"], task["train"], task["test"]
    rng = np.random.RandomState(seed * 1000 + split)
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    # the same arrays (one noise draw per condition) for every method
    tests = test_conditions(X_test, wavelength, settings, rng)

    out = {"seed": seed, "split": split, "test_object": task["test_object"],
           "n_train": {str(c): int(n) for c, n in zip(*np.unique(y_train, return_counts=True))},
           "predictions": {}, "scores": {}, "gan": {}, "timing": {}}
    if settings.recommended is not None:  # what skspec train fits, with its own augmentation
        from ..pipeline import recommended_pipeline

        start = time.perf_counter()
        model = recommended_pipeline(y_train, wavelength=wavelength, random_state=seed,
                                     device=device, **settings.recommended)
        _record(out, RECOMMENDED_LABEL, model.fit(X_train, y_train), tests, start)
    for name in settings.baselines:
        for augment in _variants(name, settings):
            start = time.perf_counter()
            augmenter = _augmenter(settings, wavelength, seed) if augment else None
            model = _make_baseline(name, y_train, seed, settings.oversample, augmenter,
                                   settings.augment_copies).fit(X_train, y_train)
            _record(out, _variant_label(name, augment), model, tests, start)

    # the RAC-Net methods are FluxNormalizer -> RACNetClassifier(sampler=...); the
    # normaliser is per spectrum, so the training fold and every test condition are
    # normalised once for all of them, and each over-sampler runs once for both the
    # plain and the augmented net (the GAN is not trained twice)
    norm = FluxNormalizer().fit(X_train)
    Xn_train = norm.transform(X_train)
    Xn_tests = {k: norm.transform(v) for k, v in tests.items()}
    Xn_test = norm.transform(X_test)
    # the Frechet distance in RAC-Net feature space embeds with the net trained without
    # over-sampling (as FID's Inception net, it must not have learnt from generated
    # spectra): fit "none" before the GANs whatever the mode's order, or, in a mode
    # without it, a net of the same settings for the embedding alone
    needs_embedding = seed == task["first_seed"] and any(m in ("LCGAN", "SGAN")
                                                         for m in settings.methods)
    order = sorted(settings.methods, key=lambda m: m != "none")
    embed = None
    if needs_embedding and "none" not in order:
        plain = _make_classifier("none", settings, seed, device).fit(Xn_train, y_train)
        embed = _feature_embedding(plain)
    fitted = {"predictions": {}, "scores": {}, "timing": {}}
    for method in order:
        sampler, gan = _make_sampler(method, y_train, settings, seed, device), None
        for augment in _variants(method, settings):
            start = time.perf_counter()
            augmenter = _augmenter(settings, wavelength, seed) if augment else None
            # the sampler sits inside the classifier (fitted on its training rows only);
            # both twins draw the same validation split (same seed and labels), so the
            # "+aug" twin replays the plain twin's synthetic rows instead of training
            # the GAN again
            inner = None if sampler is None else (
                _Recorded(sampler) if gan is None else gan.replayed())
            clf = _make_classifier(method, settings, seed, device, augmenter, sampler=inner)
            clf.fit(Xn_train, y_train)
            if inner is not None and gan is None:
                gan = clf.sampler_
            _record(fitted, _variant_label(_method_label(method), augment), clf, Xn_tests, start)
            if method == "none" and not augment:
                embed = _feature_embedding(clf)
                if seed == task["first_seed"] and split == 0:
                    out["attention"] = _attention_example(clf, Xn_test, y_test)
        sampler = None if gan is None else gan.sampler_
        if method not in ("LCGAN", "SGAN"):
            continue
        out["gan"][method] = _gan_quality(sampler, Xn_train, y_train, Xn_test, y_test, settings,
                                          seed, gan_train_score, gan_test_score)
        if seed == task["first_seed"]:
            X_gen = sampler.sample(settings.n_generated, "O", random_state=seed)
            out["gan"][method]["fidelity"] = _fidelity(Xn_train[y_train == "O"], X_gen,
                                                       wavelength, embed)
            out["gan"][method]["examples"] = X_gen[:8].astype(float).tolist()
    for method in settings.methods:  # the report lists methods in the mode's order
        for augment in _variants(method, settings):
            label = _variant_label(_method_label(method), augment)
            for key in ("predictions", "scores", "timing"):
                out[key][label] = fitted[key][label]
    return out


def _attention_example(clf, Xn_test, y_test):
    idx = int(np.flatnonzero(y_test == "O")[0])
    Xn = Xn_test[idx:idx + 1]
    return {"flux": Xn[0].astype(float).tolist(),
            "importance": clf.attention_maps(Xn)[0].astype(float).tolist()}
