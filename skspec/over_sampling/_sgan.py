"""SGAN: the dense GAN baseline of Zheng et al. (2020), as an over-sampler."""

from __future__ import annotations

from numbers import Real

import torch
from sklearn.utils._param_validation import Interval
from torch import nn
from torch.nn import functional as F

from ._base import BaseGANOverSampler

__all__ = ["SGAN"]

_SLOPE = 0.2


class DenseGenerator(nn.Module):
    """Noise (+ one-hot class) -> 256 -> 512 -> 1024 -> n_features, leaky ReLU."""

    def __init__(self, n_features, noise_dim, n_labels=1):
        super().__init__()
        self.n_labels = n_labels
        width = noise_dim + (n_labels if n_labels > 1 else 0)
        layers = []
        for out in (256, 512, 1024):
            layers += [nn.Linear(width, out), nn.LeakyReLU(_SLOPE)]
            width = out
        layers.append(nn.Linear(width, n_features))
        self.body = nn.Sequential(*layers)

    def forward(self, z, labels=None):
        if self.n_labels > 1:
            z = torch.cat([z, F.one_hot(labels, self.n_labels).to(z.dtype)], dim=1)
        return self.body(z)


class DenseDiscriminator(nn.Module):
    """Spectrum (+ one-hot class) -> 1024 -> 512 -> 256 -> logit, leaky ReLU + dropout."""

    def __init__(self, n_features, dropout=0.3, n_labels=1):
        super().__init__()
        self.n_labels = n_labels
        width = n_features + (n_labels if n_labels > 1 else 0)
        layers = []
        for out in (1024, 512, 256):
            layers += [nn.Linear(width, out), nn.LeakyReLU(_SLOPE), nn.Dropout(dropout)]
            width = out
        layers.append(nn.Linear(width, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        if self.n_labels > 1:
            x = torch.cat([x, F.one_hot(labels, self.n_labels).to(x.dtype)], dim=1)
        return self.body(x)[:, 0]


class SGAN(BaseGANOverSampler):
    """Over-sample rare classes with the dense GAN of Zheng et al. (2020) (SGAN).

    The baseline that Yang et al. (2021) compare LCGAN with: a fully connected
    generator 256 -> 512 -> 1024 -> ``n_features`` from a 900-d standard-normal
    vector, a fully connected discriminator 1024 -> 512 -> 256 with dropout,
    Adam (lr 2e-4, beta1 0.5) for both, and noisy labels (real targets drawn
    from ``[1 - label_noise, 1]``, fake targets from ``[0, label_noise]``).
    Training loop, sampling, snapshots and save/load are shared with
    :class:`LCGAN`; see there for the common parameters and attributes.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        Which classes to over-sample and to what size, as in imbalanced-learn.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives bit-identical output on the CPU.
    n_iter : int, default=1000
        Training iterations (2,000 and more in the paper, see :meth:`paper`);
        the same default as :class:`LCGAN` so that the two compare at equal
        training length.
    batch_size : int, default=64
        Spectra per batch (drawn with replacement from smaller classes).
    noise_dim : int, default=900
        Length of the noise vector.
    generator_lr : float, default=2e-4
        Adam learning rate of the generator.
    discriminator_lr : float, default=2e-4
        Adam learning rate of the discriminator.
    beta1 : float, default=0.5
        Adam's first-moment decay.
    label_smoothing : float, default=0.0
        Real targets are ``1 - label_smoothing`` before the label noise.
    label_noise : float, default=0.1
        Width of the uniform noise on the targets (noisy labels).
    dropout : float, default=0.3
        Dropout rate in the discriminator.
    conditional : bool, default=False
        One generator with a one-hot class input for all classes.
    condition_classes : array-like of labels, default=None
        Classes learnt as context but not sampled (one conditional generator
        over them and the over-sampled classes); see :class:`LCGAN`.
    sample_dropout : bool, default=False
        Dropout at sampling time; SGAN's generator has no dropout, so this
        changes nothing (kept for a common interface).
    sample_smoothing : float, default=0.0
        Gaussian low-pass (sigma in pixels) of the generated spectra at
        sampling time; see :class:`LCGAN`.
    device : str or torch.device, default='auto'
        ``'auto'`` uses CUDA when available.
    verbose : int, default=0
        tqdm bar with the losses.
    snapshot_every : int, default=None
        Keep the generator every this many iterations.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of spectra generated per class.
    generators_ : dict
        Class label -> trained generator on the CPU.
    history_ : dict
        Class label -> losses per iteration.
    snapshots_ : dict
        Class label -> list of ``(iteration, state_dict)``.
    n_features_in_ : int
        Number of pixels.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` has string column names.

    See Also
    --------
    LCGAN : the locally connected GAN of the paper.

    Examples
    --------
    >>> from skspec.datasets import make_spectra
    >>> from skspec.over_sampling import SGAN
    >>> X, y = make_spectra(40, 32, weights=[0.8, 0.2], random_state=0)
    >>> X_res, y_res = SGAN(n_iter=5, batch_size=8, random_state=0).fit_resample(X, y)
    >>> X_res.shape
    (64, 32)
    """

    _parameter_constraints: dict = {
        **BaseGANOverSampler._parameter_constraints,
        "beta1": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        n_iter: int = 1000,
        batch_size: int = 64,
        noise_dim: int = 900,
        generator_lr: float = 2e-4,
        discriminator_lr: float = 2e-4,
        beta1: float = 0.5,
        label_smoothing: float = 0.0,
        label_noise: float = 0.1,
        dropout: float = 0.3,
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
        self.beta1 = beta1

    @classmethod
    def paper(cls, **params):
        """SGAN as compared in Yang et al. (2021): 2,000 iterations, snapshots every 100.

        Examples
        --------
        >>> from skspec.over_sampling import SGAN
        >>> SGAN.paper().generator_lr
        0.0002
        """
        settings = dict(
            n_iter=2000, batch_size=64, noise_dim=900, generator_lr=2e-4,
            discriminator_lr=2e-4, beta1=0.5, label_noise=0.1, snapshot_every=100,
        )
        settings.update(params)
        return cls(**settings)

    def _build_networks(self, n_features, n_labels):
        return (
            DenseGenerator(n_features, self.noise_dim, n_labels),
            DenseDiscriminator(n_features, self.dropout, n_labels),
        )

    def _make_optimizers(self, generator, discriminator):
        betas = (self.beta1, 0.999)
        # the dense layers hold ~10 M weights: the per-tensor Adam made six passes over
        # them per step (half of SGAN's training time on CPU); the fused kernel makes one,
        # the same update up to float rounding (2.5x faster steps, 1e-7 apart)
        fused = next(generator.parameters()).device.type in ("cpu", "cuda")
        return (
            torch.optim.Adam(generator.parameters(), lr=self.generator_lr, betas=betas,
                             fused=fused),
            torch.optim.Adam(discriminator.parameters(), lr=self.discriminator_lr, betas=betas,
                             fused=fused),
        )
