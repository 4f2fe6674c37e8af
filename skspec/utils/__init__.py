"""Utilities shared by skspec estimators (validation, randomness, torch devices)."""

from ._synthetic import get_synthetic_mask, mark_synthetic
from ._validation import check_spectra, check_wavelength

__all__ = ["check_spectra", "check_wavelength", "get_synthetic_mask", "mark_synthetic"]
