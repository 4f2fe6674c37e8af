"""``device="auto"`` for skorch nets, without ever rewriting the ``device`` parameter.

skorch reads ``self.device`` wherever it moves a module or a batch and only
knows concrete devices. The public parameter stays what the user gave
(``"auto"``); the device it resolves to is the fitted attribute ``device_``.
Inside :meth:`_AutoDeviceMixin._auto_device` (around fit, prediction and
loading) reads of ``device`` **from the same thread** see ``device_``; every
other thread, ``get_params`` and ``clone`` from outside the block, see the
parameter. Nothing is written, so concurrent ``predict_proba`` calls on one
model (e.g. Dask threads) cannot race.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import torch

from ..utils._torch import resolve_device

# per thread: id(net) -> the device skorch sees inside that net's block (entries
# live only while the block runs, so ids cannot go stale)
_LOCAL = threading.local()


def _active() -> dict:
    nets = getattr(_LOCAL, "nets", None)
    if nets is None:
        nets = _LOCAL.nets = {}
    return nets


def _concrete(device):
    """The device skorch is given for a ``device`` parameter value."""
    if isinstance(device, str) and device == "auto":
        return str(resolve_device("auto"))
    return device


class _AutoDeviceMixin:
    """Resolve ``device="auto"`` to CUDA or the CPU for skorch's own calls.

    Mixed in before :class:`skorch.NeuralNet`. ``device_`` holds the resolved
    device (set when the net is initialised and when it is unpickled).
    """

    @property
    def device(self):
        resolved = _active().get(id(self))
        if resolved is not None:
            return resolved[0]
        return self.__dict__.get("device", "cpu")

    @device.setter
    def device(self, value):
        self.__dict__["device"] = value

    def _resolve_device(self):
        """``device_`` for the current ``device`` parameter."""
        return _concrete(self.__dict__.get("device", "cpu"))

    @contextmanager
    def _auto_device(self):
        """Within the block, this thread's skorch calls see ``device_``."""
        nets = _active()
        key = id(self)
        if key in nets:  # nested
            yield
            return
        param = self.__dict__.get("device", "cpu")
        if not (isinstance(param, str) and param == "auto"):
            yield
            return
        device = getattr(self, "device_", None)
        nets[key] = (device if device is not None else _concrete(param),)
        try:
            yield
        finally:
            del nets[key]

    def _torch_device(self) -> torch.device:
        """The :class:`torch.device` prediction runs on."""
        param = self.__dict__.get("device", "cpu")
        device = param
        if isinstance(param, str) and param == "auto":
            device = getattr(self, "device_", None) or _concrete(param)
        return torch.device(device) if device is not None else torch.device("cpu")

    def __setstate__(self, state):
        # a model pickled on a GPU host: "auto" resolves again where it is loaded
        param = state.get("device")
        auto = isinstance(param, str) and param == "auto"
        if auto:
            state["device"] = _concrete(param)
        super().__setstate__(state)  # skorch maps a missing CUDA to the CPU, with a warning
        self.device_ = self.__dict__.get("device")
        if auto:
            self.__dict__["device"] = "auto"

    def load_params(self, *args, **kwargs):
        """See :meth:`skorch.NeuralNet.load_params` (safe ``weights_only`` loading)."""
        with self._auto_device():
            return super().load_params(*args, **kwargs)

    def forward_iter(self, X, training=False, device="cpu"):
        with self._auto_device():
            yield from super().forward_iter(X, training=training, device=device)
