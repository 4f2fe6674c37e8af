"""The catalogue's columns and flags (one definition for every writer and path)."""

from __future__ import annotations

import numpy as np

__all__ = ["FLAGS", "catalogue_columns"]

#: Flags a catalogue row may carry (``|``-separated in the ``flags`` column).
#: ``unreadable``: the file could not be read as a spectrum (``error`` says
#: why; no prediction). ``short_coverage``: the spectrum does not cover the
#: model's wavelength grid (no prediction). ``nan_heavy``: more than
#: ``max_bad_fraction`` of the pixels on the grid are bad (NaN, ivar <= 0,
#: masked); they are interpolated and the spectrum is classified, but treat
#: the class with care (no prediction above half the pixels, or when no pixel
#: is good: :func:`skspec.io.read_onto_grid`'s rule, as for training data).
FLAGS = ("unreadable", "short_coverage", "nan_heavy")


_META_COLUMNS = ("file", "object_id", "obsid", "format", "survey_class", "survey_subclass",
                 "snr", "bad_fraction", "pred_class")
#: the O-candidate columns, after the class probabilities
_CANDIDATE_COLUMNS = ("p_O", "is_candidate", "rank", "novelty", "unknown")
_TAIL_COLUMNS = ("flags", "error")
_FLOAT_COLUMNS = ("snr", "bad_fraction", "p_O", "rank", "novelty")


def catalogue_columns(classes) -> list[str]:
    """Column names of a catalogue for a model with these ``classes``.

    ``file`` (absolute path), ``object_id``, ``obsid``, ``format`` (reader
    used), ``survey_class`` and ``survey_subclass`` (the survey pipeline's own
    labels from the header), ``snr``, ``bad_fraction`` (fraction of bad
    pixels over the grid's range), ``pred_class``, one ``prob_<class>`` per
    class, the O-candidate columns ``p_O`` (calibrated P(O), at the survey
    prior when one is given), ``is_candidate``, ``rank`` (1 = highest
    ``p_O`` among the candidates, 0 for the others; written when the
    catalogue is complete), ``novelty`` (novelty score over its threshold)
    and ``unknown`` (``novelty > 1``; never a candidate), then ``flags``
    (see :data:`FLAGS`) and ``error``.

    Examples
    --------
    >>> from skspec.survey import catalogue_columns
    >>> catalogue_columns(["O", "B"])[-9:]
    ['prob_O', 'prob_B', 'p_O', 'is_candidate', 'rank', 'novelty', 'unknown', 'flags', 'error']
    """
    return [*_META_COLUMNS, *(f"prob_{c}" for c in classes), *_CANDIDATE_COLUMNS,
            *_TAIL_COLUMNS]


def _float_columns(columns):
    return [c for c in columns if c in _FLOAT_COLUMNS or c.startswith("prob_")]


def _csv_dtypes(columns):
    floats = set(_float_columns(columns))
    return {c: (np.float64 if c in floats else str) for c in columns}
