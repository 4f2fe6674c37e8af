"""``device="auto"`` for skorch nets: let skorch see a concrete device."""

from __future__ import annotations

from contextlib import contextmanager

from ..utils._torch import resolve_device


class _AutoDeviceMixin:
    """Resolve ``device="auto"`` to CUDA or the CPU around skorch's own calls.

    Mixed in before :class:`skorch.NeuralNet`; skorch itself only knows
    concrete devices.
    """

    @contextmanager
    def _auto_device(self):
        """Let skorch see a concrete device while ``device="auto"``."""
        if not (isinstance(self.device, str) and self.device == "auto"):
            yield
            return
        self.device = str(resolve_device("auto"))
        try:
            yield
        finally:
            self.device = "auto"

    def __setstate__(self, state):
        auto = state.get("device") == "auto"
        if auto:
            state["device"] = str(resolve_device("auto"))
        super().__setstate__(state)
        if auto:
            self.device = "auto"

    def load_params(self, *args, **kwargs):
        """See :meth:`skorch.NeuralNet.load_params` (safe ``weights_only`` loading)."""
        with self._auto_device():
            return super().load_params(*args, **kwargs)

    def forward_iter(self, X, training=False, device="cpu"):
        with self._auto_device():
            yield from super().forward_iter(X, training=training, device=device)
