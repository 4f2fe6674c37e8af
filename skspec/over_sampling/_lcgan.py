"""LCGAN: locally connected generative adversarial over-sampler (Yang et al. 2021)."""

from __future__ import annotations

import math
from numbers import Integral

import torch
from sklearn.utils._param_validation import Interval
from torch import nn
from torch.nn import functional as F

from ..nn import LocallyConnected1d
from ._base import BaseGANOverSampler

__all__ = ["LCGAN"]

_SLOPE = 0.2  # leaky ReLU slope


def _plan(n_features: int, max_upsamplings: int = 3, min_base: int = 8) -> tuple[int, int]:
    """Base length and number of x2 up-samplings that reach ``n_features``.

    As many doublings (at most ``max_upsamplings``) as keep the base length at
    ``min_base`` or more; the last layer's output is cropped to ``n_features``.
    """
    n_up = 0
    while n_up < max_upsamplings and math.ceil(n_features / 2 ** (n_up + 1)) >= min_base:
        n_up += 1
    return math.ceil(n_features / 2**n_up), n_up


class Upsample2(nn.Module):
    """Linear x2 up-sampling along the last axis (``F.interpolate(..., mode="linear")``).

    Works on a position-major copy, the layout that
    :class:`~skspec.nn.LocallyConnected1d` returns, so that every step is a
    contiguous elementwise operation (``F.interpolate`` is several times
    slower on that layout).
    """

    def forward(self, x):
        pos = x.permute(2, 0, 1)  # (L, B, C); free for a LocallyConnected1d output
        left = torch.cat([pos[:1], pos[:-1]])
        right = torch.cat([pos[1:], pos[-1:]])
        even = 0.75 * pos + 0.25 * left
        odd = 0.75 * pos + 0.25 * right
        out = torch.stack([even, odd], dim=1).reshape(2 * pos.shape[0], *pos.shape[1:])
        return out.permute(1, 2, 0)


class LCGenerator(nn.Module):
    """Noise -> spectrum by locally connected convolutions and up-sampling.

    The noise vector is read as a 1-channel sequence resampled to the base
    length, next to a learned dense projection of it (a global channel that
    lets distant pixels vary together) and, when conditional, a learned class
    channel. Locally connected layers (kernel 3, ``channels`` channels) with
    leaky ReLU and dropout alternate with linear x2 up-sampling; a last
    locally connected layer gives one channel, cropped to ``n_features``.
    """

    def __init__(self, n_features, noise_dim, channels=8, dropout=0.2, n_labels=1):
        super().__init__()
        self.n_features = n_features
        self.base, n_up = _plan(n_features)
        self.project = nn.Linear(noise_dim, self.base)
        self.embed = nn.Embedding(n_labels, self.base) if n_labels > 1 else None
        in_ch = 2 + (self.embed is not None)
        length = self.base
        layers = [
            LocallyConnected1d(in_ch, channels, 3, length, padding=1),
            nn.LeakyReLU(_SLOPE),
            nn.Dropout1d(dropout),
        ]
        for _ in range(n_up):
            length *= 2
            layers += [
                Upsample2(),
                LocallyConnected1d(channels, channels, 3, length, padding=1),
                nn.LeakyReLU(_SLOPE),
                nn.Dropout1d(dropout),
            ]
        layers.append(LocallyConnected1d(channels, 1, 3, length, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, z, labels=None):
        local = F.interpolate(z[:, None, :], size=self.base, mode="linear", align_corners=False)
        parts = [local, self.project(z)[:, None, :]]
        if self.embed is not None:
            parts.append(self.embed(labels)[:, None, :])
        return self.body(torch.cat(parts, dim=1))[:, 0, : self.n_features]


class ConvDiscriminator(nn.Module):
    """Three strided 1-D convolutions (8, 16, 16 channels) with dropout, then a linear logit.

    The flatten + linear head keeps where a feature sits, which a spectral
    discriminator needs (a line at the wrong wavelength must look fake). When
    conditional, a learned class spectrum is a second input channel.
    """

    def __init__(self, n_features, dropout=0.2, n_labels=1, channels=(8, 16, 16)):
        super().__init__()
        self.embed = nn.Embedding(n_labels, n_features) if n_labels > 1 else None
        layers, in_ch, length = [], 1 + (self.embed is not None), n_features
        for out_ch in channels:
            layers += [
                nn.Conv1d(in_ch, out_ch, 5, stride=2, padding=2),
                nn.LeakyReLU(_SLOPE),
                nn.Dropout1d(dropout),
            ]
            in_ch, length = out_ch, (length - 1) // 2 + 1
        layers += [nn.Flatten(), nn.Linear(in_ch * length, 1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        x = x[:, None, :]
        if self.embed is not None:
            x = torch.cat([x, self.embed(labels)[:, None, :]], dim=1)
        return self.body(x)[:, 0]


class LCGAN(BaseGANOverSampler):
    """Over-sample rare classes with a locally connected GAN (LCGAN).

    For every class that ``sampling_strategy`` asks new spectra for, a
    generator learns to turn a ``noise_dim``-d standard-normal vector into a
    spectrum, against a 1-D convolutional discriminator. The generator grows
    the noise with locally connected convolutions (a different kernel at each
    wavelength, :class:`skspec.nn.LocallyConnected1d`), linear x2 up-sampling,
    leaky ReLU and dropout to exactly ``n_features`` pixels (any length:
    enough x2 steps, at most three, from a base length of at least 8 pixels,
    then a crop). The
    discriminator uses one-sided label smoothing (real target
    ``1 - label_smoothing``, fake 0); the two networks are trained with
    RMSprop at two time scales (TTUR) as in Yang et al. (2021).

    The generated spectra come back on the scale of the input: each class is
    standardised internally by one global mean and standard deviation (not per
    pixel, which would be noisy with ten spectra) and the output is mapped back.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        Which classes to over-sample and to what size, as in imbalanced-learn.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, dropout, batches and noise: the same seed gives
        bit-identical output on the CPU.
    n_iter : int, default=1000
        Training iterations (one discriminator and one generator update each).
        The paper trains for 2,000 and more (see :meth:`paper`). On the 10 O
        spectra of :func:`~skspec.datasets.load_ofgk` (2,782 pixels, L2
        normalised) 1,000 iterations bring the generated mean spectrum to a
        correlation of 0.98 with the real one, with the Balmer lines in
        absorption (Hgamma at the real depth, Hbeta and Hdelta shallower),
        where 300 reach only 0.87; that fit takes 3 to 6 minutes on one
        shared CPU core (``benchmarks/results/gan.md``).
    batch_size : int, default=64
        Spectra per batch. A class with fewer spectra is sampled with
        replacement; a class with one spectrum is an error.
    noise_dim : int, default=900
        Length of the noise vector (the paper's 1 x 900).
    generator_lr : float, default=1e-4
        RMSprop learning rate of the generator (paper).
    discriminator_lr : float, default=1.5e-4
        RMSprop learning rate of the discriminator (paper; TTUR).
    label_smoothing : float, default=0.1
        One-sided label smoothing: real spectra get target ``1 - label_smoothing``.
    label_noise : float, default=0.0
        Uniform noise of this width on both targets (noisy labels).
    dropout : float, default=0.2
        Dropout rate in the generator and the discriminator. Whole channels
        are dropped (``torch.nn.Dropout1d``, "spatial" dropout): drawing one
        random number per unit costs more than the locally connected layers
        themselves on a CPU.
    channels : int, default=8
        Channels of the locally connected layers. Their weights grow as
        ``length * channels**2 * 3`` per layer, so keep this small: the
        generator has about 1.4 million parameters at the bundled 2,782
        pixels and 1.8 million at 3,700 pixels with 8 channels (0.4 million
        of them in the first linear projection of the 900-d noise).
    conditional : bool, default=False
        Train one generator with a class input for all classes instead of one
        generator per class.
    condition_classes : array-like of labels, default=None
        Classes the generator also learns without sampling them: one
        generator is trained on these and on every class ``sampling_strategy``
        over-samples, the class as its condition (a learned class channel in
        the generator and the discriminator), and new rows are drawn only
        for the over-sampled classes. ``condition_classes=["B"]`` with
        ``sampling_strategy={"O": n}`` makes the O generator learn next to
        the B stars; ``sample(n, "B")`` also works. None: no context classes.
    sample_dropout : bool, default=False
        Keep the generator's dropout on when sampling (it is always on in
        training). Off, the noise alone makes the spectra differ.
    sample_smoothing : float, default=0.0
        Gaussian sigma, in pixels, of a low-pass applied to the generated
        spectra at sampling time (not in training): the locally connected
        layers leave pixel-to-pixel jitter far above the data's
        (``benchmarks/results/gan_border.md``). 0 = off.
    device : str or torch.device, default='auto'
        Where to train: ``'auto'`` uses CUDA when available.
    verbose : int, default=0
        Show a tqdm bar with the discriminator and generator losses.
    snapshot_every : int, default=None
        Keep a copy of the generator every this many iterations (for
        accuracy-versus-iteration curves, the paper's Fig. 7); use them with
        ``sample(..., iteration=k)``.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of spectra generated per class.
    generators_ : dict
        Class label -> trained generator (``torch.nn.Module`` on the CPU; one
        shared module for all classes when ``conditional``).
    history_ : dict
        Class label -> ``{"iteration": [...], "d_loss": [...], "g_loss": [...]}``.
    snapshots_ : dict
        Class label -> list of ``(iteration, state_dict)``.
    n_features_in_ : int
        Number of pixels.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` has string column names.

    See Also
    --------
    SGAN : the dense GAN baseline of Zheng et al. (2020).

    Notes
    -----
    The resampled array holds the real rows first and the synthetic rows
    after them. With :class:`~skspec.neural_network.RACNetClassifier`, pass
    the sampler as its ``sampler=`` so that it learns from training spectra
    only and its rows never validate.

    Examples
    --------
    >>> from skspec.datasets import make_spectra
    >>> from skspec.over_sampling import LCGAN
    >>> X, y = make_spectra(40, 32, weights=[0.8, 0.2], random_state=0)
    >>> sampler = LCGAN(n_iter=5, batch_size=8, noise_dim=16, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, int((y_res == 1).sum())
    ((64, 32), dtype('float32'), 32)
    >>> sampler.sample(3, 1).shape
    (3, 32)

    One generator for classes 1 and 2 (the class as its condition) that adds
    rows of class 2 only:

    >>> X3, y3 = make_spectra(60, 32, n_classes=3, weights=[0.5, 0.3, 0.2], random_state=0)
    >>> cond = LCGAN(sampling_strategy={2: 20}, condition_classes=[1], n_iter=5,
    ...              batch_size=8, noise_dim=16, random_state=0)
    >>> _, y3_res = cond.fit_resample(X3, y3)
    >>> int((y3_res == 2).sum()), len(y3_res) - len(y3), sorted(int(c) for c in cond.generators_)
    (20, 8, [1, 2])
    """

    _parameter_constraints: dict = {
        **BaseGANOverSampler._parameter_constraints,
        "channels": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        n_iter: int = 1000,
        batch_size: int = 64,
        noise_dim: int = 900,
        generator_lr: float = 1e-4,
        discriminator_lr: float = 1.5e-4,
        label_smoothing: float = 0.1,
        label_noise: float = 0.0,
        dropout: float = 0.2,
        channels: int = 8,
        conditional: bool = False,
        condition_classes=None,
        sample_dropout: bool = False,
        sample_smoothing: float = 0.0,
        device="auto",
        verbose: int = 0,
        snapshot_every: int | None = None,
    ):
        super().__init__(
            sampling_strategy=sampling_strategy, random_state=random_state, n_iter=n_iter,
            batch_size=batch_size, noise_dim=noise_dim, generator_lr=generator_lr,
            discriminator_lr=discriminator_lr, label_smoothing=label_smoothing,
            label_noise=label_noise, dropout=dropout, conditional=conditional,
            condition_classes=condition_classes, sample_dropout=sample_dropout,
            sample_smoothing=sample_smoothing, device=device, verbose=verbose,
            snapshot_every=snapshot_every,
        )
        self.channels = channels

    @classmethod
    def paper(cls, **params):
        """LCGAN with the settings of Yang et al. (2021).

        2,000 iterations, 900-d noise, RMSprop with TTUR (generator 1e-4,
        discriminator 1.5e-4), a generator snapshot every 100 iterations
        (the paper samples several iterations for its Fig. 7). Keyword
        arguments override these.

        Examples
        --------
        >>> from skspec.over_sampling import LCGAN
        >>> LCGAN.paper(random_state=0).n_iter
        2000
        """
        settings = dict(
            n_iter=2000, batch_size=64, noise_dim=900, generator_lr=1e-4,
            discriminator_lr=1.5e-4, label_smoothing=0.1, snapshot_every=100,
        )
        settings.update(params)
        return cls(**settings)

    def _build_networks(self, n_features, n_labels):
        generator = LCGenerator(n_features, self.noise_dim, self.channels, self.dropout, n_labels)
        discriminator = ConvDiscriminator(n_features, self.dropout, n_labels)
        return generator, discriminator

    def _make_optimizers(self, generator, discriminator):
        return (
            torch.optim.RMSprop(generator.parameters(), lr=self.generator_lr),
            torch.optim.RMSprop(discriminator.parameters(), lr=self.discriminator_lr),
        )
