"""The model that ships with skspec (``skspec predict`` without a model file)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["BUNDLED_MODEL_COMMAND", "bundled_model_path"]

_DIR = Path(__file__).resolve().parent.parent / "datasets" / "data" / "model"
_NAME = "recommended.skspec"

#: The one command that (re)builds the bundled model (``scripts/build_shipped_model.py``
#: runs it and records the expected predictions next to it).
BUNDLED_MODEL_COMMAND = ("skspec train --data all --model svc --target-recall 0.95 "
                         "--cv 3 --random-state 0 --device cpu --quick --overwrite "
                         "-o skspec/datasets/data/model/" + _NAME)


def bundled_model_path() -> Path:
    """Path of the pre-trained model inside the package.

    It is the recommended pipeline (``skspec train --quick``, see
    :data:`BUNDLED_MODEL_COMMAND`) fitted on the bundled spectra, with its
    decision rule (O threshold for recall 0.95 on held-out stars) and
    novelty detector; ``skspec predict`` and
    :func:`~skspec.survey.predict_files` use it when no model is given.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    FileNotFoundError
        When the package was installed without it (rebuild it with
        ``python scripts/build_shipped_model.py``).

    Examples
    --------
    >>> from skspec.survey import BUNDLED_MODEL_COMMAND, bundled_model_path
    >>> bundled_model_path().name  # doctest: +SKIP
    'recommended.skspec'
    >>> BUNDLED_MODEL_COMMAND.split()[:2]
    ['skspec', 'train']
    """
    path = _DIR / _NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"the bundled model {path} is missing from this install: pass a model file "
            "(skspec train -o model.skspec), or rebuild it with "
            "python scripts/build_shipped_model.py")
    return path
