"""Noise augmentation of training batches (``augment_snr``)."""

from __future__ import annotations

from numbers import Real

import numpy as np
import torch


def check_augment_snr(augment_snr) -> None:
    """Raise a ValueError unless ``augment_snr`` is None or ``(low, high)``, 0 < low <= high."""
    if augment_snr is None:
        return
    bounds = tuple(augment_snr)
    if len(bounds) != 2 or not all(isinstance(b, Real) and np.isfinite(b) and b > 0 for b in bounds) or (
        bounds[0] > bounds[1]
    ):
        raise ValueError(
            f"augment_snr must be None or (low, high) with 0 < low <= high, got {augment_snr!r}"
        )


def _add_noise(X: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Gaussian noise of sigma = median|flux| / snr per row, snr log-uniform in [low, high]."""
    X = torch.as_tensor(X)
    log_snr = torch.empty(len(X), 1, dtype=X.dtype, device=X.device).uniform_(np.log(low), np.log(high))
    sigma = X.abs().median(dim=1, keepdim=True).values / log_snr.exp()
    return X + sigma * torch.randn_like(X)
