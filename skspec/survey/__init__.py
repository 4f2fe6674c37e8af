"""Survey-scale prediction: classify millions of spectrum files into a catalogue.

- :func:`predict_files`: files, folders, globs or lists of paths -> a csv,
  fits or parquet catalogue, read by a pool of worker processes, classified in
  batches, with bounded memory and resumable.
- :func:`predict_bag`: the same rows from a :mod:`dask.bag` of paths, for a
  Dask cluster (local, SLURM/PBS via dask-jobqueue, Kubernetes).

- :func:`bundled_model_path`: the pre-trained model that ships with skspec
  (used when no model is given).

Save and load models with :func:`skspec.save_model` / :func:`skspec.load_model`.
"""

from ._bundled import BUNDLED_MODEL_COMMAND, bundled_model_path
from ._dask import predict_bag
from ._predict import FLAGS, catalogue_columns, iter_paths, predict_files

__all__ = ["BUNDLED_MODEL_COMMAND", "FLAGS", "bundled_model_path", "catalogue_columns",
           "iter_paths", "predict_bag", "predict_files"]
