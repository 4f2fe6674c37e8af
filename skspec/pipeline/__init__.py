"""The recommended pipeline and the measured defaults it is built from.

- :func:`recommended_pipeline`: FluxNormalizer -> RACNetClassifier(sampler=LCGAN),
  as ``skspec train`` fits it; ``preset="paper"`` keeps the paper's settings.
- :func:`oversample_o` and :data:`O_OVERSAMPLE_FACTOR`: how many synthetic O
  spectra to add (1.5x the real ones, measured), for any over-sampler.
- :data:`GAN_LEARNING_RATES`: LCGAN's learning rates in the recommended pipeline.
- :func:`survey_augmenter` and :data:`SURVEY_AUGMENTATION`: the physical
  training augmentation (reddening and noise) that ``skspec reproduce`` measures
  every method with and without.

``skspec train``, the README quickstart and ``skspec reproduce`` take their
settings from here.
"""

from ._recommended import (
    GAN_LEARNING_RATES,
    O_OVERSAMPLE_FACTOR,
    PRESETS,
    SURVEY_AUGMENTATION,
    oversample_o,
    recommended_pipeline,
    survey_augmenter,
)

__all__ = ["GAN_LEARNING_RATES", "O_OVERSAMPLE_FACTOR", "PRESETS", "SURVEY_AUGMENTATION",
           "oversample_o", "recommended_pipeline", "survey_augmenter"]
