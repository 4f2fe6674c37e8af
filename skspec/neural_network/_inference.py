"""Which module ``RACNetClassifier.predict_proba`` runs: the fast copy or the net itself."""

from __future__ import annotations

import torch

from ._racnet import InferenceRACNet, RACNet


def inference_module(module: torch.nn.Module) -> torch.nn.Module:
    """The module for prediction: batch norm folded, channels-last convolutions."""
    if isinstance(module, RACNet):
        return InferenceRACNet(module)
    return module.eval()
