"""The O-candidate decision of a catalogue: ``p_O``, ``is_candidate``, ``novelty``, ``unknown``.

One object, built once per run from the model and the options of
:func:`~skspec.survey.predict_files` (checked before the first file is read),
turns a batch's spectra into those columns and the class columns.
"""

from __future__ import annotations

import numpy as np

TARGET_CLASS = "O"


def _is_rule(model) -> bool:
    """A fitted :class:`~skspec.candidates.RareClassThreshold` (or one saved by skspec train)."""
    from ..candidates import RareClassThreshold

    return isinstance(model, RareClassThreshold) and hasattr(model, "threshold_")


class _Decision:
    """How a batch's probabilities become class, candidate and novelty columns."""

    def __init__(self, model, classes, *, threshold=None, target_recall=None, prior=None):
        from ..candidates._threshold import _check_prior

        if threshold is not None and target_recall is not None:
            raise ValueError("pass threshold or target_recall, not both")
        if threshold is not None:
            threshold = float(threshold)
            if not 0.0 <= threshold <= 1.0 or not np.isfinite(threshold):
                raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        if target_recall is not None:
            target_recall = float(target_recall)
            if not 0.0 < target_recall <= 1.0:
                raise ValueError(f"target_recall must be in (0, 1], got {target_recall}")
        self.model, self.classes = model, list(classes)
        self.rule = model if _is_rule(model) else None
        self.novelty = getattr(model, "novelty_", None)
        self.prior = None
        if self.rule is not None:
            self.target = self.rule.target_index_
            if target_recall is not None:  # ValueError naming the best reachable recall
                threshold = self.rule.threshold_for_recall(target_recall)
            self.threshold = self.rule.threshold_ if threshold is None else threshold
            if prior is not None:
                self.prior = _check_prior(prior, self.rule.classes_, self.rule.train_prior_)
            return
        # a model without a decision rule (an rf/svc pipeline, an older file)
        if target_recall is not None or prior is not None:
            option = "target_recall" if target_recall is not None else "prior"
            raise ValueError(
                f"{option} needs a model with a decision rule (a file written by skspec "
                f"train, or a fitted skspec.candidates.RareClassThreshold); this model is a "
                f"{type(model).__name__} without one: pass threshold=, or retrain it")
        self.target = self.classes.index(TARGET_CLASS) if TARGET_CLASS in self.classes else None
        if threshold is not None and self.target is None:
            raise ValueError(f"threshold applies to P({TARGET_CLASS}), but the model has no "
                             f"class {TARGET_CLASS!r} (its classes are {self.classes})")
        self.threshold = threshold
        if prior is not None:
            _check_prior(prior, self.classes, np.full(len(self.classes), 1.0))

    def columns(self, X) -> dict:
        """``pred_class``, the ``prob_<class>``, ``p_O``, ``is_candidate``, ``novelty``, ``unknown``."""
        n = X.shape[0]
        out = {"novelty": np.full(n, np.nan), "unknown": np.full(n, "", dtype=object)}
        if self.novelty is not None:
            ratio = self.novelty.novelty_score(X) / self.novelty.threshold_
            out["novelty"] = ratio
            out["unknown"] = ratio > 1.0
        unknown = out["novelty"] > 1.0  # False where there is no detector (NaN)
        t = self.target
        if self.rule is not None:
            from ..candidates import shift_prior

            cal = self.rule._calibrated_proba(X)
            candidate = (cal[:, t] >= self.threshold) & ~unknown
            proba = cal if self.prior is None else shift_prior(cal, self.rule.train_prior_,
                                                              self.prior)
        elif hasattr(self.model, "predict_proba"):
            proba = np.asarray(self.model.predict_proba(X), dtype=np.float64)
            candidate = None
            if t is not None:
                if self.threshold is None:
                    candidate = proba.argmax(axis=1) == t
                else:
                    candidate = proba[:, t] >= self.threshold
                candidate &= ~unknown
        else:
            labels = np.asarray(self.model.predict(X)).astype(str)
            out.update(pred_class=labels, proba=None, p_O=np.full(n, np.nan),
                       is_candidate=np.full(n, "", dtype=object))
            if t is not None:
                out["is_candidate"] = (labels == TARGET_CLASS) & ~unknown
            return out
        if t is None:
            labels = np.asarray(self.classes)[proba.argmax(axis=1)]
            out.update(p_O=np.full(n, np.nan), is_candidate=np.full(n, "", dtype=object))
        else:
            others = proba.copy()
            others[:, t] = -np.inf
            labels = np.asarray(self.classes)[others.argmax(axis=1)]
            labels[candidate] = self.classes[t]  # the class is O exactly for the candidates
            out.update(p_O=proba[:, t], is_candidate=candidate)
        out.update(pred_class=labels, proba=proba)
        return out
