"""Saliency maps: gradient x input of one logit per spectrum."""

from __future__ import annotations

import numpy as np
import torch


def gradient_x_input(module: torch.nn.Module, X: np.ndarray, *, device, batch_size: int,
                     target: int | None = None) -> np.ndarray:
    """``|d logit / d flux * flux|`` per pixel, each row scaled to a maximum of 1.

    ``target`` is the output index explained; None takes each row's argmax.
    The module is put in evaluation mode for the call and restored after.
    """
    was_training = module.training
    module.eval()
    maps = []
    try:
        with torch.enable_grad():
            for start in range(0, len(X), batch_size):
                xb = torch.from_numpy(X[start : start + batch_size]).to(device).requires_grad_(True)
                logits = module(xb)
                if target is None:
                    idx = logits.argmax(dim=1)
                else:
                    idx = torch.full((len(xb),), int(target), device=device)
                (grad,) = torch.autograd.grad(logits.gather(1, idx[:, None]).sum(), xb)
                maps.append((grad * xb).abs().detach().cpu())
    finally:
        module.train(was_training)
    maps = torch.cat(maps).numpy()
    peak = maps.max(axis=1, keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)
