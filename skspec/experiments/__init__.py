"""Experiments that reproduce (and extend) the paper on the bundled spectra."""

from ._modes import MODES, Settings
from ._reproduce import reproduce

__all__ = ["MODES", "Settings", "reproduce"]
