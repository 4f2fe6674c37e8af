"""The methods ``reproduce`` compares: RAC-Net with each over-sampler, and plain baselines."""

from __future__ import annotations

import numpy as np

from ..pipeline import O_OVERSAMPLE_FACTOR, oversample_o
from ..pipeline._recommended import _target_count

# --------------------------------------------------------------- estimators
#: methods without over-sampling: report label and RAC-Net parameters over the mode's
_NO_SAMPLER = {
    "none": ("RACNet", {}),
    "no-noise": ("RACNet, no noise augmentation", {"augment": None}),
}


def _o_count(counts: dict, factor) -> int:
    """How many O spectra over-sampling leaves in a fold of these class ``counts``."""
    return _target_count(counts, factor, "O")


def _o_strategy(y, factor):
    """``sampling_strategy`` that over-samples only O (:func:`skspec.pipeline.oversample_o`)."""
    return oversample_o(y, factor=factor)


def _oversample_target(factor) -> str:
    """The over-sampling target in words, for the report."""
    return "its largest class" if factor is None else f"{factor:g} times its real O spectra"


def _make_sampler(method, y_train, settings, seed, device):
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    from ..over_sampling import LCGAN, SGAN

    strategy = _o_strategy(y_train, settings.oversample)
    n_o = int((y_train == "O").sum())
    if method in _NO_SAMPLER:
        return None
    if method == "RandomOverSampler":
        return RandomOverSampler(sampling_strategy=strategy, random_state=seed)
    if method == "SMOTE":
        return SMOTE(sampling_strategy=strategy, k_neighbors=min(5, n_o - 1), random_state=seed)
    gan = {"LCGAN": LCGAN, "SGAN": SGAN}[method]
    params = {"sampling_strategy": strategy, "n_iter": settings.gan_iter,
              "snapshot_every": settings.snapshot_every, "random_state": seed,
              "batch_size": settings.gan_batch_size, "device": device}
    if method == "LCGAN":
        params.update(channels=settings.gan_channels, **settings.lcgan)
    return gan(**params)


#: the label suffix of a method trained with the physical augmentation (Settings.augmentation)
AUG_SUFFIX = " +aug"

#: report label of the recommended pipeline's row (what ``skspec train`` fits)
RECOMMENDED_LABEL = "recommended (skspec train)"


def _method_label(method) -> str:
    """Report label of a RAC-Net method."""
    return _NO_SAMPLER[method][0] if method in _NO_SAMPLER else f"RACNet+{method}"


def _variants(name, settings) -> tuple:
    """Train ``name`` without (False) and, where the mode says so, with (True) augmentation."""
    if name == "no-noise":  # the ablation of augmentation has no augmented twin
        return (False,)
    if settings.augmented is None or name in settings.augmented:
        return (False, True)
    return (False,)


def _variant_label(label, augment) -> str:
    return label + AUG_SUFFIX if augment else label


def _augmenter(settings, wavelength, seed):
    """The training augmentation of a "+aug" method (the same ranges for every method)."""
    from ..pipeline import survey_augmenter

    return survey_augmenter(wavelength, random_state=seed, **settings.augmentation)


def _make_classifier(method, settings, seed, device, augmenter=None, sampler=None):
    """RAC-Net with the mode's settings; ``augmenter`` replaces its noise-only augmentation;
    ``sampler`` over-samples inside it (fitted on its training rows only, never validating)."""
    from ..neural_network import RACNetClassifier

    params = {**settings.racnet, **_NO_SAMPLER.get(method, (None, {}))[1], "sampler": sampler}
    if augmenter is not None:
        params["augment"] = augmenter  # drawn fresh for every training batch
    # foreach Adam: the same update as the default per-tensor loop, 20 % less CPU
    # time per RAC-Net fit on 2 cores (many small parameter tensors)
    params.setdefault("optimizer__foreach", True)
    return RACNetClassifier(random_state=seed, device=device, **params)


def _make_pipeline(method, y_train, settings, seed, device):
    """FluxNormalizer -> RAC-Net with the method's over-sampler (if any) inside, as one pipeline."""
    from imblearn.pipeline import Pipeline

    from ..preprocessing import FluxNormalizer

    sampler = _make_sampler(method, y_train, settings, seed, device)
    return Pipeline([("norm", FluxNormalizer()),
                     ("clf", _make_classifier(method, settings, seed, device, sampler=sampler))])


class _Recorded:
    """An over-sampler that keeps what it returned, so that a second classifier can
    train on the very same synthetic rows without fitting the sampler again.

    ``RACNetClassifier`` fits a clone of its ``sampler`` on its training rows; the
    fitted clone (``sampler_``) then holds ``X_in_``, ``X_res_``, ``y_res_`` and the
    fitted inner sampler ``sampler_``. With ``replay`` (the arrays of such a fit) it
    returns them instead, after checking that it is given the same training rows.
    """

    def __init__(self, sampler=None, replay=None):
        self.sampler = sampler
        self.replay = replay

    def get_params(self, deep=False):
        return {"sampler": self.sampler, "replay": self.replay}

    def set_params(self, **params):
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit_resample(self, X, y):
        from sklearn.base import clone

        if self.replay is not None:
            X_in, X_res, y_res = self.replay
            if not (np.array_equal(X, X_in) and np.array_equal(y, y_res[:len(X_in)])):
                raise ValueError("the replayed sampler is given other training rows")
            return X_res, y_res
        self.sampler_ = clone(self.sampler)
        X_res, y_res = self.sampler_.fit_resample(X, y)
        self.X_in_, self.X_res_, self.y_res_ = np.asarray(X), np.asarray(X_res), np.asarray(y_res)
        return X_res, y_res

    def replayed(self) -> _Recorded:
        """A sampler that returns this fit's rows again (for the same training rows)."""
        return _Recorded(replay=(self.X_in_, self.X_res_, self.y_res_))


def _make_baseline(name, y_train, seed, oversample=O_OVERSAMPLE_FACTOR, augmenter=None,
                   n_copies=1):
    """Plain scikit-learn baselines on L2-normalised flux (no neural network, no GAN).

    With ``augmenter``, ``n_copies`` augmented copies of every training spectrum
    come first (:class:`skspec.augmentation.AugmentationSampler`).
    """
    from functools import partial

    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.svm import SVC

    from ..augmentation import AugmentationSampler
    from ..preprocessing import FluxNormalizer

    if name == "SVC":
        steps = [SVC(class_weight="balanced", random_state=seed)]
    elif name == "SMOTE+SVC":
        n_o = int((y_train == "O").sum())
        # grows O as the RAC-Net over-samplers do (it grew O to the largest class
        # while the report said 1.5x); after augmentation, from the augmented count
        strategy = (_o_strategy(y_train, oversample) if augmenter is None
                    else partial(oversample_o, factor=oversample))
        steps = [SMOTE(sampling_strategy=strategy, k_neighbors=min(5, n_o - 1),
                       random_state=seed), SVC(random_state=seed)]
    elif name == "RandomForest":
        steps = [RandomForestClassifier(300, class_weight="balanced", random_state=seed)]
    else:  # pragma: no cover - settings are ours
        raise ValueError(name)
    if augmenter is not None:
        steps = [AugmentationSampler(augmenter, n_copies=n_copies, random_state=seed),
                 FluxNormalizer(), *steps]
        return make_pipeline(*steps)
    return make_pipeline(FluxNormalizer(), *steps)


def _predict_with_o_scores(model, X):
    """Labels and a score of "O" per spectrum (for the average precision): P(O) where the
    model gives probabilities (labels: their argmax, as such a model's ``predict``),
    else ``predict`` and the decision function for O (SVC)."""
    classes = np.asarray(model.classes_)
    column = int(np.flatnonzero(classes == "O")[0]) if "O" in classes else None
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        pred = classes[proba.argmax(axis=1)]
        score = proba[:, column] if column is not None else np.zeros(len(X))
        return pred, score
    pred = np.asarray(model.predict(X))
    if column is None:
        return pred, np.zeros(len(X))
    return pred, np.asarray(model.decision_function(X))[:, column]


def _racnet_settings(settings) -> dict:
    """The RAC-Net parameters the report states: the mode's, over the classifier's defaults."""
    import inspect

    from ..neural_network import RACNet, RACNetClassifier

    defaults = RACNetClassifier().get_params()
    keys = ("max_epochs", "patience", "min_epochs", "lr", "class_weight", "augment")
    # the module's own default width unless the mode sets one
    params = {"module__channels": inspect.signature(RACNet).parameters["channels"].default}
    params.update({k: defaults[k] for k in keys})
    params.update(settings.racnet)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
