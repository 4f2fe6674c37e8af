"""Transformers that prepare spectra: normalisation, resampling, degradation."""

from ._normalize import FluxNormalizer

__all__ = ["FluxNormalizer"]
