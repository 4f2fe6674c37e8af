"""GAN over-samplers for rare spectral classes (imbalanced-learn samplers).

:class:`LCGAN` (locally connected GAN, Yang et al. 2021) and :class:`SGAN`
(dense GAN baseline, Zheng et al. 2020) learn a rare class and synthesise new
spectra of it inside an imbalanced-learn pipeline; :class:`MarkSynthetic`
marks the rows that any imbalanced-learn over-sampler appended.
"""

from ._base import BaseGANOverSampler
from ._lcgan import LCGAN
from ._mark import MarkSynthetic
from ._sgan import SGAN

__all__ = ["BaseGANOverSampler", "LCGAN", "MarkSynthetic", "SGAN"]
