"""The array arithmetic of resampling spectra onto a grid (numpy only).

:mod:`skspec.preprocessing._resample` (the public ``resample_spectrum`` and
``WavelengthResampler``) and :func:`skspec.io.read_onto_grid` share it. It
lives here, away from scikit-learn, so that the processes that only read
files (the worker pool of :func:`skspec.survey.predict_files`) start without
importing scikit-learn, scipy and pandas.
"""

from __future__ import annotations

import numpy as np

from ._validation import first_bad_rows

#: The grid of the bundled tables: log10(lambda / A) = 3.5682 + 1e-4 k, k = 229..3010.
#: It is aligned to LAMOST's pixels (COEFF0 = 3.5682, COEFF1 = 1e-4), vacuum.
_GRID_LOG10_START = 3.5682
_GRID_LOG10_STEP = 1e-4
_GRID_K = (229, 3011)


def default_grid() -> np.ndarray:
    """The skspec grid in vacuum Angstrom (2782 pixels, 3900.3 to 7399.5 A).

    ``log10(lambda) = 3.5682 + 1e-4 k`` for ``k = 229 ... 3010``: the grid of
    :func:`skspec.datasets.load_obafgkm`, aligned to LAMOST's pixels.

    Examples
    --------
    >>> from skspec.preprocessing._resample import default_grid
    >>> grid = default_grid()
    >>> grid.shape, float(grid[0]), float(grid[-1])
    ((2782,), 3900.3, 7399.5)
    """
    k = np.arange(*_GRID_K)
    return 10.0 ** np.round(_GRID_LOG10_START + _GRID_LOG10_STEP * k, 6)


def _bin_edges(wave: np.ndarray) -> np.ndarray:
    """Pixel edges half-way between centres in log(lambda); the outer ones mirrored."""
    loglam = np.log(wave)
    mid = 0.5 * (loglam[1:] + loglam[:-1])
    first = loglam[0] - (mid[0] - loglam[0])
    last = loglam[-1] + (loglam[-1] - mid[-1])
    return np.exp(np.concatenate([[first], mid, [last]]))


#: How far, in outermost pixels (the grid's or the spectrum's, whichever are
#: narrower), the grid may reach past a
#: spectrum's coverage and still count as covered. float32 wavelengths (SDSS
#: stores ``loglam`` as float32) move the outer pixel edges of a spectrum sampled
#: on exactly the grid by about 0.003 pixel; the uncovered sliver is left out of
#: the edge bin's mean (flux-conserving) or filled with the edge value (linear).
COVERAGE_TOLERANCE = 0.05


def coverage_shortfall(src_edges: np.ndarray, grid: np.ndarray, method: str):
    """How far the grid reaches beyond a spectrum's pixels, at each end.

    Returns ``(needed, short)``: ``needed`` the range the grid needs (its outer
    bin edges for ``"flux_conserving"``, its outer centres for ``"linear"``) and
    ``short`` the uncovered length in Angstrom and in pixels (of the grid or
    of the spectrum, whichever are narrower there) at the blue and the red
    end, ``((blue_aa, blue_px), (red_aa, red_px))`` (<= 0 when covered).
    """
    out_edges = _bin_edges(grid)
    needed = out_edges if method == "flux_conserving" else grid
    blue = float(src_edges[0] - needed[0])
    red = float(needed[-1] - src_edges[-1])
    widths = (
        min(out_edges[1] - out_edges[0], src_edges[1] - src_edges[0]),
        min(out_edges[-1] - out_edges[-2], src_edges[-1] - src_edges[-2]),
    )
    return (float(needed[0]), float(needed[-1])), (
        (blue, blue / widths[0]), (red, red / widths[1])
    )


def describe_shortfall(short) -> str:
    """``"0.21 A (0.12 px) short at the blue end"`` for the ends that are short."""
    parts = [
        f"{aa:.3g} A ({px:.3g} px) short at the {end} end"
        for (aa, px), end in zip(short, ("blue", "red"))
        if px > COVERAGE_TOLERANCE
    ]
    return " and ".join(parts)


def _check_coverage(src_edges: np.ndarray, grid: np.ndarray, method: str, where: str) -> None:
    """Raise when the grid leaves the source's pixels by more than COVERAGE_TOLERANCE."""
    needed, short = coverage_shortfall(src_edges, grid, method)
    if max(short[0][1], short[1][1]) > COVERAGE_TOLERANCE:
        raise ValueError(
            f"the grid ({needed[0]:.2f}-{needed[1]:.2f} A) is outside the coverage "
            f"of {where} ({src_edges[0]:.2f}-{src_edges[-1]:.2f} A): "
            f"{describe_shortfall(short)}; choose a grid inside it"
        )


def _fill_bad_pixels(X: np.ndarray, wave: np.ndarray, bad: np.ndarray, where: str) -> np.ndarray:
    """Linearly interpolate every bad pixel from the good ones of its row (in place on a copy)."""
    rows = np.flatnonzero(bad.any(axis=1))
    if rows.size == 0:
        return X
    n_good = (~bad[rows]).sum(axis=1)
    empty = rows[n_good == 0]
    if empty.size:
        flags = np.zeros(X.shape[0], dtype=bool)
        flags[empty] = True
        raise ValueError(
            f"{where} has no good pixel in {empty.size} spectr{'a' if empty.size > 1 else 'um'} "
            f"(row {first_bad_rows(flags)}): every pixel is masked, NaN or has ivar <= 0"
        )
    X = X.copy()
    for i in rows:
        b = bad[i]
        X[i, b] = np.interp(wave[b], wave[~b], X[i, ~b])
    return X


def _resample_plan(
    wave: np.ndarray, grid: np.ndarray, method: str, where: str,
    src_edges: np.ndarray | None = None,
) -> tuple:
    """What resampling from ``wave`` onto ``grid`` needs that does not depend on the flux.

    Checks the coverage. Spectra on the same pixels (LAMOST's repeat within a
    plate) share one plan: :func:`_apply_plan` is then all that is left per
    spectrum, and it takes many rows at once.
    """
    if src_edges is None:
        src_edges = _bin_edges(wave)
    _check_coverage(src_edges, grid, method, where)
    n = wave.size
    if method == "flux_conserving":
        out_edges = np.clip(_bin_edges(grid), src_edges[0], src_edges[-1])
        k = np.clip(np.searchsorted(src_edges, out_edges, side="right") - 1, 0, n - 1)
        return (method, n, np.diff(src_edges), k, out_edges - src_edges[k], np.diff(out_edges))
    if n == 1:
        return (method, n, grid.size)
    k = np.clip(np.searchsorted(wave, grid, side="right") - 1, 0, n - 2)
    t = np.clip((grid - wave[k]) / (wave[k + 1] - wave[k]), 0.0, 1.0)
    return (method, n, k, t)


def _apply_plan(X: np.ndarray, plan: tuple) -> np.ndarray:
    """Resample the good (already filled) float64 rows of ``X`` with a :func:`_resample_plan`."""
    method, n = plan[:2]
    if method == "flux_conserving":
        # mean flux density over each output bin, from the cumulative integral
        widths, k, offset, out_widths = plan[2:]
        cum = np.zeros((X.shape[0], n + 1))
        np.cumsum(X * widths, axis=1, out=cum[:, 1:])
        integral = cum[:, k] + offset * X[:, k]
        return np.diff(integral, axis=1) / out_widths
    # linear interpolation between pixel centres; inside the outer half pixels
    # the edge pixel's value holds (a pixel stands for its whole bin)
    if n == 1:
        return np.repeat(X, plan[2], axis=1)
    k, t = plan[2:]
    return X[:, k] * (1.0 - t) + X[:, k + 1] * t


def _resample_rows(
    X: np.ndarray, wave: np.ndarray, grid: np.ndarray, method: str, where: str,
    src_edges: np.ndarray | None = None,
) -> np.ndarray:
    """Resample the good (already filled) rows of ``X`` (float64) from ``wave`` onto ``grid``."""
    return _apply_plan(X, _resample_plan(wave, grid, method, where, src_edges))
