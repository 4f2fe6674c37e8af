"""Torch helpers shared by the GAN samplers and the RAC-Net classifier.

Kept in its own module so that ``import skspec.utils`` does not import torch.
"""

from __future__ import annotations

import torch

from ._random import draw_seed


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Turn a user's ``device`` parameter into a :class:`torch.device`.

    ``"auto"`` (or ``None``) picks CUDA when it is available and the CPU
    otherwise; anything else is passed to :class:`torch.device`.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={str(device)!r} was requested but CUDA is not available")
    return device


def torch_generator(random_state, device: torch.device | str = "cpu") -> torch.Generator:
    """A :class:`torch.Generator` seeded from a sklearn-style ``random_state``.

    ``random_state`` may be None, an int or a :class:`numpy.random.RandomState`;
    one integer is drawn from it, so the same ``random_state`` always gives the
    same torch stream.
    """
    return torch.Generator(device=device).manual_seed(draw_seed(random_state))
