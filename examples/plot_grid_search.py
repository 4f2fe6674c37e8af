"""
======================================
Tuning LCGAN and RAC-Net together
======================================

The GAN and the classifier are steps of one imbalanced-learn
:class:`~imblearn.pipeline.Pipeline`, so
:class:`~sklearn.model_selection.GridSearchCV` tunes both at once, with the
usual ``step__parameter`` names. The sampler acts only in ``fit``: synthetic
O spectra are added to each training fold, never to a validation fold, and
inside the fold :class:`~skspec.neural_network.RACNetClassifier` keeps them
out of its own early-stopping split (the rows LCGAN appends are marked as
synthetic).

Put transformers such as :class:`~skspec.preprocessing.FluxNormalizer`
*before* the sampler: a step between the sampler and the classifier makes a
new array and loses the record of which rows are synthetic.

To run in a couple of minutes on two CPU cores, this example keeps the O and
F classes and the blue part of the spectrum (3900-5100 Å, where the O-star
lines are), uses a 2-fold split grouped by star and a 2 x 2 grid with tiny
networks. Real searches use more folds (or
:class:`~skspec.model_selection.LeaveOneStarOut`) and the default sizes.
"""

# %%
import numpy as np
import pandas as pd
import torch
from imblearn.pipeline import Pipeline
from sklearn.metrics import make_scorer, recall_score
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

from skspec.datasets import load_ofgk
from skspec.neural_network import RACNetClassifier
from skspec.over_sampling import LCGAN
from skspec.preprocessing import FluxNormalizer

torch.set_num_threads(2)

spectra = load_ofgk()
wave = spectra.wavelength.to_value("AA")
rows = np.isin(spectra.target, ["O", "F"])
blue = wave < 5100
X, y, stars = spectra.data[rows][:, blue], spectra.target[rows], spectra.object[rows]
print(X.shape, {str(c): int((y == c).sum()) for c in np.unique(y)})

# %%
# The pipeline and the grid
# -------------------------
model = Pipeline([
    ("norm", FluxNormalizer()),
    ("lcgan", LCGAN(n_iter=20, channels=4, noise_dim=32, batch_size=32, random_state=0)),
    ("racnet", RACNetClassifier(module__channels=(4, 8), max_epochs=8, patience=4,
                                random_state=0)),
])
grid = {
    "lcgan__n_iter": [10, 40],
    "racnet__lr": [1e-3, 3e-3],
}
search = GridSearchCV(
    model, grid,
    cv=StratifiedGroupKFold(n_splits=2, shuffle=True, random_state=0),
    scoring={"balanced_accuracy": "balanced_accuracy",
             "recall_O": make_scorer(recall_score, pos_label="O")},
    refit="balanced_accuracy",
)
search.fit(X, y, groups=stars)

# %%
# Results
# -------
# Scores of each candidate, averaged over the folds (with one or two O stars
# per fold they move a lot: read them as a demonstration, not a result).
columns = ["param_lcgan__n_iter", "param_racnet__lr", "mean_test_balanced_accuracy",
           "mean_test_recall_O", "mean_fit_time"]
print(pd.DataFrame(search.cv_results_)[columns].round(3).to_string(index=False))
print("best:", search.best_params_)

# %%
# The refitted pipeline is a classifier like any other: the sampler is
# skipped at prediction time. Inside it, the RAC-Net's early-stopping split
# holds real spectra only: every validation row is one of the 116 real
# rows, none of the synthetic O spectra LCGAN appended after them.
racnet = search.best_estimator_["racnet"]
valid = racnet.validation_indices_
print(f"{len(valid)} validation rows, all among the {len(X)} real ones: "
      f"{bool(valid.max() < len(X))}")
