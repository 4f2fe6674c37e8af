"""Physical augmentation: make library spectra look like survey spectra.

Seeded, vectorised transforms of spectra on a known wavelength grid (in
Angstrom): interstellar reddening (``dust_extinction`` laws), ...
"""

from ._extinction import LAWS, deredden, extinction_curve, redden

__all__ = ["LAWS", "deredden", "extinction_curve", "redden"]
