"""
============================================
GAN-train and GAN-test with cross-validation
============================================

How good are generated O spectra? Yang et al. (2021) follow Shmelkov et al.
(2018) with two scores, both computed with an SVM:

- **GAN-train** (diversity): train a classifier on *generated* O spectra plus
  real F spectra, score it on *real* held-out spectra.
- **GAN-test** (authenticity): train a classifier on *real* spectra (O
  duplicated up to the size of F), score it on *generated* O spectra.

:class:`~skspec.metrics.GANTrainEvaluation` and
:class:`~skspec.metrics.GANTestEvaluation` are estimators: ``fit`` trains the
sampler on the training fold only, ``score`` evaluates. So
:func:`~sklearn.model_selection.cross_val_score` computes them without the
sampler ever seeing a test spectrum. The folds are grouped by star
(:class:`~sklearn.model_selection.StratifiedGroupKFold`): no star is on both
sides of a split.

Tiny settings (50 GAN iterations, the 3900-5100 Å part of the spectrum)
keep the example near a minute; the numbers are only illustrative.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from imblearn.over_sampling import SMOTE
from sklearn.model_selection import StratifiedGroupKFold, cross_val_score

from skspec.datasets import load_ofgk
from skspec.metrics import GANTestEvaluation, GANTrainEvaluation
from skspec.over_sampling import LCGAN
from skspec.preprocessing import FluxNormalizer

torch.set_num_threads(2)

spectra = load_ofgk()
keep = np.isin(spectra.target, ["O", "F"])
blue = spectra.wavelength.to_value("AA") < 5100  # the O-star lines; keeps the GAN fast
X = FluxNormalizer().fit_transform(spectra.data[keep][:, blue])
y = spectra.target[keep]
stars = spectra.object[keep]
cv = StratifiedGroupKFold(n_splits=2, shuffle=True, random_state=0)

# %%
# Two samplers, two scores
# ------------------------
# By default GAN-train is scored on the real held-out O *and* F spectra with
# balanced accuracy (chance is 0.5), because a classifier that says "O" to
# everything would score 1 on O spectra alone. ``score_on="minority"`` gives
# the paper's variant. GAN-test is the share of generated spectra that a
# model of real data recognises as O.
samplers = {
    "LCGAN": LCGAN(n_iter=50, channels=4, noise_dim=64, batch_size=32, random_state=0),
    "SMOTE": SMOTE(k_neighbors=3, random_state=0),
}
results = {}
for name, sampler in samplers.items():
    train = cross_val_score(GANTrainEvaluation(sampler, minority_class="O", random_state=0),
                            X, y, groups=stars, cv=cv)
    test = cross_val_score(GANTestEvaluation(sampler, minority_class="O", random_state=0),
                           X, y, groups=stars, cv=cv)
    results[name] = (train, test)
    print(f"{name}: GAN-train {train.mean():.2f} ± {train.std():.2f}, "
          f"GAN-test {test.mean():.2f} ± {test.std():.2f}")

# %%
# With only 50 iterations LCGAN has not learned the O spectra yet, and the
# two scores say so: GAN-train at chance (0.5, a classifier trained on its
# spectra does not recognise real O stars) and GAN-test near 0 (a model of
# real data does not take its spectra for O stars). It needs about a
# thousand iterations at full length (``benchmarks/results/gan.md``; the
# paper trains for 2,000, ``LCGAN.paper()``), too slow for this gallery.
#
# Read the two scores together: interpolating real spectra (SMOTE) scores
# high on both by construction, and a generator that copies its training
# spectra would too. :func:`~skspec.metrics.memorisation_check` and
# :func:`~skspec.metrics.precision_recall_density_coverage` tell these cases
# apart.
fig, ax = plt.subplots(figsize=(6, 3.5))
for k, (name, (train, test)) in enumerate(results.items()):
    ax.scatter(train, test, label=name, s=40, marker="os"[k])
ax.set_xlabel("GAN-train (balanced accuracy, per fold)")
ax.set_ylabel("GAN-test (per fold)")
ax.set_xlim(0.4, 1.05)
ax.set_ylim(-0.05, 1.05)
ax.axvline(0.5, color="0.6", ls=":", lw=1)
ax.legend()
plt.show()
