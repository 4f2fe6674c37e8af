"""Plot spectra, their key O-star lines, and a classifier's importance map."""

from __future__ import annotations

import numpy as np

from ..metrics._lines import O_STAR_LINES
from ..utils import check_wavelength

__all__ = ["O_STAR_LINES", "plot_attention", "plot_spectrum"]

def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(9, 3.5))
    return ax


def _check_flux(flux, n_pixels: int, name: str) -> np.ndarray:
    flux = np.asarray(flux, dtype=np.float64)
    if flux.ndim != 1 or flux.size != n_pixels:
        raise ValueError(f"{name} must be 1-D with {n_pixels} pixels (one per wavelength), got shape {flux.shape}")
    return flux


def _mark_lines(ax, lines, wave: np.ndarray) -> None:
    if not lines:
        return
    for label, lam in dict(lines).items():
        lam = float(lam[0] if isinstance(lam, (tuple, list)) else lam)  # (centre, half-width)
        if wave[0] <= lam <= wave[-1]:
            ax.axvline(lam, color="0.4", lw=0.8, ls="--", zorder=0)
            ax.text(lam, 1.0, f" {label}", rotation=90, va="top", ha="right", fontsize=7,
                    color="0.3", transform=ax.get_xaxis_transform())


def plot_spectrum(wavelength, flux, *, ax=None, lines=O_STAR_LINES, label=None, **plot_kwargs):
    """Plot one spectrum and mark spectral lines.

    Parameters
    ----------
    wavelength : array-like or Quantity of shape (n_pixels,)
        Å, or any spectral unit as a Quantity.
    flux : array-like of shape (n_pixels,)
    ax : matplotlib Axes or None, default=None
        Draw here; None makes a new figure.
    lines : dict of {label: wavelength in Å or (wavelength, half-width)} or None, default=O_STAR_LINES
        Lines to mark (those inside the wavelength range).
    label : str or None
        Legend label of the spectrum.
    **plot_kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skspec.plotting import plot_spectrum
    >>> wave = np.linspace(3900, 7400, 500)
    >>> ax = plot_spectrum(wave, np.ones(500))
    >>> ax.get_xlabel()
    'Wavelength (Å)'
    """
    wave = check_wavelength(wavelength)
    flux = _check_flux(flux, wave.size, "flux")
    ax = _axes(ax)
    ax.plot(wave, flux, lw=0.8, label=label, **{"color": "k", **plot_kwargs})
    _mark_lines(ax, lines, wave)
    ax.set_xlabel("Wavelength (Å)")
    ax.set_ylabel("Flux")
    ax.set_xlim(wave[0], wave[-1])
    return ax


def plot_attention(wavelength, flux, importance, *, ax=None, lines=O_STAR_LINES, cmap="inferno_r", title=None):
    """Plot a spectrum coloured by a classifier's importance over wavelength.

    The spectrum is drawn in black over a filled importance curve (right
    axis), and the key lines are marked, so that one sees whether the net
    looks at He II 4541/4686 and the other O-star lines.

    Parameters
    ----------
    wavelength : array-like or Quantity of shape (n_pixels,)
    flux : array-like of shape (n_pixels,)
    importance : array-like of shape (n_pixels,)
        For example one row of
        :meth:`skspec.neural_network.RACNetClassifier.attention_maps`.
    ax : matplotlib Axes or None, default=None
    lines : dict of {label: wavelength in Å or (wavelength, half-width)} or None, default=O_STAR_LINES
    cmap : str, default="inferno_r"
        Colormap of the importance band along the bottom.
    title : str or None

    Returns
    -------
    ax : matplotlib Axes
        The flux axes; the importance axes is ``ax.importance_ax``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skspec.plotting import plot_attention
    >>> wave = np.linspace(3900, 7400, 500)
    >>> ax = plot_attention(wave, np.ones(500), np.linspace(0, 1, 500))
    >>> ax.importance_ax.get_ylabel()
    'Importance'
    """
    wave = check_wavelength(wavelength)
    flux = _check_flux(flux, wave.size, "flux")
    importance = _check_flux(importance, wave.size, "importance")
    if not np.isfinite(importance).all():
        pixel = int(np.flatnonzero(~np.isfinite(importance))[0])
        raise ValueError(f"importance holds a non-finite value at pixel {pixel}")
    ax = plot_spectrum(wave, flux, ax=ax, lines=lines, zorder=3)
    twin = ax.twinx()
    twin.fill_between(wave, importance, color="tab:orange", alpha=0.35, lw=0, zorder=1)
    peak = float(importance.max()) if importance.size else 0.0
    twin.set_ylim(0, peak * 1.05 if peak > 0 else 1.0)
    twin.set_ylabel("Importance")
    # a thin colour band along the bottom makes narrow peaks visible
    ax.imshow(importance[None, :], aspect="auto", cmap=cmap, extent=(wave[0], wave[-1], 0.0, 0.04),
              transform=ax.get_xaxis_transform(), zorder=2)
    ax.set_xlim(wave[0], wave[-1])
    ax.set_zorder(twin.get_zorder() + 1)
    ax.patch.set_visible(False)
    if title:
        ax.set_title(title)
    ax.importance_ax = twin
    return ax
