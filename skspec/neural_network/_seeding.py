"""Seed torch for one fit without touching the caller's global random state."""

from __future__ import annotations

from contextlib import nullcontext

import torch


class _TorchSeed:
    """Seed torch inside the block and restore the global random state after."""

    def __init__(self, seed: int, device):
        self.seed = seed
        self.cuda = isinstance(device, str) and device.startswith("cuda") and torch.cuda.is_available()

    def __enter__(self):
        devices = [torch.cuda.current_device()] if self.cuda else []
        self._fork = torch.random.fork_rng(devices=devices)
        self._fork.__enter__()
        torch.manual_seed(self.seed)
        return self

    def __exit__(self, *exc):
        return self._fork.__exit__(*exc)


def seeded(random_state, seed: int, device):
    """A :class:`_TorchSeed` block, or a no-op when ``random_state`` is None."""
    if random_state is None:
        return nullcontext()
    return _TorchSeed(seed, device)
