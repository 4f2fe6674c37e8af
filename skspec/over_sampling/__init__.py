"""GAN over-samplers for rare spectral classes (imbalanced-learn samplers).

:class:`LCGAN` (locally connected GAN, Yang et al. 2021) and :class:`SGAN`
(dense GAN baseline, Zheng et al. 2020) learn a rare class and synthesise new
spectra of it. Give a sampler to :class:`~skspec.neural_network.RACNetClassifier`
(``sampler=``) so that it learns from training spectra only and its rows
never validate; in an imbalanced-learn pipeline it serves any other classifier.
"""

from ._base import BaseGANOverSampler
from ._lcgan import LCGAN
from ._sgan import SGAN

__all__ = ["BaseGANOverSampler", "LCGAN", "SGAN"]
