"""Transformers that prepare spectra: normalisation, resampling, degradation."""

from ._degrade import SpectrumDegrader, degrade
from ._normalize import FluxNormalizer
from ._resample import WavelengthResampler, resample_spectrum

__all__ = [
    "FluxNormalizer",
    "SpectrumDegrader",
    "WavelengthResampler",
    "degrade",
    "resample_spectrum",
]
