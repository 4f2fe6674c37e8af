"""
========================
Where RAC-Net looks
========================

:class:`~skspec.neural_network.RACNetClassifier` is a residual 1-D CNN with
channel attention (RAC-Net). Its
:meth:`~skspec.neural_network.RACNetClassifier.attention_maps` give, for
every pixel, how much it drives the decision (gradient × input). For an O
star we hope to see the He II lines at 4541 and 4686 Å light up.

We hold out every spectrum of one real O star (and a share of the other
stars) with :class:`~skspec.model_selection.LeaveOneStarOut`, train a small
RAC-Net on the rest and explain its prediction for the held-out O star.
The network is narrow (4 stages of 8-16 channels) and trained for at most 15
epochs so that the example runs in about a minute on two CPU cores.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from skspec.datasets import load_ofgk
from skspec.model_selection import LeaveOneStarOut
from skspec.neural_network import RACNetClassifier
from skspec.plotting import plot_attention
from skspec.preprocessing import FluxNormalizer

torch.set_num_threads(2)

spectra = load_ofgk()
X = FluxNormalizer().fit_transform(spectra.data)
y = spectra.target
cv = LeaveOneStarOut(target_class="O", test_size=0.2, random_state=0)
train, test = next(cv.split(X, y, groups=spectra.object))
print("held-out O star:", sorted(set(spectra.object[test][y[test] == "O"].tolist())))

# %%
# Train on the other stars
# ------------------------
# ``class_weight="balanced"`` (the default) weighs the 9 training O spectra
# up against the ~190 F, G and K spectra. Early stopping watches a
# validation split of the training spectra (30 %, stratified).
clf = RACNetClassifier(module__channels=(8, 8, 16, 16), max_epochs=15, patience=5,
                       random_state=0)
clf.fit(X[train], y[train])
pred = clf.predict(X[test])
print("trained for", len(clf.history_), "epochs")
print("test accuracy:", np.mean(pred == y[test]))
print("held-out O spectra predicted as:", pred[y[test] == "O"])

# %%
# The attention map of the held-out O star
# ----------------------------------------
# The orange band is the importance of each pixel for the class the net
# predicted. Dashed lines mark the O-star lines.
row = test[y[test] == "O"][0]
importance = clf.attention_maps(X[row : row + 1])[0]
wave = spectra.wavelength.to_value("AA")
ax = plot_attention(wave, X[row], importance,
                    title=f"{spectra.object[row]} ({spectra.subclass[row]}): "
                          f"predicted {clf.predict(X[row:row + 1])[0]}")
ax.figure.set_size_inches(9, 3.5)

# %%
# Zoom on the blue part, where the O-star lines are.
blue = (wave > 4000) & (wave < 5100)
ax = plot_attention(wave[blue], X[row, blue], importance[blue])
ax.figure.set_size_inches(9, 3.5)

# %%
# Averaged over all test spectra of each class, the maps show which regions
# the net uses for each decision.
maps = clf.attention_maps(X[test])
fig, ax = plt.subplots(figsize=(9, 3.5))
for label in np.unique(y[test]):
    ax.plot(wave, maps[y[test] == label].mean(axis=0), lw=0.8, label=label)
ax.set_xlabel("Wavelength (Å)")
ax.set_ylabel("mean importance")
ax.legend()
plt.show()
