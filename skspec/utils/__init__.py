"""Utilities shared by skspec estimators (validation, randomness, torch devices)."""

from ._validation import check_spectra, check_wavelength

__all__ = ["check_spectra", "check_wavelength"]
