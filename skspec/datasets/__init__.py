"""Bundled real spectra and synthetic spectra for tests and examples."""

from ._base import load_lamost_samples, load_obafgkm, load_ofgk
from ._mkclass import load_mk_standards
from ._real import load_real_spectra
from ._synthetic import make_spectra

__all__ = [
    "load_lamost_samples",
    "load_mk_standards",
    "load_obafgkm",
    "load_ofgk",
    "load_real_spectra",
    "make_spectra",
]
