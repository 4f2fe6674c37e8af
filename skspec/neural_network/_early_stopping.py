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
    """skorch's early stopping that counts misses only after ``min_epochs`` epochs."""

    def __init__(self, *args, min_epochs: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_epochs = min_epochs

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) > self.min_epochs:
            return super().on_epoch_end(net, **kwargs)
        # warm-up: remember an improvement (and its weights), never stop
        if self._is_score_improved(net.history[-1, self.monitor]):
            super().on_epoch_end(net, **kwargs)  # resets misses_, so it cannot stop here
        self.misses_ = 0
