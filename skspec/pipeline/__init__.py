"""The recommended pipeline and the measured defaults it is built from.

- :func:`recommended_pipeline`: FluxNormalizer -> LCGAN -> RACNetClassifier,
  as ``skspec train`` fits it; ``preset="paper"`` keeps the paper's settings.
- :func:`oversample_o` and :data:`O_OVERSAMPLE_FACTOR`: how many synthetic O
  spectra to add (1.5x the real ones, measured), for any over-sampler.
- :data:`GAN_LEARNING_RATES`: LCGAN's learning rates in the recommended pipeline.

``skspec train``, the README quickstart and ``skspec reproduce`` take their
settings from here.
"""

from ._recommended import (
    GAN_LEARNING_RATES,
    O_OVERSAMPLE_FACTOR,
    PRESETS,
    oversample_o,
    recommended_pipeline,
)

__all__ = ["GAN_LEARNING_RATES", "O_OVERSAMPLE_FACTOR", "PRESETS", "oversample_o",
           "recommended_pipeline"]
