"""Turning a classifier into a short list of candidates an astronomer can check.

- :class:`RareClassThreshold`: calibrated P(rare class) on held-out stars and
  a threshold chosen for a target recall, with an optional survey prior
  (:func:`shift_prior`).
"""

from ._threshold import RareClassThreshold, shift_prior

__all__ = ["RareClassThreshold", "shift_prior"]
