"""Load the model and the wavelength grid it takes; check that they agree."""

from __future__ import annotations

import os

def _model_and_grid(model, wavelength, device):
    from .._persistence import load_model
    from ..utils import check_wavelength

    if isinstance(model, (str, os.PathLike)):
        model = load_model(model, device=device)
    if wavelength is None:
        wavelength = getattr(model, "wavelength_", None)
    if wavelength is None:
        from ..datasets import load_obafgkm

        wavelength = load_obafgkm().wavelength
    grid = check_wavelength(wavelength, name="wavelength")
    from .._persistence import _n_features

    n_features = _n_features(model)
    if n_features is not None and n_features != grid.size:
        raise ValueError(
            f"the model takes {n_features} pixels but the wavelength grid has {grid.size}: "
            "pass the grid it was trained on as wavelength= (or save it with save_model)"
        )
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ValueError("the model has no classes_: fit it (or load a saved model) first")
    return model, grid, [str(c) for c in classes]
