"""``skspec train`` and ``skspec predict``: from install to a catalogue in two commands.

::

    skspec train -o model.skspec            # --data all (default); or --model racnet, --model rf
    skspec predict model.skspec spectra/ -o catalogue.csv --n-jobs 2
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..pipeline import recommended_pipeline  # the one recommended pipeline (skspec.pipeline)

__all__ = ["add_predict_parser", "add_train_parser"]

logger = logging.getLogger(__name__)


def _train_pipeline(name, y, args, wavelength=None):
    """The pipeline ``skspec train --model NAME`` fits on labels ``y`` (spectra on ``wavelength``)."""
    if name in ("svc", "racnet"):
        return recommended_pipeline(y, wavelength=wavelength, classifier=name, quick=args.quick,
                                    random_state=args.random_state, device=args.device)
    # the random-forest baseline of skspec reproduce, as measured there
    from ..experiments._methods import _make_baseline

    model = _make_baseline("RandomForest", y, args.random_state)
    if args.quick:
        model.set_params(randomforestclassifier__n_estimators=30)
    return model


def _train(args) -> int:
    from .. import datasets
    from .._persistence import _check_output, save_model

    try:  # before the fit, which takes minutes: a bad output must not waste it
        _check_output(args.output, args.overwrite)
    except FileExistsError:
        raise SystemExit(f"skspec train: {args.output} exists: pass --overwrite to replace it")
    except OSError as exc:
        raise SystemExit(f"skspec train: {exc}")
    loader = {"ofgk": datasets.load_ofgk, "obafgkm": datasets.load_obafgkm,
              "all": datasets.load_real_spectra}[args.data]
    spectra = loader()
    pipeline = _train_pipeline(args.model, spectra.target, args, spectra.wavelength)
    model, novelty = _fit_with_rule(pipeline, spectra, args)
    command = ["skspec", "train", "--data", args.data, "--model", args.model,
               "--target-recall", f"{args.target_recall:g}", "--cv", str(args.cv),
               "--random-state", str(args.random_state), "--device", args.device,
               *(["--quick"] if args.quick else []), "-o", Path(args.output).name]
    metadata = {"command": " ".join(command), "threshold": float(model.threshold_),
                "validation_recall": model.validation_recall_,
                "validation_precision": model.validation_precision_}
    path = save_model(model, args.output, wavelength=spectra.wavelength, novelty=novelty,
                      metadata=metadata, overwrite=args.overwrite)
    logger.info("saved %s (classes %s)", path, ", ".join(map(str, model.classes_)))
    return 0


#: The novelty detector ``skspec train`` fits (``benchmarks/results/novelty.md``),
#: on the training spectra plus NOVELTY_COPIES survey-augmented copies of each.
NOVELTY_PARAMS = {"features": "rectified", "local_scale": True}
NOVELTY_COPIES = 2


def _fit_with_rule(pipeline, spectra, args):
    """The pipeline inside its O decision rule, and the novelty detector, both fitted.

    The rule (:class:`~skspec.candidates.RareClassThreshold`) calibrates P(O)
    on out-of-fold predictions of held-out stars (``groups`` = the data set's
    ``object``), each scored as it is and once reddened and noisy
    (:func:`~skspec.pipeline.survey_augmenter`: the threshold must hold for
    survey spectra, whose P(O) is lower than a library spectrum's), and picks
    the threshold for ``--target-recall``; the
    detector (``NOVELTY_PARAMS``: rectified lines and continuum shape,
    noise-aware, local scale) is fitted on the training spectra plus two
    :func:`~skspec.pipeline.survey_augmenter` copies of each (E(B-V) 0-2,
    S/N 5-100, in their star's group), as ``benchmarks/results/novelty.md``
    measured, so that a reddened or noisy star is not "unknown" while a
    featureless blue quasar is.
    """
    import numpy as np

    from ..candidates import RareClassThreshold
    from ..pipeline import survey_augmenter

    X, y = spectra.data, spectra.target
    stars = np.asarray(spectra.object)
    # survey_augmenter checks the grid into plain Angstrom, what the model file holds
    rule = RareClassThreshold(pipeline, target_class="O", target_recall=args.target_recall,
                              cv=args.cv, random_state=args.random_state,
                              validation_augmenter=survey_augmenter(spectra.wavelength))
    logger.info("fitting %s in a RareClassThreshold (%d folds by star, then all) on %d "
                "spectra (%s)...", " -> ".join(n for n, _ in pipeline.steps), args.cv,
                len(y), args.data)
    rule.fit(X, y, groups=stars)
    logger.info("O threshold %.4g: validation recall %.3f, precision %.3f", rule.threshold_,
                rule.validation_recall_, rule.validation_precision_)
    return rule, _fit_novelty(spectra, args.random_state)


def _fit_novelty(spectra, random_state):
    """The novelty detector of ``skspec train``, fitted on ``spectra`` (a dataset Bunch)."""
    import numpy as np

    from ..candidates import NoveltyDetector
    from ..pipeline import survey_augmenter
    from ..utils import check_wavelength

    X, stars = spectra.data, np.asarray(spectra.object)
    wave = check_wavelength(spectra.wavelength)  # plain Angstrom: what the model file holds
    copies = [survey_augmenter(wave, random_state=random_state + j).augment(X)
              for j in range(NOVELTY_COPIES)]
    novelty = NoveltyDetector(wavelength=wave, random_state=random_state, **NOVELTY_PARAMS)
    logger.info("fitting the novelty detector on %d spectra and %d copies of each...", len(X),
                NOVELTY_COPIES)
    return novelty.fit(np.vstack([X, *copies]), groups=np.concatenate([stars] * (1 + NOVELTY_COPIES)))


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``skspec train`` to the ``skspec`` command's sub-parsers."""
    parser = subparsers.add_parser(
        "train",
        help="fit a pipeline (default: the recommended one) on the bundled spectra and save it",
        description="Fit a pipeline inside its O decision rule (RareClassThreshold) on "
                    "the bundled real spectra and save it with skspec.save_model (no "
                    "pickle) for skspec predict. --model svc (default, "
                    "skspec.pipeline.recommended_pipeline): reddened and noisy copies -> "
                    "ContinuumNormalizer -> FluxNormalizer -> smoothing -> RBF SVC; racnet: "
                    "ContinuumNormalizer -> FluxNormalizer -> RACNetClassifier with LCGAN "
                    "inside; rf: FluxNormalizer -> RandomForestClassifier (balanced class "
                    "weights).",
    )
    parser.add_argument("--data", choices=("all", "ofgk", "obafgkm"), default="all",
                        help="training set: every bundled real spectrum on the blue-violet "
                             "3900-5500 A range (default: load_real_spectra, 28 O stars), or "
                             "the paper's full-range O/F/G/K or O/B/A/F/G/K/M")
    parser.add_argument("--model", choices=("svc", "racnet", "rf"), default="svc",
                        help="pipeline to fit (default svc: skspec.pipeline."
                             "recommended_pipeline, measured best under reddening and noise)")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL",
                        help="model file to write, e.g. model.skspec")
    parser.add_argument("--overwrite", action="store_true", help="replace MODEL if it exists")
    parser.add_argument("--quick", action="store_true",
                        help="smaller and faster (svc: 2 augmented copies; racnet: small GAN "
                             "and network; rf: 30 trees), for trying the commands")
    parser.add_argument("--target-recall", type=_recall, default=0.95,
                        help="recall of O on held-out stars (as they are and reddened and noisy, "
                             "E(B-V) 0-2, S/N 5-100) the saved O threshold is chosen "
                             "for (default 0.95)")
    parser.add_argument("--cv", type=_at_least_two, default=5,
                        help="folds by star for the O calibration and threshold (default 5; "
                             "the pipeline is fitted cv + 1 times)")
    parser.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    parser.add_argument("--device", default="auto", help="torch device (default: auto)")
    parser.set_defaults(func=_train)
    return parser


def _fraction(text: str) -> float:
    """argparse type: a number between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _recall(text: str) -> float:
    """argparse type: a number in (0, 1]."""
    value = _fraction(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def _at_least_two(text: str) -> int:
    """argparse type: an integer >= 2."""
    value = _positive(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be >= 2, got {text}")
    return value


def _positive(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _jobs(text: str) -> int:
    """argparse type: -1 or an integer >= 1."""
    return -1 if text.strip() == "-1" else _positive(text)


def _is_model_file(path: str) -> bool:
    """True for a skspec model file (a zip with a manifest); a FITS file never is one."""
    import zipfile

    p = Path(path)
    if not p.is_file() or not zipfile.is_zipfile(p):
        return False
    with zipfile.ZipFile(p) as zf:
        return "manifest.json" in zf.namelist()


def _model_and_inputs(args):
    """``--model``, else a first INPUT that is a model file, else the bundled model."""
    inputs = list(args.inputs)
    if args.model is not None:
        return args.model, inputs
    first = inputs[0]
    if len(inputs) > 1 and (_is_model_file(first) or first.lower().endswith(".skspec")):
        return first, inputs[1:]  # skspec predict MODEL INPUT... (load_model names a bad one)
    if _is_model_file(inputs[0]):
        raise SystemExit(f"skspec predict: {inputs[0]} is a model file; name the spectra "
                         "to classify after it")
    from ._bundled import bundled_model_path

    return bundled_model_path(), inputs


def _prior(text: str) -> dict:
    """argparse type: ``CLASS=P[,CLASS=P...]``, e.g. ``O=1e-4``."""
    out = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"expected CLASS=P (e.g. O=1e-4), got {part!r}")
        try:
            p = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r} in {part!r}") from None
        if not 0 < p < 1:
            raise argparse.ArgumentTypeError(f"a prior must be in (0, 1), got {part!r}")
        out[name.strip()] = p
    return out


def _predict(args) -> int:
    from ._journal import _ResumeRefused
    from ._predict import predict_files

    model, inputs = _model_and_inputs(args)
    prior = {}
    for part in args.prior or ():
        prior.update(part)
    try:
        summary = predict_files(
            model, inputs, args.output, batch_size=args.batch_size,
            n_jobs=args.n_jobs, resume=not args.no_resume, verbose=0 if args.quiet else 1,
            device=args.device, max_bad_fraction=args.max_bad_fraction,
            tune_malloc=True,  # the process is ours
            threshold=args.threshold, target_recall=args.target_recall, prior=prior or None,
        )
    except _ResumeRefused as exc:  # the library's advice is resume=False
        raise ValueError(
            f"{exc.path} {exc.reason}; pass another -o or --no-resume to replace it"
        ) from None
    logger.info("%s: %d new rows (%d classified, %d flagged), %d files already there",
                summary.output, summary.n_files, summary.n_classified, summary.n_flagged,
                summary.n_skipped)
    return 0


def add_predict_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``skspec predict`` to the ``skspec`` command's sub-parsers."""
    parser = subparsers.add_parser(
        "predict",
        help="classify FITS files into a catalogue (csv, fits or parquet)",
        description="Read each spectrum, resample it onto the model's grid and classify it. "
                    "INPUT: FITS files, folders (searched recursively), glob patterns or "
                    "text files (.txt/.lst/.list) with one path per line. Files that cannot "
                    "be used get a row with flags and an error message. Re-running the same "
                    "command skips files already in the catalogue. The model: --model PATH; "
                    "else a first INPUT that is a model file or ends in .skspec (skspec predict "
                    "MODEL INPUT...; a model file is a zip archive, which no spectrum file "
                    "is); else the "
                    "model that ships with skspec. The catalogue gets p_O (calibrated P(O)), "
                    "is_candidate, rank, novelty and unknown (never a candidate).",
    )
    parser.add_argument("inputs", metavar="INPUT", nargs="+",
                        help="files, folders, globs, lists (optionally a model file first)")
    parser.add_argument("--model", metavar="MODEL", default=None,
                        help="model file from skspec train (default: the bundled model)")
    rule = parser.add_mutually_exclusive_group()
    rule.add_argument("--threshold", type=_fraction, default=None,
                      help="O candidate when calibrated P(O) >= this (default: the model's, "
                           "chosen for recall 0.95 on held-out stars)")
    rule.add_argument("--target-recall", type=_recall, default=None,
                      help="choose the O threshold for this recall on the model's held-out "
                           "stars instead")
    parser.add_argument("--prior", type=_prior, action="append", metavar="CLASS=P",
                        help="survey base rate, e.g. O=1e-4: p_O and prob_* are moved to it "
                             "by Bayes' rule (the candidates do not change)")
    parser.add_argument("-o", "--output", required=True, metavar="CATALOGUE",
                        help="catalogue.csv, catalogue.fits or catalogue.parquet")
    parser.add_argument("-j", "--n-jobs", type=_jobs, default=1,
                        help="worker processes that read and classify files (-1: all cores; default 1)")
    parser.add_argument("--batch-size", type=_positive, default=256,
                        help="spectra per classification batch (default 256)")
    parser.add_argument("--max-bad-fraction", type=_fraction, default=0.1,
                        help="flag spectra with more bad pixels than this (default 0.1)")
    parser.add_argument("--no-resume", action="store_true",
                        help="replace the catalogue instead of skipping files already in it")
    parser.add_argument("--device", default=None, help="torch device (default: as saved)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_predict)
    return parser
