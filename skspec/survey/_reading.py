"""Read one spectrum file onto the model's grid; problems become flags, never errors."""

from __future__ import annotations

import numpy as np

from ._columns import _META_COLUMNS

def _read_one(path: str, grid: np.ndarray, max_bad_fraction: float, method: str):
    """Read and resample one file: ``(row, flux or None)``; never raises."""
    row = dict.fromkeys(_META_COLUMNS)
    row["file"] = str(path)
    flags: list[str] = []
    error = ""
    flux = None
    if getattr(path, "error", None):  # found by the walk but not examinable
        return _finish(row, None, ["unreadable"], path.error)
    try:
        from ..io import read_fits

        spec = read_fits(path)
    except Exception as exc:  # any failure to read is reported, never fatal
        return _finish(row, None, ["unreadable"], f"{type(exc).__name__}: {exc}")
    meta = spec.meta or {}
    row.update(
        object_id=_text(meta.get("object_id")),
        obsid=_text(meta.get("obsid")),
        format=_text(meta.get("format")),
        survey_class=_text(meta.get("class")),
        survey_subclass=_text(meta.get("subclass")),
        snr=_number(meta.get("snr")),
    )
    try:
        wave = spec.wavelength.to_value("AA")
        bad = np.asarray(spec.mask, dtype=bool) | ~np.isfinite(spec.flux)
        if spec.ivar is not None:
            bad |= ~(np.asarray(spec.ivar) > 0)
        inside = (wave >= grid[0]) & (wave <= grid[-1])
        row["bad_fraction"] = float(bad[inside].mean()) if inside.any() else 1.0
        if row["bad_fraction"] > max_bad_fraction:
            flags.append("nan_heavy")
        if wave[0] > grid[0] or wave[-1] < grid[-1]:
            flags.append("short_coverage")
            error = (f"spectrum covers {wave[0]:.1f}-{wave[-1]:.1f} A, the model's grid "
                     f"{grid[0]:.1f}-{grid[-1]:.1f} A")
        else:
            from ..preprocessing import resample_spectrum

            flux = resample_spectrum(wave, spec.flux, grid, ivar=spec.ivar, mask=spec.mask,
                                     method=method).astype(np.float32, copy=False)
            if not np.isfinite(flux).all():
                raise ValueError("non-finite flux after resampling")
    except ValueError as exc:  # no good pixel, coverage just short at an edge, ...
        flux = None
        if "outside the coverage" in str(exc):
            flags.append("short_coverage")
        elif "no good pixel" in str(exc) or "non-finite" in str(exc):
            flags = [f for f in flags if f != "nan_heavy"] + ["nan_heavy"]
        else:
            flags = ["unreadable"]
        error = str(exc)
    except Exception as exc:
        return _finish(row, None, ["unreadable"], f"{type(exc).__name__}: {exc}")
    return _finish(row, flux, flags, error)


def _finish(row, flux, flags, error):
    row["flags"] = "|".join(flags)
    row["error"] = error
    return row, flux


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
