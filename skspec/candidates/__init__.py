"""Turning a classifier into a short list of candidates an astronomer can check.

- :class:`RareClassThreshold`: calibrated P(rare class) on held-out stars and
  a threshold chosen for a target recall, with an optional survey prior
  (:func:`shift_prior`).
- :class:`RareClassMargin`: a one-vs-one SVC's border between the rare class
  and its neighbours (O and B) moved by a margin towards the rare class.
- :class:`NoveltyDetector`: "none of the above", a k-NN distance to the
  training spectra with a threshold calibrated on held-out stars.
- :func:`candidate_columns`, :func:`rank_candidates`: the catalogue columns
  ``p_O``, ``is_candidate``, ``novelty``, ``unknown`` and ``rank``.
- :func:`vet_report` (``skspec vet``): from a catalogue with those columns,
  a static HTML page to check the candidates by eye, with their line
  evidence.
"""

from ._margin import RareClassMargin
from ._novelty import NoveltyDetector
from ._report import VET_COLUMNS, VET_OPTIONAL_COLUMNS, candidate_columns, rank_candidates, vet_report
from ._threshold import RareClassThreshold, shift_prior

__all__ = [
    "NoveltyDetector",
    "RareClassMargin",
    "RareClassThreshold",
    "VET_COLUMNS",
    "VET_OPTIONAL_COLUMNS",
    "candidate_columns",
    "rank_candidates",
    "shift_prior",
    "vet_report",
]
