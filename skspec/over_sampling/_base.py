"""The training loop, device handling, progress bar, snapshots, sampling and
persistence shared by the GAN over-samplers (LCGAN and SGAN).

Subclasses only say which networks and optimisers to use
(``_build_networks`` and ``_make_optimizers``).
"""

from __future__ import annotations

import copy
import logging
import math
from abc import abstractmethod
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from ..utils import check_spectra
from ..utils._validation import as_float32_spectra
from ..utils._random import draw_seed
from ..utils._torch import resolve_device, torch_generator

__all__ = ["BaseGANOverSampler"]

logger = logging.getLogger(__name__)

_CHUNK = 1024  # rows generated per forward pass in sample()


def _to_json_scalar(value):
    """numpy scalars -> python scalars so that json can write class labels."""
    return value.item() if isinstance(value, np.generic) else value


def _low_pass(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Rows of ``x`` convolved with a unit-sum Gaussian of ``sigma`` pixels
    (cut at 3 sigma; edges repeat the end pixels); ``x`` itself when sigma is 0."""
    if sigma <= 0:
        return x
    radius = max(1, math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = (kernel / kernel.sum())[None, None, :]
    padded = F.pad(x[:, None, :], (radius, radius), mode="replicate")
    return F.conv1d(padded, kernel)[:, 0]


class BaseGANOverSampler(BaseOverSampler):
    """Base class of the GAN over-samplers; do not use it directly.

    It trains one generator per class that ``sampling_strategy_`` asks new
    rows for (or one conditional generator for all of them) and appends the
    generated rows after the real ones, which stay first, unchanged and in
    order (how :class:`~skspec.neural_network.RACNetClassifier` tells them
    apart when the sampler is its ``sampler=``).
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "noise_dim": [Interval(Integral, 1, None, closed="left")],
        "generator_lr": [Interval(Real, 0, None, closed="neither")],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "label_noise": [Interval(Real, 0, 1, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "conditional": ["boolean"],
        "condition_classes": ["array-like", None],
        "sample_dropout": ["boolean"],
        "sample_smoothing": [Interval(Real, 0, None, closed="left")],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "snapshot_every": [Interval(Integral, 1, None, closed="left"), None],
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
        discriminator_lr: float = 1e-4,
        label_smoothing: float = 0.0,
        label_noise: float = 0.0,
        dropout: float = 0.2,
        conditional: bool = False,
        condition_classes=None,
        sample_dropout: bool = False,
        sample_smoothing: float = 0.0,
        device="auto",
        verbose: int = 0,
        snapshot_every: int | None = None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.noise_dim = noise_dim
        self.generator_lr = generator_lr
        self.discriminator_lr = discriminator_lr
        self.label_smoothing = label_smoothing
        self.label_noise = label_noise
        self.dropout = dropout
        self.conditional = conditional
        self.condition_classes = condition_classes
        self.sample_dropout = sample_dropout
        self.sample_smoothing = sample_smoothing
        self.device = device
        self.verbose = verbose
        self.snapshot_every = snapshot_every

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _build_networks(self, n_features: int, n_labels: int) -> tuple[nn.Module, nn.Module]:
        """Return ``(generator, discriminator)``.

        ``generator(z, labels)`` maps noise of shape ``(batch, noise_dim)`` to
        standardised spectra ``(batch, n_features)``; ``discriminator(x,
        labels)`` returns one logit per row. ``labels`` (class indices) is
        None unless ``n_labels > 1`` (conditional training).
        """

    @abstractmethod
    def _make_optimizers(self, generator: nn.Module, discriminator: nn.Module):
        """Return ``(generator_optimizer, discriminator_optimizer)``."""

    # ----------------------------------------------------------- validation
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False  # spectra are dense
        tags.non_deterministic = self.random_state is None
        return tags

    def _check_X_y(self, X, y, accept_sparse=None):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(
            self, X=X, y=y, reset=True, accept_sparse=False,
            dtype=[np.float64, np.float32], ensure_all_finite=False,
        )
        check_spectra(X)
        as_float32_spectra(X)  # the GANs train in float32: refuse flux that would become inf there
        return X, y, binarize_y

    def fit_resample(self, X, y, **params):
        """Train the generators and append synthetic rows after the real ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Spectra (any scale; the generated rows come back on the same scale).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_resampled : array-like of shape (n_samples_new, n_features)
            ``X`` followed by the synthetic rows.
        y_resampled : array-like of shape (n_samples_new,)
            Labels of ``X_resampled``.
        """
        return super().fit_resample(X, y, **params)

    # ------------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, **params):
        """Train the generators without returning resampled data.

        Use :meth:`sample` afterwards; ``fit_resample`` trains and resamples
        in one call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Spectra.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted sampler.
        """
        check_classification_targets(y)
        X, y, _ = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )
        self._fit_generators(X, y, check_random_state(self.random_state))
        return self

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        targets = self._fit_generators(X, y, rng)
        X_new = [X]
        y_new = [y]
        for label, n_new in targets.items():
            X_new.append(self.sample(n_new, label, random_state=rng))
            y_new.append(np.full(n_new, label, dtype=y.dtype))
        return np.vstack(X_new), np.concatenate(y_new)

    def _fit_generators(self, X, y, rng) -> dict:
        """Train the generators; return {class: number of rows to generate}."""
        device = resolve_device(self.device)
        targets = {c: int(n) for c, n in self.sampling_strategy_.items() if n > 0}
        for label in targets:
            n_label = int(np.sum(y == label))
            if n_label < 2:
                raise ValueError(
                    f"class {_to_json_scalar(label)!r} has {n_label} sample; a GAN needs "
                    "at least 2 spectra of a class to learn from"
                )
        context = self._context_classes(y, targets)
        if targets and context:
            # one generator learns the sampled classes and their neighbours, the class
            # as its condition (an O generator that also sees B learns the O/B border)
            groups = [list(targets) + context]
        elif self.conditional and len(targets) > 1:
            groups = [list(targets)]
        else:
            groups = [[label] for label in targets]

        self.generators_, self.history_, self.snapshots_ = {}, {}, {}
        self._groups = []
        self._label_index = {}
        self._dtype = X.dtype
        for group in groups:
            self._fit_group(X, y, group, device, draw_seed(rng))
        return targets

    def _context_classes(self, y, targets) -> list:
        """The ``condition_classes`` that are not sampled, as labels of ``y``, checked."""
        if self.condition_classes is None:
            return []
        present = list(np.unique(y))
        context = []
        for wanted in np.atleast_1d(np.asarray(self.condition_classes, dtype=object)):
            label = next((c for c in present if c == wanted), None)
            if label is None:
                raise ValueError(
                    f"condition_classes: class {_to_json_scalar(wanted)!r} is not in y "
                    f"(classes: {[_to_json_scalar(c) for c in present]})"
                )
            n_label = int(np.sum(y == label))
            if n_label < 2:
                raise ValueError(
                    f"condition_classes: class {_to_json_scalar(label)!r} has {n_label} "
                    "sample; a GAN needs at least 2 spectra of a class to learn from"
                )
            if label not in targets and label not in context:
                context.append(label)
        return context

    def _fit_group(self, X, y, labels: list, device: torch.device, seed: int) -> None:
        """Train one generator on the rows of ``labels`` (several = conditional)."""
        mask = np.isin(y, labels)
        rows = X[mask].astype(np.float32)
        center = float(rows.mean())
        scale = float(rows.std())
        if not np.isfinite(scale) or scale <= 0:
            scale = 1.0
        label_idx = None
        if len(labels) > 1:  # conditional: class index of every row
            label_idx = np.zeros(int(mask.sum()), dtype=np.int64)
            for i, label in enumerate(labels):
                label_idx[y[mask] == label] = i
        n_labels = len(labels)
        forked = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=forked):
            torch.manual_seed(seed)  # weight init and dropout
            noise_gen = torch.Generator().manual_seed(seed)  # batches, noise, labels
            generator, history, snapshots = self._train(
                (rows - center) / scale, label_idx, n_labels, device, noise_gen,
                desc=f"{type(self).__name__} {', '.join(map(str, labels))}",
            )
        generator = generator.cpu().eval()
        group = {"labels": labels, "center": center, "scale": scale}
        self._groups.append(group)
        for i, label in enumerate(labels):
            self._label_index[label] = (len(self._groups) - 1, i)
            self.generators_[label] = generator
            self.history_[label] = history
            self.snapshots_[label] = snapshots

    def _train(self, rows, label_idx, n_labels, device, gen, desc):
        n_features = rows.shape[1]
        generator, discriminator = self._build_networks(n_features, n_labels)
        generator.to(device).train()
        discriminator.to(device).train()
        opt_g, opt_d = self._make_optimizers(generator, discriminator)
        real = torch.as_tensor(rows, device=device)
        labels = None if label_idx is None else torch.as_tensor(label_idx)
        bce = nn.BCEWithLogitsLoss()
        bs = self.batch_size
        ones = torch.ones(bs, device=device)
        history = {"iteration": [], "d_loss": [], "g_loss": []}
        snapshots = []
        bar = tqdm(range(1, self.n_iter + 1), desc=desc, disable=not self.verbose, leave=False)
        for it in bar:
            idx = self._batch_indices(len(real), labels, n_labels, gen)
            x_real = real[idx.to(device)]
            lab = None if labels is None else labels[idx].to(device)
            t_real, t_fake = self._targets(bs, gen, device)

            # one batch of fakes serves both updates (as in the DCGAN reference loop);
            # real and fake go through the discriminator as one batch of 2 * batch_size
            fake = generator(self._noise(bs, gen, device), lab)
            both_lab = None if lab is None else torch.cat([lab, lab])
            logits = discriminator(torch.cat([x_real, fake.detach()]), both_lab)
            d_loss = bce(logits[:bs], t_real) + bce(logits[bs:], t_fake)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()

            discriminator.requires_grad_(False)  # no discriminator weight gradients in the G step
            g_loss = bce(discriminator(fake, lab), ones)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            discriminator.requires_grad_(True)

            d_value, g_value = d_loss.item(), g_loss.item()
            history["iteration"].append(it)
            history["d_loss"].append(d_value)
            history["g_loss"].append(g_value)
            if self.snapshot_every and it % self.snapshot_every == 0:
                state = {k: v.detach().cpu().clone() for k, v in generator.state_dict().items()}
                snapshots.append((it, state))
            if self.verbose and (it % 10 == 0 or it == self.n_iter):
                bar.set_postfix(d_loss=f"{d_value:.3f}", g_loss=f"{g_value:.3f}")
        bar.close()
        if self.verbose:
            logger.info("%s: final d_loss %.4f, g_loss %.4f", desc, d_value, g_value)
        return generator, history, snapshots

    def _batch_indices(self, n_rows, labels, n_labels, gen) -> torch.Tensor:
        """Row indices of one training batch (CPU).

        With fewer rows than ``batch_size`` rows are drawn with replacement.
        A conditional batch draws its classes uniformly, then rows within them.
        """
        bs = self.batch_size
        if labels is None:
            if n_rows >= bs:
                return torch.randperm(n_rows, generator=gen)[:bs]
            return torch.randint(n_rows, (bs,), generator=gen)
        counts = torch.bincount(labels, minlength=n_labels)
        order = torch.argsort(labels, stable=True)
        starts = torch.cumsum(counts, 0) - counts
        cls = torch.randint(n_labels, (bs,), generator=gen)
        within = (torch.rand(bs, generator=gen) * counts[cls]).long()
        return order[starts[cls] + within]

    def _noise(self, n, gen, device) -> torch.Tensor:
        # drawn on the CPU so that the stream is the same on every device
        return torch.randn(n, self.noise_dim, generator=gen).to(device)

    def _targets(self, n, gen, device):
        """Discriminator targets: real 1 - label_smoothing (minus noise), fake 0 (plus noise)."""
        real = torch.full((n,), 1.0 - self.label_smoothing)
        fake = torch.zeros(n)
        if self.label_noise > 0:
            real -= self.label_noise * torch.rand(n, generator=gen)
            fake += self.label_noise * torch.rand(n, generator=gen)
        return real.to(device), fake.to(device)

    # ------------------------------------------------------------- sampling
    def sample(self, n_samples: int, class_label, random_state=None, iteration: int | None = None):
        """Draw new synthetic spectra of one class without refitting.

        Parameters
        ----------
        n_samples : int
            Number of spectra.
        class_label : label
            A class that has a generator (a key of ``generators_``).
        random_state : int, RandomState instance or None, default=None
            Seed of the noise.
        iteration : int, default=None
            Use the generator as it was after this training iteration (one of
            the snapshots kept with ``snapshot_every``); the final generator
            when None.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_)
            Spectra on the scale of the training data, in its dtype.

        Notes
        -----
        The generator runs in evaluation mode (no dropout) unless
        ``sample_dropout`` is set, so the noise alone makes the spectra differ;
        either way the same ``random_state`` gives the same spectra.
        """
        check_is_fitted(self, "generators_")
        if not isinstance(n_samples, Integral) or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative integer, got {n_samples!r}")
        if class_label not in self._label_index:
            raise ValueError(
                f"class_label {_to_json_scalar(class_label)!r} has no generator; fitted "
                f"classes: {[_to_json_scalar(c) for c in self.generators_]}"
            )
        group_pos, label_pos = self._label_index[class_label]
        group = self._groups[group_pos]
        generator = self.generators_[class_label]
        if iteration is not None:
            states = dict(self.snapshots_[class_label])
            if iteration not in states:
                raise ValueError(
                    f"no snapshot at iteration {iteration}; kept iterations: {sorted(states)} "
                    "(set snapshot_every to keep more)"
                )
            generator = copy.deepcopy(generator)
            generator.load_state_dict(states[iteration])
        gen = torch_generator(random_state)
        out = np.empty((n_samples, self.n_features_in_), dtype=self._dtype)
        conditional = len(group["labels"]) > 1
        # dropout on: its masks come from torch's global stream, seeded next to the
        # noise (without drawing from it: the noise is the same either way) inside
        # fork_rng, so that the caller's stream is left as it was
        generator.train(self.sample_dropout)
        try:
            with torch.no_grad(), torch.random.fork_rng(devices=[]):
                if self.sample_dropout:
                    torch.manual_seed(gen.initial_seed() + 1)
                for start in range(0, n_samples, _CHUNK):
                    n = min(_CHUNK, n_samples - start)
                    z = torch.randn(n, self.noise_dim, generator=gen)
                    labels = (torch.full((n,), label_pos, dtype=torch.long)
                              if conditional else None)
                    x = _low_pass(generator(z, labels), self.sample_smoothing).double().numpy()
                    out[start:start + n] = x * group["scale"] + group["center"]
        finally:
            generator.eval()
        return out

    # ---------------------------------------------------------- persistence
    def _skspec_state(self) -> dict:
        """Fitted state for :mod:`skspec._persistence`: the attributes, with one
        generator ``state_dict`` per group in place of the modules."""
        check_is_fitted(self, "generators_")
        state = dict(vars(self))
        state["generators_"] = [self.generators_[g["labels"][0]].state_dict()
                                for g in self._groups]
        return state

    def _skspec_set_state(self, state: dict) -> None:
        """Inverse of :meth:`_skspec_state`: rebuild the generators from their weights."""
        state = dict(state)
        weights = state.pop("generators_")
        vars(self).update(state)
        self.generators_ = {}
        for group, weight in zip(self._groups, weights, strict=True):
            with torch.random.fork_rng(devices=[]):  # do not disturb the caller's seed
                generator, _ = self._build_networks(self.n_features_in_, len(group["labels"]))
            generator.load_state_dict(weight)
            generator.eval()
            for label in group["labels"]:
                self.generators_[label] = generator

    def save(self, path, overwrite: bool = False, *, trusted=None):
        """Write the fitted sampler to ``path`` in skspec's model file format.

        The same format as :func:`skspec.save_model` (a zip of a JSON
        manifest, a :mod:`skops.io` file and one torch ``state_dict`` per
        generator and snapshot; no pickle). Read it back with
        ``type(self).load(path)``.

        Parameters
        ----------
        path : str or path-like
            File to write.
        overwrite : bool, default=False
            Replace an existing file; otherwise an existing file is an error.
        trusted : list of str, default=None
            Your own functions the sampler holds (a callable
            ``sampling_strategy``), by ``"module.name"``; see
            :func:`skspec.save_model`.

        Returns
        -------
        path : pathlib.Path
            The file written.
        """
        from .._persistence import _save_sampler

        check_is_fitted(self, "generators_")
        return _save_sampler(self, path, overwrite=overwrite, trusted=trusted)

    @classmethod
    def load(cls, path, *, trusted=None):
        """Read a sampler written by :meth:`save` (no unpickling; see :func:`skspec.load_model`).

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        trusted : list of str, default=None
            Functions outside skspec's allow-list the file may name (your own
            ``sampling_strategy``), by ``"module.name"``.

        Returns
        -------
        sampler : the fitted sampler, on the CPU, ready for :meth:`sample`.
        """
        from .._persistence import _load_sampler

        return _load_sampler(path, cls, trusted=trusted)
