"""The recommended pipeline and the measured defaults it is built from.

- :func:`recommended_pipeline`: augmented copies (reddening, noise) ->
  ContinuumNormalizer -> FluxNormalizer -> smoothing -> RBF SVC, as ``skspec train``
  fits it (:data:`AUGMENT_COPIES`, :data:`SHRINK_SNR`, :data:`SVC_PARAMS`,
  :data:`SMOOTHING_RESOLUTION`);
  ``classifier="racnet"`` ends in RAC-Net with LCGAN inside; ``preset="paper"``
  keeps the paper's settings.
- :func:`oversample_o` and :data:`O_OVERSAMPLE_FACTOR`: how many synthetic O
  spectra to add (1.5x the real ones, measured), for any over-sampler.
- :data:`O_MARGIN`: how far the SVC's O/B border moves towards O (off by default;
  ``recommended_pipeline(o_margin=...)``, measured trade-off in its docstring).
- :data:`GAN_LEARNING_RATES`: LCGAN's learning rates in the recommended pipeline.
- :func:`survey_augmenter` and :data:`SURVEY_AUGMENTATION`: the physical
  training augmentation (reddening and noise) that ``skspec reproduce`` measures
  every method with and without.

``skspec train``, the README quickstart and ``skspec reproduce`` take their
settings from here.
"""

from ._recommended import (
    AUGMENT_COPIES,
    GAN_LEARNING_RATES,
    O_MARGIN,
    O_OVERSAMPLE_FACTOR,
    PRESETS,
    SHRINK_SNR,
    SMOOTHING_RESOLUTION,
    SURVEY_AUGMENTATION,
    SVC_PARAMS,
    oversample_o,
    recommended_pipeline,
    survey_augmenter,
)

__all__ = ["AUGMENT_COPIES", "GAN_LEARNING_RATES", "O_MARGIN", "O_OVERSAMPLE_FACTOR", "PRESETS",
           "SHRINK_SNR", "SMOOTHING_RESOLUTION", "SURVEY_AUGMENTATION", "SVC_PARAMS",
           "oversample_o", "recommended_pipeline", "survey_augmenter"]
