"""Transformers that prepare spectra: normalisation, continuum rectification, resampling,
degradation."""

from ._continuum import ContinuumNormalizer
from ._degrade import SpectrumDegrader, degrade
from ._normalize import FluxNormalizer
from ._resample import WavelengthResampler, resample_spectrum

__all__ = [
    "ContinuumNormalizer",
    "FluxNormalizer",
    "SpectrumDegrader",
    "WavelengthResampler",
    "degrade",
    "resample_spectrum",
]
