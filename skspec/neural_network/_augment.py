"""Training-time augmentation of RAC-Net batches (``augment``; ``augment_snr`` deprecated)."""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
import torch

#: The default of ``RACNetClassifier(augment=...)``: noise only, S/N log-uniform in 5-100.
NOISE_ONLY_SNR = (5.0, 100.0)


def _noise_only(snr):
    from ..augmentation import SpectrumAugmenter

    return SpectrumAugmenter(ebv=None, snr=tuple(float(s) for s in snr))


def _check_augment_snr(augment_snr) -> None:
    bounds = tuple(augment_snr) if isinstance(augment_snr, (tuple, list)) else ()
    if len(bounds) != 2 or not all(
        isinstance(b, Real) and np.isfinite(b) and b > 0 for b in bounds
    ) or bounds[0] > bounds[1]:
        raise ValueError(
            f"augment_snr must be None or (low, high) with 0 < low <= high, got {augment_snr!r}"
        )


def resolve_augmenter(augment, augment_snr):
    """The augmenter a fit uses (or None), from ``augment`` and the deprecated ``augment_snr``.

    ``augment="noise"`` is ``SpectrumAugmenter(ebv=None, snr=(5, 100))``;
    None is off; anything with an ``augment(X, *, random_state)`` method is
    used as it is. A set ``augment_snr`` (not ``"deprecated"``) warns and maps
    to the noise-only augmenter with those bounds (None: off).
    """
    if not (isinstance(augment_snr, str) and augment_snr == "deprecated"):
        if not (isinstance(augment, str) and augment == "noise"):
            raise ValueError(
                "set augment or the deprecated augment_snr, not both "
                f"(augment={augment!r}, augment_snr={augment_snr!r})"
            )
        warnings.warn(
            "augment_snr is deprecated: use augment=SpectrumAugmenter(ebv=None, snr=(low, high)) "
            "or augment=None",
            FutureWarning,
            stacklevel=3,
        )
        if augment_snr is None:
            return None
        _check_augment_snr(augment_snr)
        return _noise_only(augment_snr)
    if augment is None:
        return None
    if isinstance(augment, str):
        if augment != "noise":
            raise ValueError(
                f"augment must be 'noise', None or a SpectrumAugmenter, got {augment!r}"
            )
        return _noise_only(NOISE_ONLY_SNR)
    if not callable(getattr(augment, "augment", None)):
        raise ValueError(
            "augment must be 'noise', None or an object with an augment(X, *, random_state) "
            f"method such as skspec.augmentation.SpectrumAugmenter, got {type(augment).__name__}"
        )
    return augment


def augment_batch(augmenter, Xi, rng):
    """Augment one training batch (a tensor) on the CPU with ``augmenter``; same device back."""
    X = Xi.detach().cpu().numpy()
    out = augmenter.augment(X, random_state=rng)
    return torch.from_numpy(np.ascontiguousarray(out, dtype=X.dtype)).to(Xi.device)
