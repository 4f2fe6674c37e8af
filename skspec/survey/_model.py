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


def _on_gpu(model, _depth: int = 0) -> bool:
    """Whether a torch module inside ``model`` holds its weights off the CPU.

    Looks through pipelines' steps, meta-estimators' fitted estimators and
    skorch nets' ``module_`` (any attribute holding an estimator, a module or
    a list/tuple/dict of them, a few levels deep). Such a model classifies
    in the process that loaded it (the GPU is there); others classify in
    the worker processes too.
    """
    import sys

    torch = sys.modules.get("torch")
    if torch is None or _depth > 6:
        return False
    if isinstance(model, torch.nn.Module):
        return any(t.device.type != "cpu" for t in (*model.parameters(), *model.buffers()))
    if isinstance(model, dict):
        model = list(model.values())
    if isinstance(model, (list, tuple)):
        parts = model
    elif hasattr(model, "get_params") and hasattr(model, "__dict__"):
        parts = vars(model).values()
    else:  # neither an estimator nor a container: no weights to look for
        return False
    return any(_on_gpu(part, _depth + 1) for part in parts)
