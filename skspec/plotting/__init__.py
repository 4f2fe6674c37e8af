"""Plots of spectra, their key lines and a classifier's importance map (matplotlib)."""

from ._spectrum import O_STAR_LINES, plot_attention, plot_spectrum

__all__ = ["O_STAR_LINES", "plot_attention", "plot_spectrum"]
