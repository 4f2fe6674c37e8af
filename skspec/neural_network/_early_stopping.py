"""Early stopping with a warm-up, and the validation accuracy it reports beside."""

from __future__ import annotations

import numpy as np
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping


def _valid_accuracy(net, X, y):
    """Accuracy on skorch's encoded labels (``predict`` returns the strings)."""
    proba = NeuralNetClassifier.predict_proba(net, X)
    return float(np.mean(proba.argmax(axis=1) == np.asarray(y)))


class _WarmEarlyStopping(EarlyStopping):
    """skorch's early stopping that counts misses only after ``min_epochs`` epochs.

    During the warm-up every epoch goes through skorch's own bookkeeping (so
    an improvement is judged by skorch's threshold rule and its weights are
    kept), but with the miss counter one below zero, so that a miss brings
    it back to zero and can never stop training, whatever ``patience``.
    Only skorch's public attributes (``misses_``) are touched.
    """

    def __init__(self, *args, min_epochs: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_epochs = min_epochs

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) > self.min_epochs:
            return super().on_epoch_end(net, **kwargs)
        # warm-up: remember an improvement (and its weights), never stop
        self.misses_ = -1
        try:
            super().on_epoch_end(net, **kwargs)  # a miss: -1 -> 0, an improvement: 0
        finally:
            self.misses_ = 0
