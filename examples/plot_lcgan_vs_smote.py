"""
=============================
LCGAN versus SMOTE on O stars
=============================

The bundled data hold only ten real O-type spectra. Here we make 40 more in
two ways and compare them with the real ones around the lines that define
the class:

- :class:`~imblearn.over_sampling.SMOTE` draws points on segments between a
  real O spectrum and one of its nearest O neighbours: every new spectrum is
  a mix of two real ones.
- :class:`~skspec.over_sampling.LCGAN` trains a generator of locally connected
  convolutions against a discriminator and samples new spectra from noise.

The settings are tiny (120 GAN iterations, 4 channels) so that the example
runs in a minute or two: the generated spectra are still noisy and their
lines too weak. The paper trains for 2,000 iterations and more
(``LCGAN.paper()``); after about 1,000 iterations the mean generated spectrum
correlates at 0.98 with the mean real O spectrum
(``benchmarks/results/gan.md``). Both samplers return the real rows first
and their synthetic rows after them.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from imblearn.over_sampling import SMOTE

from skspec.datasets import load_ofgk
from skspec.metrics import frechet_distance
from skspec.over_sampling import LCGAN
from skspec.plotting import O_STAR_LINES, plot_spectrum
from skspec.preprocessing import FluxNormalizer

torch.set_num_threads(2)

spectra = load_ofgk()
keep = np.isin(spectra.target, ["O", "F"])  # the paper's O versus F setting
X = FluxNormalizer().fit_transform(spectra.data[keep])
y = spectra.target[keep]
wave = spectra.wavelength.to_value("AA")
print({str(c): int((y == c).sum()) for c in np.unique(y)})

# %%
# Over-sample the O stars
# -----------------------
# Both samplers append their new rows after the real ones (given to a
# :class:`~skspec.neural_network.RACNetClassifier` as ``sampler=``, they are
# fitted on its training rows only and their rows never validate).
strategy = {"O": 50}  # 10 real + 40 synthetic
lcgan = LCGAN(sampling_strategy=strategy, n_iter=120, channels=4, noise_dim=64,
              batch_size=32, random_state=0)
X_gan, y_gan = lcgan.fit_resample(X, y)
smote = SMOTE(sampling_strategy=strategy, k_neighbors=3, random_state=0)
X_smote, y_smote = smote.fit_resample(X, y)

gan_o = X_gan[len(X):]
smote_o = X_smote[len(X):]
real_o = X[y == "O"]
print("synthetic rows:", len(gan_o), len(smote_o))

# %%
# Real and generated O spectra
# ----------------------------
# The blue part of the spectrum holds the O-star lines: He II 4541 and
# 4686 Å (only in O stars), He I and the Balmer lines.
blue = (wave > 4000) & (wave < 5100)
fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True, sharey=True)
for ax, (title, rows) in zip(axes, [("real O", real_o), ("LCGAN", gan_o), ("SMOTE", smote_o)]):
    for k, flux in enumerate(rows[:5]):
        plot_spectrum(wave[blue], flux[blue] / np.median(flux[blue]), ax=ax,
                      lines=O_STAR_LINES if k == 0 else None, color=plt.cm.viridis(k / 5), alpha=0.8)
    ax.set_title(title, loc="left")
    ax.set_xlabel("")
axes[-1].set_xlabel("Wavelength (Å)")
fig.tight_layout()

# %%
# Mean spectra and a distance between sets
# ----------------------------------------
# The Fréchet distance (in a PCA space fitted on the real spectra) between
# real and generated O spectra: lower is closer. SMOTE sits inside the real
# set by construction (it interpolates), so it is hard to beat on this score,
# all the more against a GAN trained for 120 iterations; it cannot make
# spectra outside the span of its neighbours, though.
for name, rows in [("LCGAN", gan_o), ("SMOTE", smote_o)]:
    print(f"{name}: Fréchet distance to real O = "
          f"{frechet_distance(real_o, rows, n_components=5):.3g}")

fig, ax = plt.subplots(figsize=(9, 3.5))
for name, rows, color in [("real O", real_o, "k"), ("LCGAN", gan_o, "tab:red"),
                          ("SMOTE", smote_o, "tab:blue")]:
    mean = rows.mean(axis=0)[blue]
    plot_spectrum(wave[blue], mean / np.median(mean), ax=ax, color=color, label=name,
                  lines=O_STAR_LINES if name == "real O" else None)
ax.legend(loc="lower right")
ax.set_title("mean spectra", loc="left")
plt.show()
