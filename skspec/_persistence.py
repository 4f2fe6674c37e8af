"""Save and load fitted skspec models without pickle.

A model file is a zip archive holding

- ``manifest.json``: format version, library versions, the estimator tree
  (each step's class path, its ``get_params()`` and its fitted state, as JSON),
  class labels, ``n_features`` and the wavelength grid's description;
- ``arrays.npz``: every numpy array of the fitted state and the wavelength
  grid, read back with ``allow_pickle=False``;
- ``weights/*.pt``: the ``state_dict`` of each torch module of a skorch net,
  read back with ``torch.load(..., weights_only=True)``.

Loading never unpickles anything: classes are looked up by name and only in
the allow-listed packages (:data:`ALLOWED_MODULES`; functions, e.g. a scoring
function, only in :data:`ALLOWED_FUNCTION_MODULES`), arrays cannot hold Python
objects, and torch files may only hold tensors. A file can still combine
allow-listed classes in ways you did not intend: load models you got from
people you trust, as with any model file. The same idea as
:mod:`skops.io`, narrowed to what skspec pipelines hold.

What can be saved: scikit-learn, imbalanced-learn and skspec estimators whose
fitted state is numbers, strings, numpy arrays, lists/tuples/dicts of those
and nested estimators (pipelines, scalers, PCA, linear models, SVMs, LDA, ...),
and skorch nets such as :class:`~skspec.neural_network.RACNetClassifier`.
Estimators holding compiled objects (decision trees and forests, k-d trees of
nearest neighbours) are refused with a clear :class:`TypeError`. Samplers
(LCGAN, SMOTE, ...) act only in ``fit``: they are saved as parameters only.
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import logging
import os
import platform
import re
import sys
import tempfile
import warnings
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ALLOWED_FUNCTION_MODULES", "ALLOWED_MODULES", "FORMAT_VERSION", "load_model", "read_manifest", "save_model"]

logger = logging.getLogger(__name__)

#: Version of the file layout. Bump it when a file written by this version
#: cannot be read by an older one (or the reverse).
FORMAT_VERSION = 1
# skorch parameters rebuilt only for training, never from a model file
_TRAINING_ONLY_PARAMS = ("callbacks", "iterator_train", "iterator_valid", "dataset", "train_split")
# libraries whose major.minor must match for a model to load without a warning
_CHECKED_LIBRARIES = ("sklearn", "imblearn", "skorch", "torch")
_FORMAT = "skspec-model"
_MANIFEST = "manifest.json"
_ARRAYS = "arrays.npz"

#: Packages whose classes (and functions) may be named in a model file.
ALLOWED_MODULES = (
    "skspec",
    "sklearn",
    "imblearn",
    "skorch",
    "torch.nn",
    "torch.optim",
    "torch.utils.data",
)


#: Functions (as opposed to classes) may only come from these: scoring and
#: activation functions that estimators take as parameters.
ALLOWED_FUNCTION_MODULES = (
    "sklearn.metrics",
    "sklearn.feature_selection",
    "skspec.metrics",
    "torch.nn.functional",
)


def _allowed(module: str, allowed=ALLOWED_MODULES) -> bool:
    return any(module == m or module.startswith(m + ".") for m in allowed)


def _ref(obj) -> str:
    """``module:qualname`` of a class or function, if it may be saved."""
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    allowed = ALLOWED_MODULES if inspect.isclass(obj) else ALLOWED_FUNCTION_MODULES
    if module is None or not _allowed(module, allowed) or "." in name or "<" in name:
        raise TypeError(
            f"{obj!r} is not defined at the top level of an allowed package "
            f"({', '.join(allowed)})"
        )
    return f"{module}:{name}"


def _resolve(ref: str):
    """Import the class or function named by ``ref``, only from allowed packages."""
    if not isinstance(ref, str) or ref.count(":") != 1:
        raise ValueError(f"invalid class reference {ref!r} in the model file")
    module, name = ref.split(":")
    if not _allowed(module) or not name.isidentifier():
        raise ValueError(
            f"refusing to load {ref!r}: model files may only name classes from "
            f"{', '.join(ALLOWED_MODULES)} (the file may have been tampered with)"
        )
    obj = getattr(importlib.import_module(module), name, None)
    if inspect.isclass(obj) and _allowed(obj.__module__):
        return obj
    if inspect.isfunction(obj) and _allowed(obj.__module__, ALLOWED_FUNCTION_MODULES):
        return obj
    raise ValueError(f"refusing to load {ref!r}: not an allowed class or function of {module}")


# skorch's own bookkeeping, rebuilt by ``initialize()``
_SKORCH_INTERNALS = frozenset(
    {"callbacks_", "cuda_dependent_attributes_", "history_", "init_context_",
     "initialized_", "prefixes_", "virtual_params_"}
)


def _is_skorch_net(obj) -> bool:
    if "skorch" not in sys.modules:
        return False
    from skorch import NeuralNet

    return isinstance(obj, NeuralNet)


def _is_sampler(obj) -> bool:
    return hasattr(obj, "fit_resample") and not hasattr(obj, "steps")


# --------------------------------------------------------------------------- #
# encoding: Python objects -> JSON nodes (+ arrays and torch blobs on the side)
# --------------------------------------------------------------------------- #
class _Writer:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.blobs: dict[str, bytes] = {}

    def array(self, value: np.ndarray) -> dict:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return {"__array__": key}

    def encode(self, obj, where: str):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, float)) and type(obj) in (int, float):
            return obj
        if isinstance(obj, np.generic) and obj.dtype.kind in "biufcUS":
            return {"__npscalar__": obj.dtype.str, "value": obj.item()}
        if isinstance(obj, np.dtype):
            return {"__dtype__": obj.str}
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind == "O":  # e.g. feature_names_in_: strings only
                items = obj.ravel().tolist()
                if not all(isinstance(i, (str, int, float)) for i in items):
                    raise TypeError(f"{where}: object array holding non-strings cannot be saved")
                return {"__objarray__": items, "shape": list(obj.shape)}
            return self.array(obj)
        if type(obj).__module__ == "torch" and type(obj).__name__ == "Tensor":
            return {"__tensor__": self.array(obj.detach().cpu().numpy())["__array__"]}
        if isinstance(obj, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            if all(isinstance(k, str) for k in obj):
                return {"__dict__": {k: self.encode(v, f"{where}[{k!r}]") for k, v in obj.items()}}
            return {
                "__items__": [
                    [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in obj.items()
                ]
            }
        if inspect.isclass(obj) or inspect.isfunction(obj):
            try:
                return {"__ref__": _ref(obj)}
            except TypeError as exc:
                raise TypeError(f"{where}: {exc}") from None
        if hasattr(obj, "get_params"):
            return self.estimator(obj, where)
        raise TypeError(f"{where}: cannot save an object of type {type(obj).__qualname__}")

    def estimator(self, est, where: str) -> dict:
        try:
            ref = _ref(type(est))
        except TypeError as exc:
            raise TypeError(f"{where}: {exc}") from None
        if _is_skorch_net(est):
            return self.skorch_net(est, ref, where)
        params = est.get_params(deep=False)
        node = {"__estimator__": ref}
        node["params"] = {k: self.encode(v, f"{where}.{k}") for k, v in params.items()}
        if _is_sampler(est):  # acts only in fit: parameters are enough to rebuild it
            node["state"] = None
            return node
        state = {k: v for k, v in vars(est).items() if k not in params}
        node["state"] = {k: self.encode(v, f"{where}.{k}") for k, v in state.items()}
        return node

    def skorch_net(self, net, ref: str, where: str) -> dict:
        import torch

        if not getattr(net, "initialized_", False):
            raise ValueError(f"{where}: the skorch net is not initialized (fit it first)")
        defaults = inspect.signature(type(net)).parameters
        params = {}
        for key, value in net.get_params(deep=False).items():
            if key.startswith("_"):
                continue
            try:
                params[key] = self.encode(value, f"{where}.{key}")
            except TypeError as exc:
                default = defaults.get(key)
                if default is not None and default.default is value:
                    continue  # the class default: rebuilt as is
                warnings.warn(
                    f"{where}.{key}={value!r} is not saved ({exc}); it only matters "
                    "for training, and the loaded net uses the default",
                    UserWarning,
                    stacklevel=4,
                )
        torch_attrs = {f"{n}_" for n in net._modules + net._criteria + net._optimizers}
        state = {}
        for key, value in vars(net).items():
            if not key.endswith("_") or key.startswith("_") or key in torch_attrs:
                continue
            if key in _SKORCH_INTERNALS:
                continue
            try:
                state[key] = self.encode(value, f"{where}.{key}")
            except TypeError:
                logger.debug("not saving %s.%s (%s)", where, key, type(value).__name__)
        weights = {}
        for name in net._modules + net._criteria:
            module = getattr(net, f"{name}_", None)
            if module is None or not hasattr(module, "state_dict"):
                continue
            key = f"weights/{len(self.blobs)}_{name}.pt"
            buffer = io.BytesIO()
            sd = {k: v.detach().cpu() for k, v in module.state_dict().items()}
            torch.save(sd, buffer)
            self.blobs[key] = buffer.getvalue()
            weights[name] = key
        return {"__estimator__": ref, "params": params, "state": state, "weights": weights}


# --------------------------------------------------------------------------- #
# decoding: JSON nodes -> Python objects (allow-listed classes only)
# --------------------------------------------------------------------------- #
class _Reader:
    def __init__(self, arrays, zf: zipfile.ZipFile, device):
        self.arrays, self.zf, self.device = arrays, zf, device

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise ValueError(f"invalid node {node!r} in the model file")
        tag = next(iter(node))
        if tag == "__array__":
            if node[tag] not in self.arrays:
                raise ValueError(f"array {node[tag]!r} is missing from the model file")
            return self.arrays[node[tag]]
        if tag == "__tensor__":
            import torch

            return torch.from_numpy(self.decode({"__array__": node[tag]}).copy())
        if tag == "__npscalar__":
            return np.dtype(node[tag]).type(node["value"])
        if tag == "__dtype__":
            return np.dtype(node[tag])
        if tag == "__objarray__":
            out = np.empty(len(node[tag]), dtype=object)
            out[:] = node[tag]
            return out.reshape(node["shape"])
        if tag == "__tuple__":
            return tuple(self.decode(v) for v in node[tag])
        if tag == "__dict__":
            return {k: self.decode(v) for k, v in node[tag].items()}
        if tag == "__items__":
            return {self.decode(k): self.decode(v) for k, v in node[tag]}
        if tag == "__ref__":
            return _resolve(node[tag])
        if tag == "__estimator__":
            return self.estimator(node)
        raise ValueError(f"unknown entry {tag!r} in the model file")

    def estimator(self, node: dict):
        cls = _resolve(node["__estimator__"])
        if not inspect.isclass(cls) or not hasattr(cls, "get_params"):
            raise ValueError(f"refusing to load {node['__estimator__']!r}: not an estimator")
        raw_params = dict(node.get("params", {}))
        if "weights" in node:
            # training-only parameters whose objects act when the net initialises
            # (a Checkpoint callback creates folders): a loaded net predicts, so
            # they are not rebuilt from the file
            for key in _TRAINING_ONLY_PARAMS:
                raw_params.pop(key, None)
        params = {k: self.decode(v) for k, v in raw_params.items()}
        if "weights" in node:
            return self.skorch_net(cls, params, node)
        est = cls(**params)
        self.set_state(est, node)
        return est

    def set_state(self, est, node: dict) -> None:
        """Restore fitted attributes; a name that would shadow a method is refused."""
        for key, value in (node.get("state") or {}).items():
            if not key.isidentifier() or key.startswith("__") or hasattr(type(est), key):
                raise ValueError(
                    f"refusing to load {node['__estimator__']!r}: {key!r} is not a fitted "
                    "attribute name (the file may have been tampered with)")
            setattr(est, key, self.decode(value))

    def skorch_net(self, cls, params: dict, node: dict):
        import torch

        if self.device is not None:
            params["device"] = self.device
        net = cls(**params)
        self.set_state(net, node)
        net.initialize()
        for name, key in node["weights"].items():
            try:
                raw = self.zf.read(key)
            except KeyError:
                raise ValueError(f"weights {key!r} are missing from the model file") from None
            try:
                state_dict = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
            except Exception as exc:  # UnpicklingError and friends
                raise ValueError(
                    f"refusing to load {key!r}: it holds more than tensors ({exc}); "
                    "the file may have been tampered with"
                ) from None
            getattr(net, f"{name}_").load_state_dict(state_dict)
        self.set_state(net, node)  # initialize may reset some
        return net


# --------------------------------------------------------------------------- #
# public API
# --------------------------------------------------------------------------- #
def _n_features(model) -> int | None:
    n = getattr(model, "n_features_in_", None)
    if n is None and hasattr(model, "steps"):
        n = getattr(model.steps[0][1], "n_features_in_", None)
    return None if n is None else int(n)


def _versions() -> dict[str, str]:
    from . import __version__

    out = {"skspec": __version__, "python": platform.python_version(), "numpy": np.__version__}
    for name in ("sklearn", "imblearn", "torch", "skorch"):
        module = sys.modules.get(name)
        if module is None and name == "sklearn":
            import sklearn as module
        if module is not None:
            out[name] = module.__version__
    return out


def save_model(model, path, *, wavelength=None, overwrite: bool = False) -> Path:
    """Save a fitted model (pipeline or classifier) to one file, without pickle.

    Parameters
    ----------
    model : estimator
        A fitted classifier or (scikit-learn / imbalanced-learn) pipeline
        ending in one, e.g. ``FluxNormalizer -> LCGAN -> RACNetClassifier``.
        Samplers are kept as parameters only (they act only in ``fit``).
    path : str or path-like
        Where to write; ``.skspec`` is a good suffix.
    wavelength : astropy Quantity or array of shape (n_features,), default=None
        The wavelength grid (Angstrom, vacuum) the model was trained on; new
        spectra are resampled onto it before prediction. ``None`` uses the
        model's ``wavelength_`` when it was loaded from a file, else the grid
        of the bundled data (:func:`skspec.datasets.load_obafgkm`).
    overwrite : bool, default=False
        Replace an existing file.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    TypeError
        If part of the model cannot be saved safely (e.g. a decision tree).
    ValueError
        If the model is not fitted or the grid does not match its pixels.

    See Also
    --------
    load_model : read it back.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.neighbors import NearestCentroid
    >>> from sklearn.pipeline import make_pipeline
    >>> from skspec import load_model, save_model
    >>> from skspec.datasets import load_ofgk
    >>> from skspec.preprocessing import FluxNormalizer
    >>> spectra = load_ofgk()
    >>> model = make_pipeline(FluxNormalizer(), NearestCentroid())
    >>> model = model.fit(spectra.data, spectra.target)
    >>> path = os.path.join(tempfile.mkdtemp(), "ofgk.skspec")
    >>> _ = save_model(model, path)
    >>> again = load_model(path)
    >>> bool((again.predict(spectra.data) == model.predict(spectra.data)).all())
    True
    """
    from sklearn.utils.validation import check_is_fitted

    from .utils import check_wavelength

    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists: pass overwrite=True to replace it")
    check_is_fitted(model)
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ValueError("the model has no classes_: save_model saves fitted classifiers")
    n_features = _n_features(model)
    if wavelength is None:
        wavelength = getattr(model, "wavelength_", None)
    if wavelength is None:
        from .datasets import load_obafgkm

        wavelength = load_obafgkm().wavelength
    wavelength = check_wavelength(wavelength)
    if n_features is not None and n_features != wavelength.size:
        raise ValueError(
            f"the model was fitted on {n_features} pixels but the wavelength grid has "
            f"{wavelength.size}: pass the grid it was trained on as wavelength="
        )

    writer = _Writer()
    tree = writer.encode(model, "model")
    manifest = {
        "format": _FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "estimator": tree,
        "classes": np.asarray(classes).tolist(),
        "n_features": int(wavelength.size),
        "wavelength": {"array": "wavelength", "unit": "Angstrom", "medium": "vacuum"},
    }
    writer.arrays["wavelength"] = wavelength

    arrays = io.BytesIO()
    np.savez(arrays, **writer.arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_MANIFEST, json.dumps(manifest, indent=1))
            zf.writestr(_ARRAYS, arrays.getvalue())
            for key, blob in writer.blobs.items():
                zf.writestr(key, blob)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def read_manifest(path) -> dict[str, Any]:
    """The JSON manifest of a model file (versions, classes, grid description).

    Checks that the file is a skspec model of a format version this skspec
    reads; raises :class:`ValueError` saying why otherwise.
    """
    with _open(path) as zf:
        return _manifest(zf, path)


def _open(path) -> zipfile.ZipFile:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError(
            f"{path} is not a skspec model file (not a zip archive; was it written "
            "by skspec.save_model?)"
        ) from None


def _manifest(zf: zipfile.ZipFile, path) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read(_MANIFEST))
    except KeyError:
        raise ValueError(f"{path} is not a skspec model file (no {_MANIFEST})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: {_MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a skspec model file")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        written = manifest.get("versions", {}).get("skspec", "an unknown version")
        from . import __version__

        raise ValueError(
            f"{path} has model format version {version} (written by skspec {written}) "
            f"but skspec {__version__} reads format version {FORMAT_VERSION}: load it "
            f"with skspec {written} and refit, or retrain it with this version"
        )
    _check_versions(manifest.get("versions", {}), path)
    return manifest


def _major_minor(version: str) -> tuple:
    return tuple(re.findall(r"\d+", str(version))[:2])


def _check_versions(written: dict, path) -> None:
    """Refuse a model from another skspec major.minor; warn for its libraries."""
    current = _versions()
    if _major_minor(written.get("skspec", "")) != _major_minor(current["skspec"]):
        raise ValueError(
            f"{path} was written by skspec {written.get('skspec', 'of an unknown version')}, "
            f"this is skspec {current['skspec']}: models are only loaded by the same "
            "major.minor version; retrain it (skspec train) or load it with that version")
    changed = [f"{name} {written[name]} -> {current[name]}" for name in _CHECKED_LIBRARIES
               if name in written and name in current
               and _major_minor(written[name]) != _major_minor(current[name])]
    if changed:
        warnings.warn(
            f"{path} was saved with other library versions ({', '.join(changed)}); "
            "its predictions may differ: check them or retrain", UserWarning, stacklevel=3)


def load_model(path, *, device: str | None = None):
    """Load a model written by :func:`save_model`, without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        The model file.
    device : str, default=None
        For skorch nets, the torch device to put the network on (``"cpu"``,
        ``"cuda"``, ``"auto"``...); ``None`` keeps the saved ``device`` param.

    Returns
    -------
    model : estimator
        The fitted model. It also gets ``wavelength_`` (float64 Angstrom,
        vacuum), the grid it was trained on: spectra given to it must be on
        that grid (:func:`skspec.predict_files` resamples them).

    Raises
    ------
    ValueError
        If the file is not a skspec model, has another format version, names
        a class outside :data:`ALLOWED_MODULES` or holds pickled objects.

    Examples
    --------
    See :func:`save_model`.
    """
    with _open(path) as zf:
        manifest = _manifest(zf, path)
        try:
            with np.load(io.BytesIO(zf.read(_ARRAYS)), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except KeyError:
            raise ValueError(f"{path}: {_ARRAYS} is missing") from None
        except ValueError as exc:  # object arrays need pickle: refused
            raise ValueError(f"refusing to load {path}: {exc}") from None
        model = _Reader(arrays, zf, device).decode(manifest["estimator"])
    if "wavelength" in arrays:
        model.wavelength_ = arrays["wavelength"]
    return model
