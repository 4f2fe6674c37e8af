"""Evaluation of generators and recognisers of rare spectra.

- GAN-train / GAN-test (Shmelkov et al. 2018), as functions and as
  cross-validatable estimators: :func:`gan_train_score`, :func:`gan_test_score`,
  :class:`GANTrainEvaluation`, :class:`GANTestEvaluation`.
- Recognition of one class: :func:`make_recognition_scorers`,
  :func:`cross_val_confusion_matrix`, :func:`scores_from_confusion`.
- Fidelity of generated spectra: :func:`frechet_distance`,
  :func:`precision_recall_density_coverage`, :func:`memorisation_check`,
  :func:`equivalent_widths`, :func:`compare_equivalent_widths`.
- Line evidence for one candidate: :func:`measure_lines` (the O/B criteria of
  :data:`O_B_CRITERIA`, with errors), :func:`estimate_o_subtype`,
  :func:`line_flags`.
"""

from ._fidelity import frechet_distance, memorisation_check, precision_recall_density_coverage
from ._gan import (
    GANTestEvaluation,
    GANTrainEvaluation,
    feasible_nu,
    gan_test_score,
    gan_train_score,
    generate_minority,
)
from ._lines import (
    O_B_CRITERIA,
    O_STAR_LINES,
    LineMeasurements,
    compare_equivalent_widths,
    equivalent_widths,
    estimate_o_subtype,
    line_flags,
    measure_lines,
)
from ._scorers import cross_val_confusion_matrix, make_recognition_scorers, scores_from_confusion

__all__ = [
    "GANTestEvaluation",
    "GANTrainEvaluation",
    "LineMeasurements",
    "O_B_CRITERIA",
    "O_STAR_LINES",
    "compare_equivalent_widths",
    "cross_val_confusion_matrix",
    "equivalent_widths",
    "estimate_o_subtype",
    "feasible_nu",
    "frechet_distance",
    "gan_test_score",
    "gan_train_score",
    "generate_minority",
    "line_flags",
    "make_recognition_scorers",
    "measure_lines",
    "memorisation_check",
    "precision_recall_density_coverage",
    "scores_from_confusion",
]
