"""``skspec reproduce``: the paper's experiments on the bundled real spectra.

Protocol (stated again in every report):

- Outer loop: leave-one-O-star-out (:class:`~skspec.model_selection.LeaveOneStarOut`).
  Each split holds out every spectrum of one real O star plus a random 20 % of
  the stars of each other class; no star is in both train and test. The GANs,
  the samplers and the classifiers see the training spectra only.
- Over-sampling (LCGAN, SGAN, SMOTE, RandomOverSampler) adds synthetic O
  spectra to the training fold only: up to ``Settings.oversample`` times the
  real O spectra there (1.5 in the quick and full modes), or up to the size of
  its largest class when that is None. The over-sampler sits inside
  ``RACNetClassifier(sampler=...)``, which draws its real validation spectra
  first and fits the sampler on the rest: synthetic spectra never enter
  validation nor test, and the GANs never learn from validation spectra.
- Test spectra are evaluated clean, degraded to several S/N levels (R = 1800,
  then Gaussian noise, sigma = median|flux| / (S/N)), reddened at several
  E(B-V) (:func:`skspec.augmentation.redden`, G23, R(V) 3.1) and at "survey"
  conditions (E(B-V) 1.0, then R = 1800 and S/N 10); one draw per seed, split
  and condition, the same for every method.
- Every method is also trained with the physical augmentation
  (``Settings.augmentation``: E(B-V) 0-2 and S/N 5-100), reported as
  "<method> +aug": RAC-Net draws it fresh for every training batch, the
  scikit-learn baselines train on augmented copies of every training spectrum.
- Everything is repeated over several seeds (new splits, new GANs, new
  networks); the report gives the median and the range over seeds.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from .. import __version__
from ..utils._machine import describe_machine
from ._aggregate import _aggregate_fidelity, _aggregate_gan, _aggregate_recognition
from ._border import border_report, spectral_classes
from ._methods import _o_count, _oversample_target, _racnet_settings
from ._modes import LIBRARY_RESOLUTION, MODES, SURVEY_RESOLUTION
from ._plots import _plots
from ._report import _write_report
from ._split import _run_split, _threads_per_split

logger = logging.getLogger(__name__)

__all__ = ["DATA", "reproduce"]

#: the data sets ``reproduce`` runs on, and their loaders (skspec.datasets)
DATA = {"ofgk": "load_ofgk", "obafgkm": "load_obafgkm", "all": "load_real_spectra"}


def _load(data):
    """The bunch of ``data`` (see :data:`DATA`)."""
    from .. import datasets

    return getattr(datasets, DATA[data])()


def _prepare_output(output, overwrite: bool) -> Path:
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(
                f"{out} already exists and is not empty; pass --overwrite (overwrite=True) "
                "to replace its report, or choose another --output folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _tasks(data, X, y, groups, settings, seeds, test_size) -> list[dict]:
    """The leave-one-O-star-out splits to run: one task per seed and kept split."""
    from ..model_selection import LeaveOneStarOut

    tasks = []
    for seed in seeds:
        cv = LeaveOneStarOut("O", test_size=test_size, random_state=seed)
        for split, (train, test) in enumerate(cv.split(X, y, groups)):
            if settings.max_splits is not None and split >= settings.max_splits:
                break
            # --data all, quick: every split_step-th O star in name order (the other
            # classes' held-out stars of a kept split are those of the full run)
            if data == "all" and settings.split_step and split % settings.split_step:
                continue
            o_star = str(groups[test][y[test] == "O"][0])
            tasks.append({"seed": seed, "split": split, "train": train, "test": test,
                          "test_object": o_star, "first_seed": seeds[0]})
    return tasks


def reproduce(data: str = "ofgk", *, mode: str = "quick", output="skspec_results",
              overwrite: bool = False, n_seeds: int | None = None, n_jobs: int | None = None,
              device: str = "auto", random_state: int = 0, verbose: int = 1) -> dict:
    """Run the paper's experiments on the bundled spectra and write a report.

    Writes ``results.json``, ``report.md`` and PNG figures to ``output``; see
    the module docstring for the protocol, which the report states too.

    Parameters
    ----------
    data : {"ofgk", "obafgkm", "all"}, default="ofgk"
        The paper's four classes, all MK classes (the harder task: early B
        stars look like late O stars), or every bundled real spectrum
        (:func:`skspec.datasets.load_real_spectra`: 522 spectra, 28 O and 65 B
        stars with the MKCLASS standards, on 3900-5500 A). With B stars the
        report has a section on the O/B border. ``all`` in ``quick`` mode holds
        out every fourth O star in name order (7 of 28, ``Settings.split_step``);
        ``full`` holds out all 28.
    mode : {"quick", "full", "tiny"}, default="quick"
        ``quick`` runs in minutes on 2 CPU cores (small networks,
        150 GAN iterations with LCGAN at 10x the paper's learning rates, one
        seed); ``full`` uses paper-scale settings (2000 GAN
        iterations, the default RAC-Net, 10 seeds; use a GPU); ``tiny`` is a
        seconds-long smoke test whose numbers mean nothing.
    output : str or path, default="skspec_results"
        Folder for the outputs. An existing non-empty folder is refused
        unless ``overwrite`` is True.
    overwrite : bool, default=False
        Replace the report files in an existing ``output`` folder.
    n_seeds : int, default=None
        Override the mode's number of seeds.
    n_jobs : int, default=None
        Splits run in parallel processes (joblib); None means 1, -1 all cores.
        One split at a time runs in the caller's process with every thread it
        has; several share the cores out (torch and BLAS threads capped per
        split with threadpoolctl, restored afterwards).
    device : str, default="auto"
        Torch device for the GANs and the classifier.
    random_state : int, default=0
        First seed; seeds ``random_state .. random_state + n_seeds - 1``.
    verbose : int, default=1
        Progress bar over splits when > 0.

    Returns
    -------
    results : dict
        What ``results.json`` holds.
    """
    import torch
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    from ..preprocessing import FluxNormalizer

    if data not in DATA:
        raise ValueError(f"data must be one of {', '.join(map(repr, DATA))}, got {data!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
    settings = MODES[mode]
    if n_seeds is not None:
        settings = replace(settings, n_seeds=int(n_seeds))
    out = _prepare_output(output, overwrite)
    start = time.perf_counter()

    bunch = _load(data)
    X, y, groups = bunch.data, np.asarray(bunch.target), np.asarray(bunch.object)
    wavelength = bunch.wavelength.value
    labels = sorted(set(y.tolist()))
    test_size = 0.2
    seeds = [random_state + s for s in range(settings.n_seeds)]
    tasks = _tasks(data, X, y, groups, settings, seeds, test_size)
    tests_by_run = {(t["seed"], t["split"]): t["test"] for t in tasks}
    logger.info("skspec reproduce: %s, %s mode, %d fits of %d methods over %d seeds -> %s",
                data, mode, len(tasks), len(settings.methods) + len(settings.baselines),
                len(seeds), out)
    threads = _threads_per_split(n_jobs, len(tasks))
    jobs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_run_split)(task, X, y, wavelength, settings, device, threads) for task in tasks)
    runs = list(tqdm(jobs, total=len(tasks), desc="splits", disable=not verbose))
    runs.sort(key=lambda r: (r["seed"], r["split"]))

    X_norm_o = FluxNormalizer().fit_transform(X[y == "O"])
    recognition, matrices, per_star = _aggregate_recognition(runs, labels, y, tests_by_run)
    classes = spectral_classes(bunch.subclass, bunch.get("spectral_type"),
                               bunch.get("luminosity_class"))
    border = border_report(runs, y, classes, groups, tests_by_run)
    gan_table, curves = _aggregate_gan(runs)
    n_o_train = sorted({r["n_train"].get("O", 0) for r in runs})
    results = {
        "data": data, "mode": mode, "machine": describe_machine(),
        "versions": {"skspec": __version__, "torch": torch.__version__},
        "settings": {k: (list(v) if isinstance(v, tuple) else v)
                     for k, v in asdict(settings).items()},
        "protocol": {
            "loader": DATA[data], "n_spectra": int(len(y)),
            "class_counts": {c: int((y == c).sum()) for c in labels},
            "n_seeds": len(seeds), "seeds": seeds, "test_size": test_size,
            "n_splits": len(tasks) // len(seeds),
            "n_o_stars": int(len(np.unique(groups[y == "O"]))),
            "split_step": settings.split_step if data == "all" else None,
            "held_out_o_stars": sorted({r["test_object"] for r in runs}),
            "gan_iter": settings.gan_iter, "oversample": settings.oversample,
            "snr_levels": list(settings.snr_levels),
            "ebv_levels": list(settings.ebv_levels),
            "survey": list(settings.survey) if settings.survey else None,
            "augmentation": {k: list(v) if isinstance(v, tuple) else v
                             for k, v in settings.augmentation.items()},
            "augment_copies": settings.augment_copies,
            "recommended": (None if settings.recommended is None
                            else dict(settings.recommended)),
            "resolution": SURVEY_RESOLUTION, "input_resolution": LIBRARY_RESOLUTION,
            "lcgan": dict(settings.lcgan),
            "racnet": _racnet_settings(settings),
        },
        "datasets": {
            "real O for training (per split)": f"{', '.join(map(str, n_o_train))} spectra "
                                               "(every O star but the held-out one)",
            "real O for evaluation": "1 O star per split (all its spectra), never seen in training",
            "augmented training set": "real training fold + synthetic O up to "
                                      f"{_oversample_target(settings.oversample)} ("
                                      + ", ".join(sorted({str(_o_count(r["n_train"], settings.oversample))
                                                          for r in runs}))
                                      + " O spectra in all)",
            "GAN-train / GAN-test sets": f"O versus F; {settings.n_generated} generated O per split",
        },
        "recognition": recognition, "confusion_matrices": matrices, "per_star": per_star,
        "border": border,
        "confusion_labels": labels, "gan": gan_table, "curves": curves,
        "timing": {m: float(np.median([r["timing"][m] for r in runs])) for m in runs[0]["timing"]},
    }
    results["fidelity"] = _aggregate_fidelity(runs)
    results["_examples"] = {m: np.vstack([r["gan"][m]["examples"] for r in runs
                                          if "examples" in r["gan"].get(m, {})][:1])
                            for m in gan_table}
    results["_attention"] = next((r["attention"] for r in runs if "attention" in r), None)
    results["figures"] = _plots(results, out, wavelength, X_norm_o, labels)
    results["elapsed_s"] = time.perf_counter() - start
    with open(out / "results.json", "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=_json_default)
    _write_report(json.loads(json.dumps(results, default=_json_default)), out)
    logger.info("wrote %s, %s and %d figures in %.0f s", out / "report.md",
                out / "results.json", len(results["figures"]), results["elapsed_s"])
    return results


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} in JSON")
