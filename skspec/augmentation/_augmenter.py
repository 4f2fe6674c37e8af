"""SpectrumAugmenter: every survey effect drawn at random from ranges, in one seeded call."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ..preprocessing._degrade import _resolution_kernel, add_noise
from ..utils._random import SEED_MAX
from ..utils._validation import check_spectra, check_wavelength
from ._bad_pixels import LAMOST_JOIN, _mask_rows
from ._base import C_KMS, check_range
from ._broadening import _check_limb_darkening, _rotate_rows
from ._calibration import _check_order, _distortion
from ._doppler import _shift_rows
from ._extinction import LAWS, _curve, _law_class

__all__ = ["SpectrumAugmenter"]

# every effect draws from its own stream, so switching one on or off never
# changes what the others draw for the same seed
_STREAMS = ("radial_velocity", "vsini", "ebv", "rv", "flux_calibration", "resolution", "snr",
            "bad_pixels")
_NEEDS_GRID = ("radial_velocity", "vsini", "ebv", "flux_calibration", "resolution", "bad_pixels")
_RV_STEP = 0.01  # R(V) draws are rounded to this, so that few curves are evaluated
_LOG_R_STEP = 0.01  # resolving-power draws are rounded to 1 % in log, one kernel each


class SpectrumAugmenter(BaseEstimator):
    """Draw survey effects at random and apply them to library spectra.

    Every call to :meth:`augment` draws, independently for each spectrum,
    one value of each effect that is switched on, from its range, and
    applies the effects in the order light meets them:

    1. ``radial_velocity``: Doppler shift (:func:`doppler_shift`), km/s, uniform;
    2. ``vsini``: rotational broadening (:func:`broaden_rotation`), km/s, uniform;
    3. ``ebv`` (with ``rv`` and ``law``): interstellar reddening
       (:func:`redden`), uniform;
    4. ``flux_calibration``: a smooth multiplicative error of that largest
       fractional amplitude (:func:`distort_calibration`), uniform;
    5. ``resolution``: Gaussian line-spread function of resolving power R
       (the kernel of :func:`skspec.preprocessing.degrade`), uniform;
    6. ``snr``: Gaussian noise of sigma ``median(|flux|) / snr`` (the noise
       of :func:`skspec.preprocessing.degrade`), log-uniform;
    7. ``bad_pixels``: with this probability a spectrum gets a masked run
       inside ``bad_pixel_region``, filled as the readers fill masked
       pixels (:func:`mask_pixels`).

    Each range is ``(low, high)``; a single number fixes the value; None
    switches the effect off. The augmenter learns nothing (there is no
    ``fit``); use it in training only, through :class:`AugmentationSampler`
    or ``RACNetClassifier(augment=...)``, never on the spectra to predict.

    Parameters
    ----------
    wavelength : array-like or Quantity of shape (n_pixels,), default=None
        Grid of the spectra's columns (plain arrays in Angstrom), e.g.
        ``load_obafgkm().wavelength``. Needed by every effect but ``snr``;
        :meth:`augment` can pass it instead.
    ebv : (float, float), float or None, default=(0.0, 2.0)
        Range of the colour excess E(B-V) in magnitudes, >= 0.
    rv : (float, float) or float, default=(3.1, 3.1)
        Range of R(V) = A(V) / E(B-V), inside the law's range; draws are
        rounded to 0.01 and kept inside the range (its ends included).
    law : {"G23", "F99", "CCM89"}, default="G23"
        The ``dust_extinction`` law (see :func:`redden`).
    flux_calibration : (float, float), float or None, default=None
        Range of the largest fractional calibration error, in [0, 1)
        (e.g. ``(0, 0.1)``).
    calibration_order : int, default=3
        Degree of the Legendre series of the calibration error.
    radial_velocity : (float, float), float or None, default=None
        Range of the radial velocity in km/s (e.g. ``(-100, 100)``).
    vsini : (float, float), float or None, default=None
        Range of the projected rotation velocity in km/s, >= 0 (e.g. ``(0, 300)``).
    limb_darkening : float, default=0.6
        Linear limb-darkening coefficient of the rotation kernel.
    resolution : (float, float), float or None, default=None
        Range of the resolving power lambda / FWHM, > 0 (LAMOST: about 1800);
        draws rounded to 1 % and kept inside the range (a single number is
        used as it is).
    input_resolution : float or None, default=None
        Resolving power the spectra already have. The kernel is then the
        difference in quadrature, so the result has the drawn resolving
        power; it must be higher than the range's high end. None treats the
        spectra as infinitely sharp: on spectra at R 1800, a drawn 1500 then
        gives about 1150.
    snr : (float, float), float or None, default=(5.0, 100.0)
        Range of the signal-to-noise ratio per pixel, > 0.
    bad_pixels : float or None, default=None
        Probability in [0, 1] that a spectrum gets a masked run.
    bad_pixel_region : (float, float), default=(5700.0, 5900.0)
        Wavelengths (Angstrom) where a run lies: its two ends are drawn
        uniformly inside this interval (default: LAMOST's arm join).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws. With an int every :meth:`augment` call without
        its own ``random_state`` draws the same values.

    See Also
    --------
    AugmentationSampler : Append augmented copies in an imbalanced-learn pipeline.
    redden, doppler_shift, broaden_rotation, distort_calibration, mask_pixels :
        The single effects.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.augmentation import SpectrumAugmenter
    >>> wave = np.geomspace(3900.0, 7400.0, 300)
    >>> X = np.ones((4, 300), dtype=np.float32)
    >>> aug = SpectrumAugmenter(wave, ebv=(0.5, 1.5), snr=None, random_state=0)
    >>> Xa = aug.augment(X)
    >>> Xa.shape, Xa.dtype
    ((4, 300), dtype('float32'))
    >>> bool((Xa[:, 0] < Xa[:, -1]).all())            # every copy is redder
    True
    >>> np.array_equal(aug.augment(X), Xa)            # the same seed, the same draws
    True
    """

    def __init__(self, wavelength=None, *, ebv=(0.0, 2.0), rv=(3.1, 3.1), law="G23",
                 flux_calibration=None, calibration_order=3, radial_velocity=None, vsini=None,
                 limb_darkening=0.6, resolution=None, input_resolution=None, snr=(5.0, 100.0),
                 bad_pixels=None, bad_pixel_region=LAMOST_JOIN, random_state=None):
        self.wavelength = wavelength
        self.ebv = ebv
        self.rv = rv
        self.law = law
        self.flux_calibration = flux_calibration
        self.calibration_order = calibration_order
        self.radial_velocity = radial_velocity
        self.vsini = vsini
        self.limb_darkening = limb_darkening
        self.resolution = resolution
        self.input_resolution = input_resolution
        self.snr = snr
        self.bad_pixels = bad_pixels
        self.bad_pixel_region = bad_pixel_region
        self.random_state = random_state

    def __setstate__(self, state):
        # a model saved before input_resolution existed (e.g. the bundled one) loads with
        # its default, so that get_params, repr and clone keep working
        super().__setstate__({"input_resolution": None, **state})

    # ---------------------------------------------------------------- checks
    def _ranges(self) -> dict:
        """The checked ranges (None for an effect that is off)."""
        if self.law not in LAWS:
            raise ValueError(f"law must be one of {', '.join(map(repr, LAWS))}; got {self.law!r}")
        ranges = {
            "ebv": check_range(self.ebv, "ebv", low=0.0),
            "flux_calibration": check_range(
                self.flux_calibration, "flux_calibration", low=0.0, high=1.0, high_closed=False),
            "radial_velocity": check_range(
                self.radial_velocity, "radial_velocity", low=-C_KMS, low_closed=False,
                high=C_KMS, high_closed=False),
            "vsini": check_range(self.vsini, "vsini", low=0.0),
            "resolution": check_range(self.resolution, "resolution", low=0.0, low_closed=False),
            "snr": check_range(self.snr, "snr", low=0.0, low_closed=False),
            "bad_pixels": check_range(self.bad_pixels, "bad_pixels", low=0.0, high=1.0),
        }
        if ranges["ebv"] is not None:
            ranges["rv"] = check_range(self.rv, "rv", low=0.0, low_closed=False)
            if ranges["rv"] is None:
                raise ValueError("rv must be a number or a (low, high) range when ebv is on")
            lo, hi = ranges["rv"]
            rv_lo, rv_hi = _law_class(self.law).Rv_range
            if lo < rv_lo or hi > rv_hi:
                raise ValueError(
                    f"rv=({lo:g}, {hi:g}) is outside the R(V) range of law {self.law!r} "
                    f"({rv_lo:g}-{rv_hi:g})"
                )
        if ranges["resolution"] is not None and self.input_resolution is not None:
            r_in, top = self.input_resolution, ranges["resolution"][1]
            if isinstance(r_in, bool) or not isinstance(r_in, Real) or not r_in > top:
                raise ValueError(
                    f"input_resolution={r_in!r} must be a number above the resolution range's "
                    f"high end ({top:g}): convolution cannot sharpen a spectrum"
                )
        if ranges["flux_calibration"] is not None:
            _check_order(self.calibration_order)
        if ranges["vsini"] is not None:
            _check_limb_darkening(self.limb_darkening)
        if ranges["bad_pixels"] is not None:
            if self.bad_pixels is not None and not np.isscalar(self.bad_pixels):
                raise ValueError(f"bad_pixels must be a probability in [0, 1], got {self.bad_pixels!r}")
            ranges["bad_pixel_region"] = check_range(self.bad_pixel_region, "bad_pixel_region")
        return ranges

    def _grid(self, wavelength, n_pixels: int, ranges: dict):
        wavelength = self.wavelength if wavelength is None else wavelength
        needs = [name for name in _NEEDS_GRID if ranges.get(name) is not None]
        if wavelength is None:
            if needs:
                raise ValueError(
                    f"SpectrumAugmenter needs the wavelength grid of X's columns for "
                    f"{', '.join(needs)}: pass wavelength=... (in Angstrom, e.g. "
                    "load_obafgkm().wavelength) or switch those effects off (None)"
                )
            return None
        wave = check_wavelength(wavelength, n_pixels=n_pixels)
        if ranges.get("bad_pixels") is not None:
            lo, hi = ranges["bad_pixel_region"]
            if hi < wave[0] or lo > wave[-1]:
                raise ValueError(
                    f"bad_pixel_region=({lo:g}, {hi:g}) lies outside the wavelength grid "
                    f"({wave[0]:.1f}-{wave[-1]:.1f} A)"
                )
        return wave

    # ----------------------------------------------------------------- draws
    def _draw(self, n: int, ranges: dict, rng) -> dict:
        """Per-spectrum values of every effect that is on (one stream per effect)."""
        seeds = dict(zip(_STREAMS, rng.randint(SEED_MAX, size=len(_STREAMS))))
        draws = {}
        for name in ("radial_velocity", "vsini", "ebv", "flux_calibration", "resolution"):
            if ranges.get(name) is not None:
                draws[name] = np.random.RandomState(seeds[name]).uniform(*ranges[name], size=n)
        if "ebv" in draws:
            rv = np.random.RandomState(seeds["rv"]).uniform(*ranges["rv"], size=n)
            # rounding must not leave the range: 5.6 would become 5.6000000000000005,
            # beyond G23's R(V) limit
            draws["rv"] = np.clip(np.round(rv / _RV_STEP) * _RV_STEP, *ranges["rv"])
        if "flux_calibration" in draws:
            draws["calibration_seed"] = seeds["flux_calibration"]
        if "resolution" in draws:
            log_r = np.round(np.log(draws["resolution"]) / _LOG_R_STEP) * _LOG_R_STEP
            draws["resolution"] = np.clip(np.exp(log_r), *ranges["resolution"])
        if ranges.get("snr") is not None:
            lo, hi = ranges["snr"]
            stream = np.random.RandomState(seeds["snr"])
            draws["snr"] = np.exp(stream.uniform(np.log(lo), np.log(hi), size=n))
            draws["noise_seed"] = int(stream.randint(SEED_MAX))
        if ranges.get("bad_pixels") is not None:
            stream = np.random.RandomState(seeds["bad_pixels"])
            hit = stream.uniform(size=n) < ranges["bad_pixels"][0]
            ends = np.sort(stream.uniform(*ranges["bad_pixel_region"], size=(n, 2)), axis=1)
            draws["bad_pixels"] = hit
            draws["bad_start"], draws["bad_stop"] = ends[:, 0], ends[:, 1]
        return draws

    # ----------------------------------------------------------------- apply
    def augment(self, X, *, wavelength=None, random_state=None):
        """A randomly augmented copy of every spectrum of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Spectra (rows), no NaN: fill bad pixels first.
        wavelength : array-like or Quantity of shape (n_pixels,), default=None
            Grid of ``X``'s columns; overrides the ``wavelength`` parameter.
        random_state : int, RandomState instance or None, default=None
            Seed of this call's draws; None uses the ``random_state`` parameter.
            A classifier that augments every batch passes its own RandomState.

        Returns
        -------
        X_augmented : ndarray of shape (n_spectra, n_pixels)
            A new array of ``X``'s dtype (float32 stays float32; non-float input
            becomes float64).
        """
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"X must be 2-D (n_spectra, n_pixels), got shape {arr.shape}")
        if arr.dtype.kind not in "fiub":
            raise ValueError(f"X must be numeric, got dtype {arr.dtype}")
        dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        out = arr.astype(np.float64)  # always a copy
        check_spectra(out)
        ranges = self._ranges()
        wave = self._grid(wavelength, out.shape[1], ranges)
        rng = check_random_state(self.random_state if random_state is None else random_state)
        n = out.shape[0]
        if n == 0:
            return out.astype(dtype)
        draws = self._draw(n, ranges, rng)
        if "radial_velocity" in draws:
            out = _shift_rows(out, wave, draws["radial_velocity"])
        if "vsini" in draws:
            out = _rotate_rows(out, wave, draws["vsini"], float(self.limb_darkening))
        if "ebv" in draws:
            for rv in np.unique(draws["rv"]):
                rows = draws["rv"] == rv
                k = _curve(wave, float(rv), self.law)
                out[rows] *= 10.0 ** (-0.4 * draws["ebv"][rows, None] * k[None, :])
        if "flux_calibration" in draws:
            out *= _distortion(wave, draws["flux_calibration"], int(self.calibration_order),
                               np.random.RandomState(draws["calibration_seed"]))
        if "resolution" in draws:
            for r in np.unique(draws["resolution"]):
                rows = np.flatnonzero(draws["resolution"] == r)
                kernel = _resolution_kernel(wave, float(r), self.input_resolution)
                out[rows] = np.asarray((kernel @ out[rows].T).T)
        if "snr" in draws:
            out = add_noise(out, draws["snr"], np.random.RandomState(draws["noise_seed"]))
        if "bad_pixels" in draws and draws["bad_pixels"].any():
            rows = np.flatnonzero(draws["bad_pixels"])
            out[rows] = _mask_rows(out[rows], wave, draws["bad_start"][rows],
                                   draws["bad_stop"][rows])
        return out.astype(dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # random by design (seeded)
        return tags
