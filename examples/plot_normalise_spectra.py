"""
=====================================
Read, resample and normalise spectra
=====================================

The first steps of every skspec workflow: get spectra onto one wavelength
grid and remove their overall brightness, so that a model sees only the
shape of a spectrum.

We read the raw LAMOST files bundled with skspec, resample them onto the grid
of the bundled training table, and divide every spectrum by its L2 norm with
:class:`~skspec.preprocessing.FluxNormalizer` (the paper's eq. 1).
"""

# %%
# Raw LAMOST files
# ----------------
# :func:`~skspec.io.read_fits` detects the format (LAMOST, SDSS, STELIB) and
# returns a :class:`~skspec.io.SpectrumData`: vacuum wavelengths as an astropy
# Quantity, the flux as stored, its inverse variance and a bad-pixel mask.
import matplotlib.pyplot as plt
import numpy as np

from skspec.datasets import load_lamost_samples, load_obafgkm
from skspec.io import read_fits, read_spectra
from skspec.plotting import O_STAR_LINES, plot_spectrum
from skspec.preprocessing import FluxNormalizer

files = load_lamost_samples().filenames
spectrum = read_fits(files[0])
print(spectrum)

# %%
# Many files onto one grid
# ------------------------
# :func:`~skspec.io.read_spectra` reads a list, a folder or a glob of files,
# interpolates over bad pixels (never zeros them) and resamples each spectrum
# onto one grid, flux-conserving. The default grid is the one of the bundled
# table: 2782 pixels, 3900 to 7400 Å, equal steps in log(λ).
survey = read_spectra(files, verbose=0)
print(survey.flux.shape, [m["subclass"] for m in survey.meta])

fig, ax = plt.subplots(figsize=(9, 3.5))
wave = spectrum.wavelength.to_value("AA")
ax.plot(wave, spectrum.flux, color="0.7", lw=0.6, label="raw pixels")
plot_spectrum(survey.wavelength, survey.flux[0], ax=ax, lines=None, color="k",
              label="resampled onto the skspec grid")
ax.set_xlim(3700, 7600)
ax.legend(loc="upper right")
ax.set_title(survey.filenames[0].rsplit("/", 1)[-1])

# %%
# Normalise
# ---------
# The bundled table (:func:`~skspec.datasets.load_obafgkm`) holds real spectra
# of all MK classes on that grid, not normalised: their fluxes differ by
# orders of magnitude. After :class:`~skspec.preprocessing.FluxNormalizer`
# every spectrum has unit L2 norm.
spectra = load_obafgkm()
X = FluxNormalizer().fit_transform(spectra.data)
print("raw norms:", np.linalg.norm(spectra.data[:3], axis=1))
print("normalised norms:", np.linalg.norm(X[:3], axis=1))

# %%
# One spectrum of each class, offset for clarity, with the lines that tell
# O stars apart (He II 4541 and 4686 Å appear only in O stars).
fig, ax = plt.subplots(figsize=(9, 6))
for offset, letter in enumerate("OBAFGKM"):
    row = np.flatnonzero(spectra.target == letter)[0]
    plot_spectrum(spectra.wavelength, X[row] / X[row].max() + 0.8 * offset, ax=ax,
                  lines=O_STAR_LINES if offset == 0 else None,
                  color=plt.cm.coolwarm(offset / 6))
    ax.text(7420, 0.8 * offset + 0.5, f"{letter} ({spectra.subclass[row]})", fontsize=8)
ax.set_ylabel("normalised flux + offset")
ax.set_xlim(3900, 8000)
plt.show()
