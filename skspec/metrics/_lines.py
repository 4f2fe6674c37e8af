"""Equivalent widths of the lines that tell O stars apart: real versus generated, and per spectrum."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from ..io._base import air_to_vacuum
from ..utils._validation import check_wavelength

__all__ = [
    "O_B_CRITERIA",
    "O_STAR_LINES",
    "LineMeasurements",
    "compare_equivalent_widths",
    "equivalent_widths",
    "estimate_o_subtype",
    "line_flags",
    "measure_lines",
]


# name: (air wavelength in Angstrom, half-width of the line window in Angstrom)
_AIR = {  # in order of wavelength
    "H gamma": (4340.47, 15.0),
    "He I 4471": (4471.48, 6.0),
    "He II 4541": (4541.59, 6.0),
    "He II 4686": (4685.71, 6.0),
    "H beta": (4861.33, 15.0),
    "He I 4922": (4921.93, 6.0),
}
#: The lines that tell O stars apart: vacuum centre (Angstrom) and half-width of
#: the line window. He II 4541/4686 appear only in O stars; He I 4471/4922 peak
#: in B stars; the Balmer lines H gamma and H beta are strong in both. The one
#: table used by the equivalent widths and by :mod:`skspec.plotting`.
O_STAR_LINES = {name: (round(float(air_to_vacuum(air)), 2), hw) for name, (air, hw) in _AIR.items()}


def _resolve_lines(lines):
    if lines is None:
        return dict(O_STAR_LINES)
    if isinstance(lines, dict):
        return {str(k): (float(c), float(h)) for k, (c, h) in lines.items()}
    unknown = [name for name in lines if name not in O_STAR_LINES]
    if unknown:
        raise ValueError(f"unknown lines {unknown}; known: {list(O_STAR_LINES)} (or pass a dict)")
    return {name: O_STAR_LINES[name] for name in lines}


@validate_params(
    {
        "X": ["array-like"],
        "wavelength": "no_validation",
        "lines": [list, tuple, dict, None],
        "band": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def equivalent_widths(X, wavelength, *, lines=None, band=10.0) -> dict:
    """Equivalent width of each line in each spectrum, with a local linear continuum.

    For a line at vacuum centre ``c`` with window half-width ``h``, the
    continuum is a straight line fitted (least squares, per spectrum) to the
    pixels of the side bands ``[c - h - band, c - h)`` and ``(c + h, c + h +
    band]``, and ``EW = sum((1 - F / F_cont) * pixel_width)`` over ``[c - h, c
    + h]``. Positive for absorption, negative for emission, in Angstrom. This
    is a pseudo-EW for comparing sets of spectra (real against generated),
    not a calibrated abundance measure: blends inside the window count, and
    so do lines in the side bands. With the default ``band`` two of them
    sit in a red band: Si III 4553 next to He II 4541 and Mg II 4481 next to
    He I 4471, so a B star without He II gets a negative He II 4541 width
    (-0.16 A on average over the MKCLASS B standards). To classify O against
    B use :func:`measure_lines`, whose bands avoid them. NaN where the
    fitted continuum is not positive under the window.

    Parameters
    ----------
    X : array-like of shape (n_spectra, n_pixels)
        Flux (any normalisation; the continuum fit removes the scale).
    wavelength : array-like or Quantity of shape (n_pixels,)
        Vacuum wavelengths (Angstrom when unitless).
    lines : list of names, dict or None, default=None
        Names from :data:`O_STAR_LINES` (He II 4541, He II 4686, He I 4471,
        He I 4922, H beta, H gamma; None: all) or a dict ``name: (vacuum
        centre, half-width)`` in Angstrom.
    band : float, default=10.0
        Width of each continuum side band in Angstrom.

    Returns
    -------
    widths : dict of str to ndarray of shape (n_spectra,)

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import equivalent_widths
    >>> wave = np.linspace(4400, 4550, 1500)
    >>> flux = 1 - 0.5 * np.exp(-0.5 * ((wave - 4472.73) / 1.2) ** 2)
    >>> ew = equivalent_widths(flux[None, :], wave, lines=["He I 4471"])
    >>> round(float(ew["He I 4471"][0]), 2)  # 0.5 * 1.2 * sqrt(2 pi)
    1.5
    """
    X = check_array(X, dtype=np.float64)
    wave = check_wavelength(wavelength, n_pixels=X.shape[1])
    width = np.gradient(wave)
    good = np.ones(X.shape, dtype=bool)
    out = {}
    for name, (centre, half) in _resolve_lines(lines).items():
        lo, hi = centre - half, centre + half
        if lo - band < wave[0] or hi + band > wave[-1]:
            raise ValueError(
                f"line {name!r} needs {lo - band:.1f} to {hi + band:.1f} A, the grid covers "
                f"{wave[0]:.1f} to {wave[-1]:.1f} A"
            )
        n_blue = np.count_nonzero((wave >= lo - band) & (wave < lo))
        n_red = np.count_nonzero((wave > hi) & (wave <= hi + band))
        if min(n_blue, n_red) < 2 or not ((wave >= lo) & (wave <= hi)).any():
            raise ValueError(f"line {name!r}: too few pixels in the window or side bands "
                             f"(two per band needed, {n_blue} blue and {n_red} red)")
        # measure_lines' one implementation, with side bands that stop short of the window
        blue, red = (lo - band, np.nextafter(lo, -np.inf)), (np.nextafter(hi, np.inf), hi + band)
        out[name] = _measure_one_line(X, good, None, wave, width, centre, half, blue, red, 1.0)[0]
    return out


@validate_params(
    {
        "X_real": ["array-like"],
        "X_generated": ["array-like"],
        "wavelength": "no_validation",
        "lines": [list, tuple, dict, None],
        "band": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def compare_equivalent_widths(X_real, X_generated, wavelength, *, lines=None, band=10.0) -> dict:
    """Mean and spread of each line's equivalent width, real against generated.

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_pixels)
        Real spectra of the class.
    X_generated : array-like of shape (n_generated, n_pixels)
        Generated spectra of the class.
    wavelength : array-like or Quantity of shape (n_pixels,)
        Vacuum wavelengths.
    lines : list of names, dict or None, default=None
        See :func:`equivalent_widths`.
    band : float, default=10.0
        Continuum side-band width in Angstrom.

    Returns
    -------
    table : dict
        One entry per line: ``real_mean``, ``real_std``, ``generated_mean``,
        ``generated_std`` (Angstrom) and ``standardised_difference`` =
        (generated mean - real mean) / real std (NaN if the real std is 0).
        Plain floats, ready for JSON.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import compare_equivalent_widths
    >>> wave = np.linspace(4400, 4550, 1500)
    >>> depth = np.random.default_rng(0).uniform(0.3, 0.6, (20, 1))
    >>> flux = 1 - depth * np.exp(-0.5 * ((wave - 4472.73) / 1.2) ** 2)
    >>> table = compare_equivalent_widths(flux, flux, wave, lines=["He I 4471"])
    >>> table["He I 4471"]["standardised_difference"]
    0.0
    """
    real = equivalent_widths(X_real, wavelength, lines=lines, band=band)
    gen = equivalent_widths(X_generated, wavelength, lines=lines, band=band)
    table = {}
    for name in real:
        r, g = real[name], gen[name]
        r_std = float(np.std(r, ddof=1)) if len(r) > 1 else float("nan")
        table[name] = {
            "real_mean": float(np.mean(r)),
            "real_std": r_std,
            "generated_mean": float(np.mean(g)),
            "generated_std": float(np.std(g, ddof=1)) if len(g) > 1 else float("nan"),
            "standardised_difference": (
                float((np.mean(g) - np.mean(r)) / r_std) if r_std > 0 else float("nan")
            ),
        }
    return table


# --------------------------------------------------------------------------- O/B criteria
# name: (air centre, half-width of the line window, blue continuum band, red continuum band),
# all in air Angstrom. The bands are chosen to avoid the neighbouring criterion lines at
# R ~ 1,200-2,000 (Si III 4552/4568/4575 next to He II 4541, Mg II 4481 next to He I 4471,
# He I 4713 and O II 4676/4699/4705 next to He II 4686; chosen on the MKCLASS B1-B5
# standards, where He II is absent, so that its measured EW stays within about 0.1 A of 0);
# those near a Balmer line (Si IV 4089 on the H delta wing) sit on its wing, which the
# linear continuum follows only roughly.
_CRITERIA_AIR = {
    "He I 4026": (4026.19, 5.0, (3995.0, 4004.0), (4040.0, 4050.0)),
    "Si IV 4089": (4088.86, 3.0, (4072.0, 4083.0), (4093.0, 4097.0)),
    "He I 4144": (4143.76, 4.0, (4128.0, 4137.0), (4150.0, 4160.0)),
    "He II 4200": (4199.83, 4.0, (4180.0, 4192.0), (4206.0, 4216.0)),
    "He I 4388": (4387.93, 4.0, (4374.0, 4381.0), (4395.0, 4405.0)),
    "He I 4471": (4471.48, 4.0, (4455.0, 4465.0), (4490.0, 4500.0)),
    "Mg II 4481": (4481.13, 3.0, (4455.0, 4465.0), (4490.0, 4500.0)),
    "He II 4541": (4541.59, 4.0, (4505.0, 4515.0), (4580.0, 4590.0)),
    "Si III 4552": (4552.62, 3.0, (4526.0, 4535.0), (4580.0, 4590.0)),
    "He II 4686": (4685.71, 5.0, (4664.0, 4672.0), (4691.0, 4697.0)),
    "H beta": (4861.33, 15.0, (4820.0, 4835.0), (4885.0, 4900.0)),
    "He I 4922": (4921.93, 5.0, (4900.0, 4908.0), (4935.0, 4945.0)),
}


def _vacuum(air: float) -> float:
    return round(float(air_to_vacuum(air)), 2)


#: The classical O/B classification lines (Walborn & Fitzpatrick 1990; Gray &
#: Corbally 2009) with the windows :func:`measure_lines` uses: for each name a
#: tuple ``(vacuum centre, half-width, (blue band), (red band))`` in Angstrom,
#: the bands being the pixels a straight continuum is fitted to. He II 4200,
#: 4541 and 4686 appear only in O stars; He I 4026, 4144, 4388, 4471 and 4922
#: peak near B2; Si III 4552 and Mg II 4481 grow through the B types while Si IV
#: 4089 marks late O / B0; H beta is strong in both and the first line to show
#: circumstellar emission (Oe, Be).
O_B_CRITERIA = {
    name: (_vacuum(c), h, (_vacuum(b0), _vacuum(b1)), (_vacuum(r0), _vacuum(r1)))
    for name, (c, h, (b0, b1), (r0, r1)) in _CRITERIA_AIR.items()
}

# log W' = log10 EW(He I 4471) / EW(He II 4541) -> O subtype: upper edge of each bin.
# Conti & Alschuler (1971, ApJ 170, 325) for O4-O9.5, O9.7 added by Mathys (1988,
# A&AS 76, 427); the same table as Martins (2018, A&A 616, A135, table 1).
_LOG_W_PRIME_EDGES = (
    ("O4", 4.0, -0.60),
    ("O5", 5.0, -0.45),
    ("O5.5", 5.5, -0.30),
    ("O6", 6.0, -0.20),
    ("O6.5", 6.5, -0.10),
    ("O7", 7.0, 0.00),
    ("O7.5", 7.5, 0.10),
    ("O8", 8.0, 0.20),
    ("O8.5", 8.5, 0.30),
    ("O9", 9.0, 0.45),
    ("O9.5", 9.5, 0.65),
    ("O9.7", 9.7, 0.90),
)


@dataclass
class LineMeasurements:
    """Equivalent widths of named lines in a set of spectra, with their errors.

    Returned by :func:`measure_lines`; read it with :func:`estimate_o_subtype`
    and :func:`line_flags`, or as a table with :meth:`to_frame` or
    :meth:`records`.

    Attributes
    ----------
    names : list of str
        Line names, in the column order of the arrays.
    centre : ndarray of shape (n_lines,)
        Vacuum centre of each line (Angstrom).
    ew : ndarray of shape (n_spectra, n_lines)
        Equivalent width in Angstrom: positive for absorption, negative for
        emission. NaN where the line was not measured (see ``covered``).
    ew_err : ndarray of shape (n_spectra, n_lines)
        One-sigma error of ``ew`` from the noise (pixel noise plus the error
        of the fitted continuum).
    covered : ndarray of bool, shape (n_spectra, n_lines)
        False where the spectrum does not cover the line window and its
        continuum bands, or too many of their pixels are bad.
    noise_from : str
        ``"ivar"`` or ``"continuum scatter"``: where the pixel noise came from.
    """

    names: list
    centre: np.ndarray
    ew: np.ndarray
    ew_err: np.ndarray
    covered: np.ndarray
    noise_from: str

    def column(self, name: str) -> int:
        """Index of line ``name`` in the arrays (KeyError naming the lines)."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"line {name!r} was not measured; measured: {self.names}") from None

    def records(self, i: int) -> list[dict]:
        """The line table of spectrum ``i``: one dict per line (plain floats)."""
        return [
            {"line": name, "centre": float(self.centre[j]), "ew": float(self.ew[i, j]),
             "ew_err": float(self.ew_err[i, j]), "covered": bool(self.covered[i, j])}
            for j, name in enumerate(self.names)
        ]

    def to_frame(self):
        """A wide :class:`pandas.DataFrame`: ``ew_<line>`` and ``ew_err_<line>`` columns."""
        import pandas as pd

        data = {}
        for j, name in enumerate(self.names):
            data[f"ew_{name}"] = self.ew[:, j]
            data[f"ew_err_{name}"] = self.ew_err[:, j]
        return pd.DataFrame(data)


def _check_criteria(lines) -> dict:
    if lines is None:
        return dict(O_B_CRITERIA)
    if isinstance(lines, dict):
        out = {}
        for name, spec in lines.items():
            try:
                centre, half, (b0, b1), (r0, r1) = spec
            except (TypeError, ValueError):
                raise ValueError(
                    f"lines[{name!r}] must be (centre, half-width, (blue0, blue1), (red0, red1)) "
                    f"in Angstrom, got {spec!r}"
                ) from None
            if not (b0 < b1 <= centre - half < centre + half <= r0 < r1):
                raise ValueError(
                    f"lines[{name!r}]: need blue band < line window < red band, got {spec!r}"
                )
            out[str(name)] = (float(centre), float(half), (float(b0), float(b1)), (float(r0), float(r1)))
        return out
    unknown = [name for name in lines if name not in O_B_CRITERIA]
    if unknown:
        raise ValueError(f"unknown lines {unknown}; known: {list(O_B_CRITERIA)} (or pass a dict)")
    return {name: O_B_CRITERIA[name] for name in lines}


def _measure_one_line(flux, good, sigma, wave, width, centre, half, blue, red, min_good):
    """EW and its error for one line in every spectrum (NaN where not measurable)."""
    n = flux.shape[0]
    ew = np.full(n, np.nan)
    err = np.full(n, np.nan)
    if blue[0] < wave[0] or red[1] > wave[-1]:
        return ew, err, np.zeros(n, dtype=bool), sigma
    core = (wave >= centre - half) & (wave <= centre + half)
    side = ((wave >= blue[0]) & (wave <= blue[1])) | ((wave >= red[0]) & (wave <= red[1]))
    blue_px = (wave >= blue[0]) & (wave <= blue[1])
    red_px = (wave >= red[0]) & (wave <= red[1])
    ok = (
        (good[:, core].mean(axis=1) >= min_good)
        & ((good & blue_px).sum(axis=1) >= 2)
        & ((good & red_px).sum(axis=1) >= 2)
        if core.any() else np.zeros(n, dtype=bool)
    )
    x_side = wave[side] - centre
    x_core = wave[core] - centre
    for i in np.flatnonzero(ok):
        g = good[i, side]
        A = np.column_stack([np.ones(g.sum()), x_side[g]])
        f = flux[i, side][g]
        if sigma is None:
            coef, *_ = np.linalg.lstsq(A, f, rcond=None)
            resid = f - A @ coef
            dof = max(g.sum() - 2, 1)
            s_side = np.full(g.sum(), np.sqrt(resid @ resid / dof))
            s_core = np.full(core.sum(), s_side[0])
        else:
            s_side = sigma[i, side][g]
            s_core = sigma[i, core]
            # weighted by ivar, as the covariance below assumes: a pixel with a tiny
            # ivar must not pull the continuum
            coef, *_ = np.linalg.lstsq(A / s_side[:, None], f / s_side, rcond=None)
        cont = coef[0] + coef[1] * x_core
        if not (cont > 0).all():
            continue
        gc = good[i, core]
        fc = flux[i, core]
        if not gc.all():
            # a bad pixel inside the window is interpolated from the good ones beside it
            # (as continuum it would take its share of the line away), its noise theirs
            fc = np.interp(x_core, x_core[gc], fc[gc])
            s_core = np.interp(x_core, x_core[gc], s_core[gc])
        wc = width[core]
        ew[i] = np.sum((1.0 - fc / cont) * wc)
        var_pix = np.sum(((s_core / cont) * wc) ** 2)
        # continuum: weighted least squares covariance, propagated through dEW/dcoef
        Aw = A / s_side[:, None]
        cov = np.linalg.pinv(Aw.T @ Aw)
        grad_c = fc / cont**2 * wc  # dEW / dC at each core pixel
        g_vec = np.array([grad_c.sum(), (grad_c * x_core).sum()])
        err[i] = np.sqrt(var_pix + g_vec @ cov @ g_vec)
    return ew, err, np.isfinite(ew), sigma


@validate_params(
    {
        "flux": ["array-like"],
        "wavelength": "no_validation",
        "ivar": ["array-like", None],
        "lines": [list, tuple, dict, None],
        "min_good": [Interval(Real, 0, 1, closed="right")],
    },
    prefer_skip_nested_validation=True,
)
def measure_lines(flux, wavelength, *, ivar=None, lines=None, min_good=0.8) -> LineMeasurements:
    """Equivalent widths of the O/B classification lines, with errors from the noise.

    For every line of :data:`O_B_CRITERIA` (or ``lines``) a straight
    continuum is fitted to the pixels of its blue and red bands (weighted by
    ``ivar`` when given), and ``EW = sum((1 - F / F_cont) * pixel_width)``
    over the line window. The error adds the pixel noise inside the window
    and the error of the fitted continuum. The pixel noise is ``1 /
    sqrt(ivar)`` when ``ivar`` is given, else the scatter of the continuum
    bands about the fitted line (which also counts weak lines in the bands
    as noise, so the error is then conservative). This is a pseudo-EW at the
    spectrum's own resolution: blends inside the window count. A bad pixel
    inside the window is interpolated linearly from the window's good pixels
    beside it, with their noise.

    A line is not measured (NaN, ``covered`` False) when the spectrum does
    not reach its bands, fewer than two good pixels are in a band, or less
    than ``min_good`` of the window's pixels are good. A short spectrum is
    therefore reported, not an error.

    Parameters
    ----------
    flux : array-like of shape (n_spectra, n_pixels) or (n_pixels,)
        Flux in any normalisation (rectified or not). NaN/inf pixels are bad.
    wavelength : array-like or Quantity of shape (n_pixels,)
        Vacuum wavelengths (Angstrom when unitless) at the star's rest frame.
    ivar : array-like of the shape of ``flux`` or None, default=None
        Inverse variance of the flux; ``ivar <= 0`` marks a bad pixel.
    lines : list of names, dict or None, default=None
        Names from :data:`O_B_CRITERIA` (None: all), or a dict ``name:
        (vacuum centre, half-width, (blue0, blue1), (red0, red1))``.
    min_good : float in (0, 1], default=0.8
        Smallest share of good pixels in a line window.

    Returns
    -------
    measurements : LineMeasurements

    See Also
    --------
    estimate_o_subtype : O subtype from He I 4471 / He II 4541.
    line_flags : emission and "He II absent" flags.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import O_B_CRITERIA, measure_lines
    >>> wave = np.arange(3950.0, 5000.0, 1.0)
    >>> centre = O_B_CRITERIA["He II 4541"][0]
    >>> flux = 1 - 0.3 * np.exp(-0.5 * ((wave - centre) / 1.5) ** 2)
    >>> noisy = flux + np.random.default_rng(0).normal(0, 0.01, wave.size)
    >>> m = measure_lines(noisy, wave, ivar=np.full(wave.size, 1e4))
    >>> j = m.column("He II 4541")
    >>> round(float(m.ew[0, j]), 1), round(float(m.ew_err[0, j]), 2)  # true EW 1.13
    (1.1, 0.03)
    >>> short = measure_lines(flux[:500], wave[:500])  # ends at 4449 A
    >>> bool(short.covered[0, m.column("He II 4686")])
    False
    """
    flux = check_array(flux, dtype=np.float64, ensure_2d=False, ensure_all_finite=False)
    flux = np.atleast_2d(flux)
    if flux.ndim != 2:
        raise ValueError(f"flux must be 1-D or 2-D, got shape {flux.shape}")
    wave = check_wavelength(wavelength, n_pixels=flux.shape[1])
    good = np.isfinite(flux)
    sigma = None
    if ivar is not None:
        ivar = np.atleast_2d(np.asarray(ivar, dtype=np.float64))
        if ivar.shape != flux.shape:
            raise ValueError(f"ivar must have the shape of flux {flux.shape}, got {ivar.shape}")
        good &= np.isfinite(ivar) & (ivar > 0)
        with np.errstate(divide="ignore"):
            sigma = np.where(good, 1.0 / np.sqrt(np.where(good, ivar, 1.0)), np.inf)
    width = np.gradient(wave)
    table = _check_criteria(lines)
    n = flux.shape[0]
    ew = np.full((n, len(table)), np.nan)
    err = np.full_like(ew, np.nan)
    covered = np.zeros(ew.shape, dtype=bool)
    for j, (centre, half, blue, red) in enumerate(table.values()):
        ew[:, j], err[:, j], covered[:, j], _ = _measure_one_line(
            flux, good, sigma, wave, width, centre, half, blue, red, min_good
        )
    return LineMeasurements(
        names=list(table), centre=np.array([v[0] for v in table.values()]), ew=ew,
        ew_err=err, covered=covered, noise_from="ivar" if ivar is not None else "continuum scatter",
    )


def _log_w_prime_subtype(log_w: float):
    for label, code, upper in _LOG_W_PRIME_EDGES:
        if log_w <= upper:
            return label, code
    return None, np.nan


def _detected(ew, err, sigma, min_ew):
    """Absorption (EW > 0) above both the noise and the systematic floor."""
    with np.errstate(invalid="ignore"):
        return ew > np.maximum(sigma * err, min_ew)


def estimate_o_subtype(measurements: LineMeasurements, *, sigma: float = 2.0, min_ew: float = 0.1) -> dict:
    """O subtype from the classical ratio log W' = log EW(He I 4471) / EW(He II 4541).

    The ratio is mapped to a subtype with the calibration of Conti &
    Alschuler (1971, ApJ 170, 325) for O4 to O9.5, extended to O9.7 by Mathys
    (1988, A&AS 76, 427); upper bin edges of log W': O4 -0.60, O5 -0.45,
    O5.5 -0.30, O6 -0.20, O6.5 -0.10, O7 0.00, O7.5 0.10, O8 0.20, O8.5
    0.30, O9 0.45, O9.5 0.65, O9.7 0.90.

    **Range of validity: O4 to O9.7.** Earlier than O4 He I 4471 vanishes
    and the ratio saturates (reported as ``"O4"`` with flag
    ``"O4_or_earlier"``). Above log W' = 0.90 the star is later than O9.7
    (B0 or later) and no subtype is given (flag ``"later_than_O9.7"``). The
    calibration is for normal, absorption-line O stars at classification
    resolution: emission-line stars (Of, Oe), composite binaries, very fast
    rotators and low-metallicity stars can shift the ratio by a subtype or
    more, and a low S/N makes the weak line of the pair unreliable (see
    ``log_w_prime_err``).

    Parameters
    ----------
    measurements : LineMeasurements
        From :func:`measure_lines`, including ``"He I 4471"`` and
        ``"He II 4541"``.
    sigma : float, default=2.0
        A line counts as detected when ``EW > max(sigma * ew_err, min_ew)``.
    min_ew : float, default=0.1
        Systematic floor in Angstrom: weak metal lines in the continuum bands
        of noise-free B star spectra give EWs of up to about +-0.1 A where no
        He II is present (measured on the MKCLASS standards).

    Returns
    -------
    result : dict of ndarray, one entry per spectrum
        ``log_w_prime`` and ``log_w_prime_err`` (NaN when a line is not
        detected), ``subtype`` (str such as ``"O7.5"``, ``""`` when none),
        ``subtype_code`` (float: 4 for O4 ... 9.7 for O9.7, NaN when none) and
        ``flag``: ``""``, ``"O4_or_earlier"``, ``"later_than_O9.7"``,
        ``"no_he_ii"`` (He II 4541 not detected: not an O star by this
        criterion), ``"no_he_i"`` with He II detected (O4 or earlier), or
        ``"not_covered"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import O_B_CRITERIA, estimate_o_subtype, measure_lines
    >>> wave = np.arange(4400.0, 4620.0, 1.0)
    >>> def line(name, depth):
    ...     return depth * np.exp(-0.5 * ((wave - O_B_CRITERIA[name][0]) / 1.5) ** 2)
    >>> flux = 1 - line("He I 4471", 0.25) - line("He II 4541", 0.1)
    >>> m = measure_lines(flux, wave, lines=["He I 4471", "He II 4541"])
    >>> result = estimate_o_subtype(m)
    >>> round(float(result["log_w_prime"][0]), 2), str(result["subtype"][0])  # log 2.5
    (0.4, 'O9')
    """
    i1, i2 = measurements.column("He I 4471"), measurements.column("He II 4541")
    w1, e1 = measurements.ew[:, i1], measurements.ew_err[:, i1]
    w2, e2 = measurements.ew[:, i2], measurements.ew_err[:, i2]
    n = w1.size
    log_w = np.full(n, np.nan)
    log_err = np.full(n, np.nan)
    subtype = np.full(n, "", dtype=object)
    code = np.full(n, np.nan)
    flag = np.full(n, "", dtype=object)
    for i in range(n):
        if not (measurements.covered[i, i1] and measurements.covered[i, i2]):
            flag[i] = "not_covered"
            continue
        he_i = _detected(w1[i], e1[i], sigma, min_ew)
        he_ii = _detected(w2[i], e2[i], sigma, min_ew)
        if not he_ii:
            flag[i] = "no_he_ii"
            continue
        if not he_i:
            subtype[i], code[i], flag[i] = "O4", 4.0, "no_he_i"
            continue
        log_w[i] = np.log10(w1[i] / w2[i])
        log_err[i] = np.hypot(e1[i] / w1[i], e2[i] / w2[i]) / np.log(10)
        label, c = _log_w_prime_subtype(log_w[i])
        if label is None:
            flag[i] = "later_than_O9.7"
            continue
        subtype[i], code[i] = label, c
        if label == "O4":
            flag[i] = "O4_or_earlier"
    return {"log_w_prime": log_w, "log_w_prime_err": log_err, "subtype": subtype.astype(str),
            "subtype_code": code, "flag": flag.astype(str)}


def line_flags(measurements: LineMeasurements, *, sigma: float = 3.0, min_ew: float = 0.1,
               o_min_ew: float = 0.15) -> dict:
    """Flags for a candidate O star from its line measurements.

    Parameters
    ----------
    measurements : LineMeasurements
        From :func:`measure_lines`.
    sigma : float, default=3.0
        Significance: emission needs ``EW < -max(sigma * ew_err, min_ew)``;
        "He II absent" needs the upper limit ``EW + sigma * ew_err`` of He II
        4541 below ``o_min_ew``.
    min_ew : float, default=0.1
        Systematic floor in Angstrom (see :func:`estimate_o_subtype`).
    o_min_ew : float, default=0.15
        The weakest He II 4541 of an O star in Angstrom (O9 supergiants on
        the MKCLASS standards: 0.16 to 0.21 A at R ~ 1,250).

    Returns
    -------
    flags : dict of ndarray of bool, one entry per spectrum
        ``he_ii_4686_emission`` (Of-type emission), ``h_beta_emission``
        (Oe/Be-type emission), ``he_ii_absent`` (He II 4541 measured, its
        upper limit below any O star's and He II 4686 not in emission: the
        spectrum argues against an O star; at low S/N the limit is too loose
        and the flag stays False, which is not evidence for O),
        ``short_coverage`` (some line of ``measurements`` could not be
        measured).

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import O_B_CRITERIA, line_flags, measure_lines
    >>> wave = np.arange(4450.0, 4950.0, 1.0)
    >>> c = O_B_CRITERIA["He II 4686"][0]
    >>> flux = 1 + 0.5 * np.exp(-0.5 * ((wave - c) / 1.5) ** 2)  # in emission
    >>> flux += np.random.default_rng(0).normal(0, 0.01, wave.size)
    >>> m = measure_lines(flux, wave, lines=["He II 4541", "He II 4686", "H beta"])
    >>> flags = line_flags(m)
    >>> bool(flags["he_ii_4686_emission"][0]), bool(flags["he_ii_absent"][0])
    (True, False)
    >>> flags = line_flags(measure_lines(np.ones(500), wave))  # no line at all
    >>> bool(flags["he_ii_absent"][0])
    True
    """
    ew, err, cov = measurements.ew, measurements.ew_err, measurements.covered
    n = ew.shape[0]

    def emission(name):
        if name not in measurements.names:
            return np.zeros(n, dtype=bool)
        j = measurements.column(name)
        return cov[:, j] & _detected(-ew[:, j], err[:, j], sigma, min_ew)

    em_4686 = emission("He II 4686")
    if "He II 4541" in measurements.names:
        j = measurements.column("He II 4541")
        with np.errstate(invalid="ignore"):
            absent = cov[:, j] & (ew[:, j] + sigma * err[:, j] < o_min_ew) & ~em_4686
    else:
        absent = np.zeros(n, dtype=bool)
    return {
        "he_ii_4686_emission": em_4686,
        "h_beta_emission": emission("H beta"),
        "he_ii_absent": absent,
        "short_coverage": ~cov.all(axis=1),
    }
