"""Experiments that reproduce (and extend) the paper on the bundled spectra."""

from ._reproduce import MODES, Settings, reproduce

__all__ = ["MODES", "Settings", "reproduce"]
