"""Behaviour of the recommended pipeline's augmentation: a reddened O star stays O.

The recommended pipeline (quick: 2 augmented copies) trains on copies reddened
(E(B-V) 0-2) and noised, rectified by ContinuumNormalizer. This checks the
effect it exists for: a held-out O star reddened to E(B-V) 1.0 and 1.5 is still
called O, where an SVC trained on the clean library spectra calls it something
else (benchmarks/results/survey_targets.md measures both over every O star).
"""

import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skspec.augmentation import redden
from skspec.datasets import load_real_spectra
from skspec.pipeline import recommended_pipeline
from skspec.preprocessing import FluxNormalizer


@pytest.fixture(scope="module")
def held_out():
    data = load_real_spectra()
    o_stars = sorted(set(data.object[data.target == "O"].tolist()))
    star = o_stars[0]  # a fixed star, none of its spectra in training
    test = data.object == star
    return data, ~test, test


def test_augmented_model_keeps_a_reddened_o_star_o(held_out):
    data, train, test = held_out
    X, y, wave = data.data, data.target, data.wavelength
    recommended = recommended_pipeline(y[train], wavelength=wave, quick=True)
    plain = make_pipeline(FluxNormalizer(), SVC(class_weight="balanced"))
    reddened = redden(X[test], wave, 1.0)

    recommended.fit(X[train], y[train])
    plain.fit(X[train], y[train])
    assert (plain.predict(X[test]) == "O").all()  # both know the star when it is clean
    assert (recommended.predict(X[test]) == "O").all()
    assert (recommended.predict(reddened) == "O").all()
    assert (recommended.predict(redden(X[test], wave, 1.5)) == "O").all()
    assert not (plain.predict(reddened) == "O").any()  # without augmentation: lost
