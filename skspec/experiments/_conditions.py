"""The test conditions of one split: clean, degraded to survey S/N, reddened, and "survey".

Every method of a split predicts the same arrays: one noise draw per seed,
split and level, shared by all methods.
"""

from __future__ import annotations

import numpy as np

from ..utils._random import draw_seed
from ._modes import LIBRARY_RESOLUTION, SURVEY_RESOLUTION

__all__ = ["condition_key", "test_conditions"]


def condition_key(snr=None, ebv=None) -> str:
    """Name of a test condition in results and report: ``clean``, ``snr10``, ``ebv1.5``."""
    if ebv is None:
        return "clean" if snr is None else f"snr{snr:g}"
    return f"ebv{ebv:g}" if snr is None else f"ebv{ebv:g}_snr{snr:g}"


#: the headline column: E(B-V) 1.0, S/N 10, R 1800 (LAMOST), from ``Settings.survey``
SURVEY_KEY = "survey"


def test_conditions(X_test, wavelength, settings, rng) -> dict:
    """``{condition: spectra}`` for one split's test fold, in the report's column order.

    - ``clean``: the library spectra as they are;
    - ``snr<S>``: convolved to LAMOST's R = 1800, then Gaussian noise for S/N S;
    - ``ebv<E>``: reddened at E(B-V) = E (:func:`skspec.augmentation.redden`,
      G23, R(V) 3.1), no noise: the extinction axis;
    - ``survey``: reddened at ``settings.survey`` E(B-V), then R = 1800 and noise
      at its S/N.

    ``rng`` draws the noise seeds in that order, so adding conditions after the
    S/N levels leaves their draws as they were.
    """
    from ..augmentation import redden
    from ..preprocessing import degrade

    def survey_like(X, snr, noise_seed):
        return degrade(X, snr=snr, resolution=SURVEY_RESOLUTION, wavelength=wavelength,
                       input_resolution=LIBRARY_RESOLUTION, random_state=noise_seed)

    tests = {}
    for snr in settings.snr_levels:
        noise_seed = draw_seed(rng)  # one draw per level, the clean one included
        tests[condition_key(snr)] = X_test if snr is None else survey_like(X_test, snr, noise_seed)
    for ebv in settings.ebv_levels:
        tests[condition_key(ebv=ebv)] = redden(X_test, wavelength, ebv)
    if settings.survey is not None:
        ebv, snr = settings.survey
        tests[SURVEY_KEY] = survey_like(redden(X_test, wavelength, ebv), snr, draw_seed(rng))
    return tests
