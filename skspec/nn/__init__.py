"""Torch building blocks for spectra (imports torch)."""

from ._layers import LocallyConnected1d

__all__ = ["LocallyConnected1d"]
