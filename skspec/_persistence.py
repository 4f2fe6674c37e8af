"""Save and load fitted skspec models without pickle: one file format for every pipeline.

A model file is a zip archive holding

- ``manifest.json``: format, format version, what the file holds (``kind``),
  library versions, creation time, the top-level class, class labels,
  ``n_features`` and the wavelength grid's description;
- ``model.skops``: the estimator tree written by :func:`skops.io.dumps`
  (scikit-learn, imbalanced-learn and skspec estimators, forests and SVMs
  included); each skorch net in it is replaced by a record of its class,
  parameters and fitted attributes, and each torch ``state_dict`` by the name
  of its weights file;
- ``arrays.npz``: the wavelength grid, read back with ``allow_pickle=False``;
- ``weights/*.pt``: the torch ``state_dict`` of each network (the modules of a
  skorch net, the generators of a GAN sampler), read back with
  ``torch.load(..., weights_only=True)``.

Loading never unpickles anything: :func:`skops.io.loads` only builds the types
it is told to trust, and skspec trusts classes of the allow-listed packages
(:data:`ALLOWED_MODULES`) and functions (e.g. a scoring function or a
``sampling_strategy`` callable, which skops stores by module and name) of
:data:`ALLOWED_FUNCTION_MODULES` only; anything else must be named in
``trusted=``. Arrays cannot hold Python objects and torch files may only hold
tensors. A file can still combine allow-listed classes in ways you did not
intend: load models you got from people you trust, as with any model file.

Samplers (LCGAN, SMOTE, ...) inside a pipeline act only in ``fit``: they are
saved as their parameters. A fitted GAN sampler on its own
(:meth:`~skspec.over_sampling.LCGAN.save`) is saved in the same format, with its
generators.
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
import secrets
import sys
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ALLOWED_FUNCTION_MODULES", "ALLOWED_MODULES", "FORMAT_VERSION", "load_model", "read_manifest", "save_model"]

logger = logging.getLogger(__name__)

#: Version of the file layout. Bump it when a file written by this version
#: cannot be read by an older one (or the reverse). 2: the estimator tree is
#: a skops file (1: a JSON tree of our own).
FORMAT_VERSION = 2
# skorch parameters rebuilt only for training, never saved (with their
# ``name__*`` sub-parameters): a loaded net predicts
_TRAINING_ONLY_PARAMS = ("callbacks", "iterator_train", "iterator_valid", "dataset", "train_split")
# libraries whose major.minor must match for a model to load without a warning
_CHECKED_LIBRARIES = ("sklearn", "imblearn", "skorch", "torch", "skops")
_FORMAT = "skspec-model"
_MANIFEST = "manifest.json"
_MODEL = "model.skops"
_ARRAYS = "arrays.npz"
_WEIGHTS = re.compile(r"weights/[0-9]+_[A-Za-z0-9_]+\.pt")

#: Packages whose classes may be named in a model file.
ALLOWED_MODULES = (
    "skspec",
    "sklearn",
    "imblearn",
    "skorch",
    "torch.nn",
    "torch.optim",
    "torch.utils.data",
)

#: Functions (as opposed to classes) may only come from these: scoring,
#: activation and sampling-strategy functions that estimators take as
#: parameters. Other functions load only when named in ``trusted=``.
ALLOWED_FUNCTION_MODULES = (
    "sklearn.metrics",
    "sklearn.feature_selection",
    "skspec.metrics",
    "skspec.over_sampling",
    "skspec.model_selection",
    "skspec.preprocessing",
    "skspec.augmentation",
    "torch.nn.functional",
)

# skorch's own bookkeeping, rebuilt by ``initialize()``
_SKORCH_INTERNALS = frozenset(
    {"callbacks_", "cuda_dependent_attributes_", "history_", "init_context_",
     "initialized_", "prefixes_", "virtual_params_"}
)


def _allowed(module: str, allowed=ALLOWED_MODULES) -> bool:
    return any(module == m or module.startswith(m + ".") for m in allowed)


def _name(obj) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


def _lookup_numpy(name: str):
    """``_lookup`` for numpy's names (``numpy.dtypes.Float64DType``)."""
    module, _, attr = name.rpartition(".")
    if module not in ("numpy", "numpy.dtypes") or not attr.isidentifier():
        return None
    return getattr(importlib.import_module(module), attr, None)


def _lookup(name: str):
    """The class or function ``name`` (``module.qualname``) names, importing only
    modules of the allow-listed packages; None if it names nothing there."""
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        if not _allowed(module_name, ALLOWED_MODULES + ALLOWED_FUNCTION_MODULES):
            return None
        try:
            obj = importlib.import_module(module_name)
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def _class_allowed(cls) -> bool:
    """Classes of the allow-listed packages, and numpy's dtypes and scalar types."""
    if (cls.__module__ or "").split(".")[0] == "numpy":
        return issubclass(cls, (np.generic, np.dtype))
    return _allowed(cls.__module__ or "")


def _type_allowed(name: str) -> bool:
    """Whether skops may build ``name`` without the caller trusting it."""
    obj = _lookup(name) if name.split(".")[0] != "numpy" else _lookup_numpy(name)
    if obj is None or _name(obj) != name:
        return False
    if inspect.isclass(obj):
        return _class_allowed(obj)
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return _allowed(obj.__module__ or "", ALLOWED_FUNCTION_MODULES)
    return False


def _is_skorch_net(obj) -> bool:
    if "skorch" not in sys.modules:
        return False
    from skorch import NeuralNet

    return isinstance(obj, NeuralNet)


def _is_sampler(obj) -> bool:
    return hasattr(obj, "fit_resample") and not hasattr(obj, "steps")


def _is_torch(obj, *names) -> bool:
    if "torch" not in sys.modules:
        return False
    import torch

    classes = {"Tensor": torch.Tensor, "Module": torch.nn.Module, "Optimizer": torch.optim.Optimizer}
    return isinstance(obj, tuple(classes[n] for n in names))


def _is_state_dict(obj) -> bool:
    return (isinstance(obj, Mapping) and len(obj) > 0 and all(isinstance(k, str) for k in obj)
            and all(_is_torch(v, "Tensor") for v in obj.values()))


# --------------------------------------------------------------------------- #
# what model.skops holds in place of torch objects
# --------------------------------------------------------------------------- #
class _SavedNet:
    """A skorch net in ``model.skops``: class, parameters, fitted attributes and
    the weights file of each module (``{"module": "weights/0_module.pt"}``)."""

    def __init__(self, cls, params, state, weights, has_device_, initialized=True):
        self.cls, self.params, self.state = cls, params, state
        self.weights, self.has_device_ = weights, has_device_
        self.initialized = initialized


class _SavedObject:
    """An estimator saved through its ``_skspec_state`` hook (a fitted GAN
    sampler): class and the hook's state, rebuilt by ``_skspec_set_state``."""

    def __init__(self, cls, state):
        self.cls, self.state = cls, state


class _StateDict:
    """A torch ``state_dict`` in ``model.skops``: the name of its weights file."""

    def __init__(self, member):
        self.member = member


# --------------------------------------------------------------------------- #
# saving: a copy of the model with torch objects swapped out, then skops
# --------------------------------------------------------------------------- #
class _Saver:
    def __init__(self, trusted):
        self.blobs: dict[str, bytes] = {}
        self.trusted = set(trusted)

    def walk(self, obj, where: str, top: bool = False):
        if _is_skorch_net(obj):
            return self.net(obj, where)
        if _is_sampler(obj) and not top:  # acts only in fit: its parameters rebuild it
            from sklearn.base import clone

            return self.estimator(clone(obj), where)
        if hasattr(obj, "_skspec_state") and not inspect.isclass(obj):
            return _SavedObject(type(obj), self.walk(obj._skspec_state(), where))
        if _is_state_dict(obj):
            return self.state_dict(obj)
        if _is_torch(obj, "Tensor", "Module", "Optimizer"):
            raise TypeError(f"{where}: a torch {type(obj).__name__} outside a skorch net "
                            "cannot be saved")
        if type(obj) is list:
            return [self.walk(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if type(obj) is tuple:
            return tuple(self.walk(v, f"{where}[{i}]") for i, v in enumerate(obj))
        if type(obj) is dict:
            return {k: self.walk(v, f"{where}[{k!r}]") for k, v in obj.items()}
        if inspect.isclass(obj):
            if obj.__module__ != "builtins" and not _class_allowed(obj):  # int...: skops's rules
                self.check_reference(obj, where, ALLOWED_MODULES, "class")
            return obj
        if inspect.isfunction(obj) or inspect.isbuiltin(obj):
            self.check_reference(obj, where, ALLOWED_FUNCTION_MODULES, "function")
            return obj
        if hasattr(obj, "get_params") and hasattr(obj, "__dict__"):
            return self.estimator(obj, where)
        return obj  # numbers, strings, arrays...: skops's own rules

    def check_reference(self, obj, where, allowed, kind) -> None:
        """Classes and functions are stored by reference (module + name): check
        that one can be imported back, and that loading will trust it."""
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
        name = f"{module}.{qualname}"
        if module in (None, "__main__") or "<" in qualname or "." in qualname:
            raise TypeError(
                f"{where}={obj!r}: a {kind} is saved by reference (module + name), so it "
                "must be defined at the top level of an importable module (not a lambda, "
                "a nested function or __main__)")
        try:
            found = getattr(importlib.import_module(module), qualname, None)
        except ImportError:
            found = None
        if found is not obj:
            raise TypeError(f"{where}={obj!r}: {name} does not import back as the same {kind}")
        if not (_allowed(module, allowed) or name in self.trusted):
            raise TypeError(
                f"{where}={obj!r}: load_model only trusts {kind}s of {', '.join(allowed)}; "
                f"pass trusted=[{name!r}] to save_model, and the same to load_model "
                f"where you load it, if you trust {module}")

    def estimator(self, est, where: str):
        new = type(est).__new__(type(est))
        vars(new).update({k: self.walk(v, f"{where}.{k}") for k, v in vars(est).items()})
        return new

    def net(self, net, where: str) -> _SavedNet:
        params = {}
        for key, value in net.get_params(deep=False).items():
            if key.startswith("_") or any(key == p or key.startswith(p + "__")
                                          for p in _TRAINING_ONLY_PARAMS):
                continue
            if key == "device" and value is not None:
                value = str(value)
            params[key] = self.walk(value, f"{where}.{key}")
        if not getattr(net, "initialized_", False):
            # an unfitted template (a meta-estimator's ``estimator`` parameter): parameters only
            return _SavedNet(type(net), params, {}, {}, False, initialized=False)
        torch_attrs = {f"{n}_" for n in net._modules + net._criteria + net._optimizers}
        state = {}
        for key, value in vars(net).items():
            if (not key.endswith("_") or key.startswith("_") or key in torch_attrs
                    or key in _SKORCH_INTERNALS or key == "device_"):
                continue
            if _is_torch(value, "Module", "Optimizer"):
                logger.debug("not saving %s.%s (%s)", where, key, type(value).__name__)
                continue
            state[key] = self.walk(value, f"{where}.{key}")
        weights = {}
        for name in net._modules + net._criteria:
            module = getattr(net, f"{name}_", None)
            if module is not None and hasattr(module, "state_dict"):
                weights[name] = self.state_dict(module.state_dict(), name).member
        return _SavedNet(type(net), params, state, weights, hasattr(net, "device_"))

    def state_dict(self, sd, name: str = "state") -> _StateDict:
        import torch

        member = f"weights/{len(self.blobs)}_{name}.pt"
        buffer = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in sd.items()}, buffer)
        self.blobs[member] = buffer.getvalue()
        return _StateDict(member)


# --------------------------------------------------------------------------- #
# loading: skops with the trusted types, then the torch objects back in
# --------------------------------------------------------------------------- #
def _resolve_device(device, path) -> str:
    import torch

    if device is None:
        return "cpu"
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device ({exc})") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"cannot load {path} on device={device!r}: torch finds no CUDA device on this "
            "machine; load it on the CPU (device='cpu' or 'auto'; skspec predict --device cpu)")
    return str(resolved)


def _member(zf: zipfile.ZipFile, name: str, path) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise ValueError(f"{path} is damaged or not a skspec model file: {name} is missing") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ValueError(
            f"{path} is damaged ({name} cannot be read: {exc}); copy or save the model "
            "file again") from None


# skops nodes that name a class or function without building an instance of it
_REFERENCE_NODES = ("TypeNode", "FunctionNode")


def _built_by_skops_only(cls) -> bool:
    """Classes that may be *instances* in model.skops. Not torch or skorch objects:
    skorch's ``__setstate__`` unpickles with arguments taken from the state, and
    networks come back only through their weights files."""
    if (cls.__module__ or "").split(".")[0] in ("torch", "skorch"):
        return False
    from skorch import NeuralNet
    import torch

    return not issubclass(cls, (NeuralNet, torch.nn.Module, torch.optim.Optimizer))


def _check_instances(blob: bytes, path) -> None:
    """Refuse a model.skops that would build a torch module or skorch net itself."""
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        schema = json.loads(zf.read("schema.json"))
    stack, names = [schema], set()
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        loader, module, name = (node.get(k) for k in ("__loader__", "__module__", "__class__"))
        if loader not in _REFERENCE_NODES and isinstance(module, str) and isinstance(name, str):
            names.add(f"{module}.{name}")
    for name in sorted(names):
        cls = _lookup(name)
        if inspect.isclass(cls) and not _built_by_skops_only(cls):
            raise ValueError(
                f"refusing to load {path}: model.skops builds a {name} itself; networks "
                "load only through their weights files (the file may have been tampered with)")


def _check_attribute_names(obj, path) -> None:
    """Refuse a fitted attribute that would shadow a method (or a dunder)."""
    cls = type(obj)
    # a constructor parameter may be a property storing into __dict__ (RACNetClassifier.device)
    params = set(inspect.signature(cls.__init__).parameters)
    for key in vars(obj):
        if key in params:
            continue
        attr = inspect.getattr_static(cls, key, None) if isinstance(key, str) else None
        if (not isinstance(key, str) or not key.isidentifier() or key.startswith("__")
                or inspect.isroutine(attr) or isinstance(attr, property)):
            raise ValueError(
                f"refusing to load {path}: {key!r} of {_name(cls)} is not a fitted attribute "
                "name (the file may have been tampered with)")


class _Restorer:
    def __init__(self, zf, path, device):
        self.zf, self.path, self.device = zf, path, device
        self._resolved = None

    def resolved_device(self) -> str:
        if self._resolved is None:
            self._resolved = _resolve_device(self.device, self.path)
        return self._resolved

    def walk(self, obj):
        if isinstance(obj, _SavedNet):
            return self.net(obj)
        if isinstance(obj, _SavedObject):
            return self.hooked(obj)
        if isinstance(obj, _StateDict):
            return self.state_dict(obj.member)
        if type(obj) is list:
            return [self.walk(v) for v in obj]
        if type(obj) is tuple:
            return tuple(self.walk(v) for v in obj)
        if type(obj) is dict:
            return {k: self.walk(v) for k, v in obj.items()}
        if hasattr(obj, "get_params") and hasattr(obj, "__dict__") and not inspect.isclass(obj):
            _check_attribute_names(obj, self.path)
            for key, value in vars(obj).items():
                vars(obj)[key] = self.walk(value)
        return obj

    def state_dict(self, member):
        import torch

        if not isinstance(member, str) or not _WEIGHTS.fullmatch(member):
            raise ValueError(f"refusing to load {self.path}: {member!r} is not a weights file name")
        raw = _member(self.zf, member, self.path)
        try:
            return torch.load(io.BytesIO(raw), map_location=self.resolved_device(), weights_only=True)
        except Exception as exc:  # UnpicklingError and friends
            raise ValueError(
                f"refusing to load {member!r} of {self.path}: it holds more than tensors "
                f"({exc}); the file may have been tampered with") from None

    def hooked(self, record: _SavedObject):
        cls = record.cls
        if not (inspect.isclass(cls) and hasattr(cls, "_skspec_set_state")):
            raise ValueError(f"refusing to load {self.path}: {cls!r} has no _skspec_set_state")
        obj = cls.__new__(cls)
        try:
            obj._skspec_set_state(self.walk(record.state))
        except (RuntimeError, KeyError) as exc:  # weights of the wrong shape or names
            raise ValueError(f"{self.path}: the saved weights do not fit {_name(cls)} "
                             f"({str(exc).splitlines()[0]})") from None
        return obj

    def net(self, record: _SavedNet):
        from skorch import NeuralNet

        cls = record.cls
        if not (inspect.isclass(cls) and issubclass(cls, NeuralNet)):
            raise ValueError(f"refusing to load {self.path}: {cls!r} is not a skorch net")
        params = self.walk(dict(record.params))
        if not getattr(record, "initialized", True):  # an unfitted template: as saved
            if record.state or record.weights:
                raise ValueError(f"refusing to load {self.path}: an unfitted {_name(cls)} "
                                 "with weights (the file may have been tampered with)")
            return cls(**params)
        params["device"] = self.resolved_device()
        net = cls(**params)
        state = self.walk(dict(record.state))

        def set_state():
            for key, value in state.items():
                setattr(net, key, value)
            _check_attribute_names(net, self.path)

        set_state()
        net.initialize()
        allowed = set(net._modules + net._criteria)
        for name, member in record.weights.items():
            if name not in allowed:
                raise ValueError(f"refusing to load {self.path}: {name!r} is not a module of "
                                 f"{_name(cls)}")
            module = getattr(net, f"{name}_")
            try:
                module.load_state_dict(self.state_dict(member))
            except RuntimeError as exc:
                first = str(exc).strip().splitlines()
                raise ValueError(
                    f"{self.path}: the weights in {member} do not fit the {name} that "
                    f"{_name(cls)} builds from the saved parameters ({' '.join(first[:2])}); "
                    "the file is damaged or was edited") from None
        set_state()  # initialize may reset some
        if record.has_device_:
            net.device_ = params["device"]
        return net


# --------------------------------------------------------------------------- #
# public API
# --------------------------------------------------------------------------- #
def _n_features(model) -> int | None:
    """Pixels the model takes: ``n_features_in_`` of the model or of its first step
    that is not ``"passthrough"``; None when that step does not say."""
    n = getattr(model, "n_features_in_", None)
    if n is None and hasattr(model, "steps"):
        steps = [s for _, s in model.steps if s not in (None, "passthrough")]
        n = getattr(steps[0], "n_features_in_", None) if steps else None
    return None if n is None else int(n)


def _versions() -> dict[str, str]:
    from . import __version__

    out = {"skspec": __version__, "python": platform.python_version(), "numpy": np.__version__}
    import skops
    import sklearn

    out["sklearn"], out["skops"] = sklearn.__version__, skops.__version__
    for name in ("imblearn", "torch", "skorch"):
        module = sys.modules.get(name)
        if module is not None:
            out[name] = module.__version__
    return out


def _grid_of(model):
    """The grid the model's input pixels are on: ``wavelength_`` of a loaded model,
    or the input grid of a fitted :class:`~skspec.preprocessing.WavelengthResampler`
    first step; None when the model does not say."""
    grid = getattr(model, "wavelength_", None)
    if grid is not None:
        return grid
    first = model.steps[0][1] if hasattr(model, "steps") else model
    return getattr(first, "wavelength_in_", None)


def _check_output(path, overwrite: bool) -> Path:
    """Refuse an output path that :func:`save_model` could not (or may not) write.

    Checked before a long fit (``skspec train``) as well as when saving.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory: give the model file's name, "
                                f"e.g. {path / 'model.skspec'}")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise FileExistsError(f"{path} exists: pass overwrite=True (skspec train: "
                              "--overwrite) to replace it")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(f"cannot write {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write {path}: no permission to write in {parent}")
    return path


def _write(path, members: dict[str, bytes], overwrite: bool) -> Path:
    """Write a zip of ``members`` at ``path`` atomically, with the umask's mode."""
    path = _check_output(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # os.open applies the umask as for any new file (mkstemp would force 0600)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
        if overwrite:
            os.replace(tmp, path)
        else:  # a link fails if another writer created path meanwhile
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise FileExistsError(f"{path} exists: pass overwrite=True to replace it") from None
            except OSError:  # no hard links here
                if path.exists():
                    raise FileExistsError(f"{path} exists: pass overwrite=True to replace it") from None
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _dump(obj, path, manifest: dict, *, overwrite: bool, trusted, wavelength=None,
          estimator=None) -> Path:
    import skops.io

    saver = _Saver(trusted or ())
    tree = saver.walk(obj, "model", top=True)
    blob = skops.io.dumps(tree)
    refused = [t for t in skops.io.get_untrusted_types(data=blob)
               if not _type_allowed(t) and t not in saver.trusted]
    if refused:
        raise TypeError(
            f"cannot save the model safely: load_model would refuse {', '.join(refused)} "
            f"(only classes of {', '.join(ALLOWED_MODULES)} and functions of "
            f"{', '.join(ALLOWED_FUNCTION_MODULES)} load without trusted=)")
    manifest = {
        "format": _FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "estimator": _name(type(obj if estimator is None else estimator)),
        **manifest,
    }
    arrays = io.BytesIO()
    np.savez(arrays, **({} if wavelength is None else {"wavelength": wavelength}))
    members = {_MANIFEST: json.dumps(manifest, indent=1).encode(), _MODEL: blob,
               _ARRAYS: arrays.getvalue(), **saver.blobs}
    return _write(path, members, overwrite)


def save_model(model, path, *, wavelength=None, novelty=None, metadata=None,
               overwrite: bool = False, trusted=None) -> Path:
    """Save a fitted model (pipeline or classifier) to one file, without pickle.

    Parameters
    ----------
    model : estimator
        A fitted classifier or (scikit-learn / imbalanced-learn) pipeline
        ending in one, e.g. ``FluxNormalizer -> LCGAN -> RACNetClassifier`` or
        ``FluxNormalizer -> RandomForestClassifier``. Samplers are kept as
        parameters only (they act only in ``fit``).
    path : str or path-like
        Where to write; ``.skspec`` is a good suffix.
    wavelength : astropy Quantity or array of shape (n_features,), default=None
        The wavelength grid (Angstrom, vacuum) the model was trained on; new
        spectra are resampled onto it before prediction. ``None`` takes it from
        the model: its ``wavelength_`` when it was loaded from a file, or the
        input grid of a fitted :class:`~skspec.preprocessing.WavelengthResampler`
        first step; otherwise passing it is required.
    novelty : fitted :class:`~skspec.candidates.NoveltyDetector`, default=None
        A "none of the above" detector fitted on the same grid, stored in the
        same file; :func:`load_model` attaches it to the model as
        ``novelty_`` (``skspec train`` stores one; :func:`skspec.survey.predict_files`
        then fills the catalogue's ``novelty`` and ``unknown`` columns).
    metadata : dict, default=None
        JSON-serialisable notes kept in the manifest as ``"metadata"`` (e.g.
        ``skspec train`` records its command line as ``"command"``); read
        them with ``skspec._persistence.read_manifest``.
    overwrite : bool, default=False
        Replace an existing file.
    trusted : list of str, default=None
        Functions outside :data:`ALLOWED_FUNCTION_MODULES` that the model
        holds (e.g. your own ``sampling_strategy`` function,
        ``"mymodule.one_and_a_half_o"``): functions are saved by reference
        (module and name), and :func:`load_model` only calls them back when
        given the same ``trusted``.

    Returns
    -------
    path : pathlib.Path
        The file written (with the permissions the umask gives new files).

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    IsADirectoryError
        If ``path`` is a directory.
    TypeError
        If part of the model cannot be saved safely (a lambda, a function
        neither allow-listed nor in ``trusted``, a torch module outside a
        skorch net).
    ValueError
        If the model is not fitted, the grid is missing or does not match its
        pixels.

    See Also
    --------
    load_model : read it back.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from skspec import load_model, save_model
    >>> from skspec.datasets import load_ofgk
    >>> from skspec.preprocessing import FluxNormalizer
    >>> spectra = load_ofgk()
    >>> model = make_pipeline(FluxNormalizer(), RandomForestClassifier(10, random_state=0))
    >>> model = model.fit(spectra.data, spectra.target)
    >>> path = os.path.join(tempfile.mkdtemp(), "ofgk.skspec")
    >>> _ = save_model(model, path, wavelength=spectra.wavelength)
    >>> again = load_model(path)
    >>> bool((again.predict(spectra.data) == model.predict(spectra.data)).all())
    True
    """
    from sklearn.utils.validation import check_is_fitted

    from .utils import check_wavelength

    _check_output(path, overwrite)
    check_is_fitted(model)
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ValueError("the model has no classes_: save_model saves fitted classifiers")
    n_features = _n_features(model)
    if n_features is None:
        raise ValueError(
            "cannot tell how many pixels the model takes (its first step has no "
            "n_features_in_), so its wavelength grid cannot be checked: fit it on arrays")
    if wavelength is None:
        wavelength = _grid_of(model)
    if wavelength is None:
        raise ValueError(
            f"the model takes {n_features} pixels on a grid it does not record: pass the "
            "grid it was trained on as wavelength= (e.g. spectra.wavelength), or make a "
            "fitted WavelengthResampler its first step")
    wavelength = check_wavelength(wavelength)
    if n_features != wavelength.size:
        raise ValueError(
            f"the model was fitted on {n_features} pixels but the wavelength grid has "
            f"{wavelength.size}: pass the grid it was trained on as wavelength=")
    manifest = {
        "kind": "classifier",
        "classes": np.asarray(classes).tolist(),
        "n_features": int(wavelength.size),
        "wavelength": {"array": "wavelength", "unit": "Angstrom", "medium": "vacuum"},
    }
    if metadata is not None:
        try:
            manifest["metadata"] = json.loads(json.dumps(dict(metadata)))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"metadata must be a JSON-serialisable dict ({exc})") from None
    obj = model
    if novelty is not None:
        from .candidates import NoveltyDetector

        if not isinstance(novelty, NoveltyDetector):
            raise TypeError(f"novelty must be a fitted NoveltyDetector, got "
                            f"{type(novelty).__name__}")
        check_is_fitted(novelty)
        if novelty.n_features_in_ != wavelength.size:
            raise ValueError(f"the novelty detector takes {novelty.n_features_in_} pixels but "
                             f"the model's grid has {wavelength.size}")
        obj = {"model": model, "novelty": novelty}
        manifest["novelty"] = _name(NoveltyDetector)
    return _dump(obj, path, manifest, overwrite=overwrite, trusted=trusted,
                 wavelength=wavelength, estimator=model)


def _save_sampler(sampler, path, *, overwrite: bool = False, trusted=None) -> Path:
    """Write a fitted sampler (a GAN's generators included) in the model format."""
    manifest = {"kind": "sampler", "classes": None,
                "n_features": int(sampler.n_features_in_), "wavelength": None}
    return _dump(sampler, path, manifest, overwrite=overwrite, trusted=trusted)


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
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(
            f"{path} is not a skspec model file (not a readable zip archive: {exc}; was it "
            "written by skspec.save_model, and copied whole?)"
        ) from None


def _manifest(zf: zipfile.ZipFile, path) -> dict[str, Any]:
    if _MANIFEST not in zf.namelist():
        raise ValueError(f"{path} is not a skspec model file (no {_MANIFEST})")
    try:
        manifest = json.loads(_member(zf, _MANIFEST, path))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
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
            "its predictions may differ: check them or retrain", UserWarning, stacklevel=4)


def _read(path, *, device, trusted):
    """(object, manifest) of a model file; see :func:`load_model`."""
    import skops.io

    with _open(path) as zf:
        manifest = _manifest(zf, path)
        blob = _member(zf, _MODEL, path)
        try:
            untrusted = skops.io.get_untrusted_types(data=blob)
        except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError) as exc:
            raise ValueError(f"{path} is damaged ({_MODEL} cannot be read: {exc})") from None
        trusted = set(trusted or ())
        refused = [t for t in untrusted if not _type_allowed(t) and t not in trusted]
        if refused:
            raise ValueError(
                f"refusing to load {path}: it names {', '.join(refused)}, which are not "
                f"classes of {', '.join(ALLOWED_MODULES)} nor functions of "
                f"{', '.join(ALLOWED_FUNCTION_MODULES)} (the file may have been tampered "
                "with); if you wrote it and trust them, pass trusted=[...] with those names")
        try:
            _check_instances(blob, path)
            obj = skops.io.loads(blob, trusted=untrusted)
        except (zipfile.BadZipFile, zlib.error, KeyError, EOFError) as exc:
            raise ValueError(f"{path} is damaged ({_MODEL} cannot be read: {exc})") from None
        obj = _Restorer(zf, path, device).walk(obj)
        try:
            with np.load(io.BytesIO(_member(zf, _ARRAYS, path)), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except ValueError as exc:  # object arrays need pickle: refused
            raise ValueError(f"refusing to load {path}: {exc}") from None
    return obj, manifest, arrays


def _cross_check(model, manifest: dict, arrays: dict, path) -> np.ndarray:
    """The manifest, the grid and the model must agree."""
    grid = arrays.get("wavelength")
    if grid is None:
        raise ValueError(f"{path}: {_ARRAYS} holds no wavelength grid")
    grid = np.asarray(grid)
    if (grid.ndim != 1 or grid.dtype.kind != "f" or not np.all(np.isfinite(grid))
            or grid.size < 2 or not np.all(np.diff(grid) > 0) or grid[0] <= 0):
        raise ValueError(f"{path}: the saved wavelength grid is not a strictly increasing "
                         "1-d array of positive wavelengths (the file is damaged or was edited)")
    n_model = _n_features(model)
    if manifest.get("n_features") != grid.size or (n_model is not None and n_model != grid.size):
        raise ValueError(
            f"{path}: the manifest says n_features={manifest.get('n_features')}, the grid has "
            f"{grid.size} pixels and the model takes {n_model} (the file is damaged or was edited)")
    classes = getattr(model, "classes_", None)
    saved = manifest.get("classes")
    if classes is None or saved != np.asarray(classes).tolist():
        raise ValueError(
            f"{path}: the manifest's classes {saved} are not the model's "
            f"{None if classes is None else np.asarray(classes).tolist()} (the file is damaged "
            "or was edited)")
    return grid


def load_model(path, *, device: str | None = None, trusted=None):
    """Load a model written by :func:`save_model`, without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        The model file.
    device : str, default=None
        For skorch nets, the torch device to put the network on. ``None``
        (default) loads it on the CPU whatever device it was trained on, so a
        model trained on a GPU loads anywhere; ``"auto"`` takes CUDA when
        there is one; ``"cuda"`` / ``"cuda:1"`` asks for that device.
    trusted : list of str, default=None
        Functions outside :data:`ALLOWED_FUNCTION_MODULES` (by
        ``"module.name"``) that you trust the file to name, e.g. your own
        ``sampling_strategy`` function; the error for an untrusted one lists
        the names.

    Returns
    -------
    model : estimator
        The fitted model. It also gets ``wavelength_`` (float64 Angstrom,
        vacuum), the grid it was trained on: spectra given to it must be on
        that grid (:func:`skspec.predict_files` resamples them). A file saved
        with ``novelty=`` gives the model ``novelty_``, the fitted
        :class:`~skspec.candidates.NoveltyDetector`.

    Raises
    ------
    ValueError
        If the file is not a skspec model, is damaged, has another format
        version, was written by another skspec major.minor, names a class or
        function that is not trusted, holds pickled objects, or its manifest,
        grid and model disagree; or ``device`` asks for CUDA where there is
        none.

    Examples
    --------
    See :func:`save_model`.
    """
    model, manifest, arrays = _read(path, device=device, trusted=trusted)
    if manifest.get("kind", "classifier") != "classifier":
        name = type(model).__name__
        raise ValueError(f"{path} holds a {name} ({manifest.get('kind')}), not a classifier: "
                         f"load it with {name}.load()")
    novelty = None
    if "novelty" in manifest:
        from .candidates import NoveltyDetector

        if (type(model) is not dict or set(model) != {"model", "novelty"}
                or not isinstance(model["novelty"], NoveltyDetector)):
            raise ValueError(f"{path}: the manifest names a novelty detector that the file "
                             "does not hold (the file is damaged or was edited)")
        model, novelty = model["model"], model["novelty"]
    elif type(model) is dict:
        raise ValueError(f"{path}: the file holds no model (the file is damaged or was edited)")
    model.wavelength_ = _cross_check(model, manifest, arrays, path)
    if novelty is not None:
        if getattr(novelty, "n_features_in_", None) != model.wavelength_.size:
            raise ValueError(f"{path}: the novelty detector does not take the model's "
                             f"{model.wavelength_.size} pixels (the file is damaged or was edited)")
        model.novelty_ = novelty
    return model


def _load_sampler(path, cls, *, trusted=None):
    """Read a sampler written by :func:`_save_sampler`; it must be a ``cls``."""
    sampler, manifest, _ = _read(path, device=None, trusted=trusted)
    if manifest.get("kind") != "sampler" or not isinstance(sampler, cls):
        held = type(sampler).__name__ if manifest.get("kind") == "sampler" else "classifier"
        raise ValueError(f"{path} holds a {held}, not a {cls.__name__}")
    if manifest.get("n_features") != getattr(sampler, "n_features_in_", None):
        raise ValueError(f"{path}: the manifest's n_features is not the sampler's "
                         "(the file is damaged or was edited)")
    return sampler
