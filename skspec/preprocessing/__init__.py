"""Transformers that prepare spectra: normalisation, resampling, degradation."""

from ._degrade import SpectrumDegrader, degrade
from ._normalize import FluxNormalizer

__all__ = ["FluxNormalizer", "SpectrumDegrader", "degrade"]
