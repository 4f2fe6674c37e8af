"""
==========================================
Classify a folder of LAMOST FITS files
==========================================

Survey-scale prediction in three steps: fit a model, save it with
:func:`skspec.save_model`, and run :func:`skspec.predict_files` (the same as
:func:`skspec.survey.predict_files`) over a folder. Every file is read,
resampled onto the grid the model was trained on and classified in batches;
the catalogue holds one row per file with the class probabilities, the S/N
and flags. A file that cannot be used gets a flagged row instead of stopping
the run, and running again skips the files already catalogued.

On the command line the same is::

    skspec train --data obafgkm -o model.skspec
    skspec predict model.skspec spectra/ -o catalogue.csv --n-jobs 2

Here the model is a small RAC-Net trained for a few epochs (about a minute
on two CPU cores), so its classes are rough. Everything is written to a
temporary folder.
"""

# %%
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import torch
from sklearn.pipeline import make_pipeline

from skspec import load_model, predict_files, save_model
from skspec.datasets import load_lamost_samples, load_obafgkm
from skspec.neural_network import RACNetClassifier
from skspec.preprocessing import FluxNormalizer

torch.set_num_threads(2)
workdir = Path(tempfile.mkdtemp(prefix="skspec_example_"))

# %%
# Fit and save a model
# --------------------
# The model file records the wavelength grid of the training spectra; new
# spectra are resampled onto it. It holds no pickle: loading never runs code
# from the file.
spectra = load_obafgkm()
model = make_pipeline(
    FluxNormalizer(),
    RACNetClassifier(module__channels=(4, 8, 8, 16), max_epochs=6, random_state=0),
)
model.fit(spectra.data, spectra.target)
model_path = save_model(model, workdir / "model.skspec", wavelength=spectra.wavelength)
print(model_path.name, f"{model_path.stat().st_size / 1e3:.0f} kB",
      "classes:", load_model(model_path).classes_)

# %%
# A folder of spectra
# -------------------
# The seven LAMOST files bundled with skspec (DR1, DR6 and DR7 layouts), plus
# a file that is not a spectrum, to show how problems are reported.
folder = workdir / "spectra"
folder.mkdir()
for name in load_lamost_samples().filenames:
    shutil.copy(name, folder)
(folder / "broken.fits").write_bytes(b"this is not a FITS file")
print(sorted(p.name for p in folder.iterdir()))

# %%
# Predict
# -------
# ``n_jobs`` worker processes read the files; ``batch_size`` spectra are
# classified at a time, so memory stays flat however many files there are.
# The catalogue may be ``.csv``, ``.fits`` or ``.parquet``.
catalogue_path = workdir / "catalogue.csv"
summary = predict_files(model_path, folder, catalogue_path, verbose=0)
print(summary)

catalogue = pd.read_csv(catalogue_path, keep_default_na=False)
print(catalogue[["file", "survey_subclass", "pred_class", "snr", "flags"]]
      .assign(file=lambda t: t.file.map(lambda f: Path(f).name))
      .to_string(index=False))

# %%
# ``survey_subclass`` is the LAMOST pipeline's own type, for comparison. The
# broken file has the flag ``unreadable`` and an ``error`` message. Running
# the same command again finds every file in the catalogue and does nothing
# (``n_skipped``): an interrupted run over millions of files resumes where
# it stopped.
again = predict_files(model_path, folder, catalogue_path, verbose=0)
print("new rows:", again.n_files, "skipped:", again.n_skipped)

# %%
# The class probabilities of each classified spectrum.
good = catalogue[catalogue.pred_class != ""]
probs = good.filter(like="prob_").astype(float)
probs.columns = [c.removeprefix("prob_") for c in probs.columns]
probs.index = [f"{Path(f).name.removesuffix('.fits.gz')} ({s})"
               for f, s in zip(good.file, good.survey_subclass)]
ax = probs.plot.barh(stacked=True, figsize=(9, 4), colormap="tab10", width=0.8)
ax.set_xlabel("probability")
ax.legend(ncol=7, loc="upper center", bbox_to_anchor=(0.5, 1.15), fontsize=8)
plt.tight_layout()
plt.show()

# %%
# Clean up the temporary folder.
shutil.rmtree(workdir)
