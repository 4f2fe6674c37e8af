"""Physical augmentation: make library spectra look like survey spectra.

Seeded, vectorised transforms of spectra on a known wavelength grid (plain
arrays in Angstrom): interstellar reddening with ``dust_extinction`` laws
(:func:`redden`, :func:`deredden`), a flux-calibration error
(:func:`distort_calibration`), a radial velocity (:func:`doppler_shift`),
rotation (:func:`broaden_rotation`), bad-pixel runs (:func:`mask_pixels`);
instrumental resolution and noise are :func:`skspec.preprocessing.degrade`'s.
:class:`SpectrumAugmenter` draws all of them at random from ranges, and
:class:`AugmentationSampler` appends augmented copies in an imbalanced-learn
pipeline. See :ref:`survey_realism` in the user guide.
"""

from ._augmenter import SpectrumAugmenter
from ._sampler import AugmentationSampler
from ._bad_pixels import LAMOST_JOIN, mask_pixels
from ._broadening import broaden_rotation, rotational_kernel
from ._calibration import distort_calibration
from ._doppler import doppler_shift
from ._extinction import LAWS, deredden, extinction_curve, redden

__all__ = [
    "AugmentationSampler",
    "LAMOST_JOIN",
    "LAWS",
    "SpectrumAugmenter",
    "broaden_rotation",
    "deredden",
    "distort_calibration",
    "doppler_shift",
    "extinction_curve",
    "mask_pixels",
    "redden",
    "rotational_kernel",
]
