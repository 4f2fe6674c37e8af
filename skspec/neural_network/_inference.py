"""Which module ``RACNetClassifier.predict_proba`` runs: the fast copy or the net itself.

:class:`InferenceRACNet` re-implements :class:`RACNet`'s forward pass, so it is
only a faithful stand-in for a module whose type is exactly ``RACNet`` (a
subclass may change the forward pass, and a RACNet instance may have been
patched). It is used only then, and only after one batch gave the same
probabilities as the module's own forward pass; otherwise prediction runs the
module itself (with a warning when the check failed).

The fast copy and the check's verdict are kept in an :class:`InferenceCache`,
keyed on the module object and on a snapshot of its weights: any change of the
weights (``partial_fit``, ``load_state_dict``, an in-place edit) or of the
device makes the next call build and check a new copy.
"""

from __future__ import annotations

import warnings

import torch

from ._racnet import InferenceRACNet, RACNet

#: Probabilities of the fast copy and of the module's forward may differ by
#: float rounding only (measured below 1e-5 on the bundled data).
CHECK_ATOL = 1e-4
#: Rows of the first batch that the check runs through both modules.
CHECK_ROWS = 8


class InferenceCache:
    """Holds the fast copy of one classifier's module and the check's verdict.

    Never pickled or deep-copied with its contents: a copy starts empty (its
    module is a different object anyway).
    """

    def __init__(self):
        self.entry = None  # (module, weights snapshot, runner)

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.entry = None

    def __deepcopy__(self, memo):
        return InferenceCache()


def _snapshot(module: torch.nn.Module) -> dict:
    return {name: t.detach().clone() for name, t in module.state_dict().items()}


def _same_weights(module: torch.nn.Module, snapshot: dict) -> bool:
    state = module.state_dict()
    if state.keys() != snapshot.keys():
        return False
    return all(
        t.device == s.device and t.dtype == s.dtype and t.shape == s.shape and torch.equal(t, s)
        for t, s in ((state[k], snapshot[k]) for k in state)
    )


def inference_module(module: torch.nn.Module, probe: torch.Tensor, nonlin, cache: InferenceCache | None = None):
    """The module to run for prediction.

    Parameters
    ----------
    module : torch.nn.Module
        The classifier's trained module.
    probe : torch.Tensor
        The first batch to be predicted (on the module's device); its first
        ``CHECK_ROWS`` rows decide whether the fast copy is faithful.
    nonlin : callable
        Turns logits into probabilities (compared with ``CHECK_ATOL``).
    cache : InferenceCache or None
        Where the copy and the verdict are kept between calls.

    Returns
    -------
    module : torch.nn.Module
        An :class:`InferenceRACNet` of ``module`` when ``type(module) is
        RACNet`` and the check passed, else ``module`` in evaluation mode.
    """
    module.eval()
    if type(module) is not RACNet:
        return module
    entry = cache.entry if cache is not None else None  # read once: other threads may replace it
    if entry is not None and entry[0] is module and _same_weights(module, entry[1]):
        return entry[2]
    snapshot = _snapshot(module)
    fast = InferenceRACNet(module)
    rows = probe[:CHECK_ROWS]
    runner = fast
    if len(rows):
        with torch.inference_mode():
            expected = nonlin(module(rows)).float()
            got = nonlin(fast(rows)).float()
        diff = float((expected - got).abs().max())
        if not diff <= CHECK_ATOL:  # NaN too
            warnings.warn(
                f"the fast InferenceRACNet differs from the module's own forward pass by {diff:.3g} "
                f"in probability (more than {CHECK_ATOL}); was the RACNet instance modified? "
                "Predicting with the module itself.",
                RuntimeWarning,
                stacklevel=3,
            )
            runner = module
    else:
        return fast  # nothing to check against; do not cache an unchecked copy
    if cache is not None:
        cache.entry = (module, snapshot, runner)
    return runner
