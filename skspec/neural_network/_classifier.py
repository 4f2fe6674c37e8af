"""RACNetClassifier: RAC-Net as a scikit-learn classifier (a skorch net)."""

from __future__ import annotations

import inspect
from numbers import Integral, Real

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochScoring, EpochTimer, PassthroughScoring, PrintLog
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch.utils.data import Subset

from ..utils import check_spectra
from ..utils._random import draw_seed
from ..utils._validation import as_float32_spectra
from . import _noise
from ._device import _AutoDeviceMixin
from ._early_stopping import _valid_accuracy, _WarmEarlyStopping
from ._inference import InferenceCache, inference_module
from ._racnet import RACNet
from ._saliency import gradient_x_input
from ._sampling import resample_training_rows
from ._seeding import seeded
from ._valid_split import RealValidSplit

__all__ = ["PAPER_PARAMS", "RACNetClassifier"]

#: The training recipe of Yang et al. (2021): Adam with learning rate 1e-4,
#: early stopping once the validation loss has not improved for 5 epochs (best
#: weights restored), a 7:3 stratified train/validation split, plain
#: cross-entropy and unscaled input. ``max_epochs`` is not given in the paper;
#: with this recipe training stops after about 15 epochs on the bundled data.
#: Use ``RACNetClassifier.paper()`` or ``RACNetClassifier(**PAPER_PARAMS)``.
PAPER_PARAMS = {
    "lr": 1e-4,
    "max_epochs": 200,
    "batch_size": 32,
    "patience": 5,
    "valid_size": 0.3,
    "class_weight": None,
    "optimizer__weight_decay": 0.0,
    "module__standardize": False,
    "augment_snr": None,
}


def _accepts(func, name: str) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class RACNetClassifier(_AutoDeviceMixin, NeuralNetClassifier):
    """RAC-Net spectrum classifier with a scikit-learn interface.

    A skorch :class:`~skorch.NeuralNetClassifier` whose module defaults to
    :class:`RACNet`, with sklearn conveniences skorch lacks: any labels
    (strings too; ``classes_`` holds them sorted), float64 input, a
    ``random_state``, ``device="auto"``, clear input errors, and a
    validation split made of real spectra only.

    ``n_features`` and ``n_classes`` of the module are taken from the data at
    ``fit``. Other module settings go through ``module__*`` (for example
    ``module__channels=(8, 16)``), as do skorch's ``optimizer__*``,
    ``criterion__*``, ``callbacks__*``, ``iterator_train__*``.

    **Synthetic rows never validate.** Give the over-sampler to the
    classifier, ``RACNetClassifier(sampler=LCGAN(...))``, rather than as a
    pipeline step before it. ``fit`` then first draws the real validation
    spectra (a stratified ``valid_size`` of the stars of each class when
    ``groups`` are given, else of the rows: :class:`RealValidSplit`), fits a
    clone of the sampler on the remaining training rows only, and trains on
    those plus the synthetic rows the sampler appended; early stopping
    watches the held-out real spectra. A synthetic row can therefore never
    validate, nor derive from a validation spectrum (the GAN never saw them).
    Any over-sampler that returns its input rows first and appends the new
    ones (every imbalanced-learn over-sampler, the skspec GANs) works; this
    is checked. Data that already holds synthetic rows can be passed with
    ``fit(X, y, is_synthetic=mask)``: those rows always train. A sampler
    *before* this classifier in a pipeline hands it rows it cannot tell
    apart: they all count as real and may validate. The validation rows
    are in ``validation_indices_`` (indices into ``X`` as given to ``fit``).

    **Defaults.** The paper's recipe (``PAPER_PARAMS``, ``RACNetClassifier.paper()``)
    underfits the small bundled data: it stops after 14-29 epochs. The defaults
    here (lr 1e-3, patience 10, up to 100 epochs, class-balanced cross-entropy,
    per-spectrum standardised input) did better on ``load_obafgkm()`` after
    ``FluxNormalizer``, 5-fold StratifiedGroupKFold over stars, one seed: O
    recall 0.60 (6 of 10 O stars) and macro F1 0.65 over the seven classes,
    against O recall 0.00 and macro F1 0.34 for the paper's recipe. O precision
    stays low (0.30: late-O/early-B confusion); without the class weighting
    it is 0.50 but O recall drops to 0.20 (macro F1 0.67). Details in
    ``benchmarks/results/racnet.md``. Noise augmentation (``augment_snr``)
    was added later: in leave-one-O-star-out runs on ``load_obafgkm()``
    (small net, 25 epochs, 2 seeds) it raised macro F1 from 0.10-0.68 to
    0.73-0.74 on clean spectra and from 0.12-0.50 to 0.69-0.77 at S/N 5,
    and kept training from collapsing onto few classes; ``skspec
    reproduce`` measures it against ``augment_snr=None`` in every run.

    Parameters
    ----------
    module : torch module class or instance, default=RACNet
        The network; it must accept ``n_features`` and ``n_classes`` (filled
        in from the data) or have them given as ``module__*``.
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        The module returns logits; ``predict_proba`` applies softmax.
    optimizer : torch optimizer class, default=torch.optim.Adam
    lr : float, default=1e-3
        Learning rate (the paper uses 1e-4).
    max_epochs : int, default=100
        Upper bound on epochs; early stopping usually ends training sooner.
    batch_size : int, default=32
    patience : int or None, default=10
        Stop once the validation loss (the training loss when ``valid_size``
        is None) has not improved for this many epochs and restore the best
        weights. None trains for ``max_epochs``.
    min_epochs : int, default=10
        Early stopping starts counting epochs without improvement only after
        this many (the best weights are still tracked from the first). The
        validation loss can rise for the first few epochs before it falls; a
        short ``patience`` alone then ends training there and restores the
        untrained net (seen with patience 4: every spectrum predicted as one
        class).
    valid_size : float in (0, 1) or None, default=0.3
        Fraction of the real spectra of each class held out for early
        stopping (the paper's 7:3 split). None: no internal validation.
    class_weight : {"balanced"}, dict or None, default="balanced"
        Weights of the cross-entropy per class; "balanced" uses
        ``n_samples / (n_classes * count)`` over the training labels.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch shuffling and the validation
        split. On CPU the same seed gives identical predictions. The global
        torch random state is left untouched when it is set.
    device : str or torch.device, default="auto"
        "auto" picks CUDA when available, else the CPU. The parameter is
        never rewritten (``get_params`` says "auto" during and after
        ``fit``); the device chosen is ``device_``.
    verbose : int, default=0
        1 prints skorch's per-epoch table (losses, validation accuracy).
    train_split : callable or None, default=None
        Leave None for :class:`RealValidSplit` driven by ``valid_size``. A
        custom skorch split replaces it and does not know which rows are
        synthetic.
    classes : array-like or None, default=None
        All labels, when some may be missing from a training set.
    augment_snr : (float, float) or None, default=(5.0, 100.0)
        Noise augmentation during training: every time a training spectrum
        is drawn into a batch it gets fresh Gaussian noise of standard
        deviation ``median(|flux|) / snr``, with ``snr`` drawn log-uniformly
        between the two bounds (the noise model of
        :func:`skspec.preprocessing.degrade`). Teaches the net survey-like
        noise from library-quality spectra; on by default because it
        measured better on the bundled spectra at every S/N, clean included
        (see "Defaults" above). Validation and prediction see the spectra as
        given. None trains on the spectra as given (the paper); use it when
        the training spectra are already as noisy as the survey's.
    sampler : imbalanced-learn over-sampler or None, default=None
        Fitted (a clone, at every ``fit``) on the training rows only, after
        the validation spectra were held out; its appended rows train and
        never validate (see "Synthetic rows never validate"). The fitted
        clone is ``sampler_``; ``n_synthetic_`` says how many rows it added.
    **kwargs
        Passed to :class:`skorch.NeuralNetClassifier` (``module__*``,
        ``optimizer__*``, ``callbacks``, ``iterator_train__*``, ...).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
        Pixels per spectrum seen at ``fit``.
    label_encoder_ : LabelEncoder
        Maps labels to the module's output indices.
    device_ : str, torch.device or None
        The device the net lives on: ``device`` with "auto" resolved (again
        when a pickled model is loaded, so a model trained on a GPU loads on
        a CPU-only machine).
    class_weight_ : ndarray or None
        Cross-entropy weight per class used in training.
    validation_indices_ : ndarray or None
        Rows of the ``fit`` input used for validation (all real).
    sampler_ : sampler
        The fitted clone of ``sampler`` (only when ``sampler`` is set);
        prediction does not use it.
    n_synthetic_ : int
        Synthetic rows trained on in the last ``fit``: the sampler's plus
        those marked by ``is_synthetic``.
    module_ : RACNet
        The trained network (best epoch when early stopping restored it).
    history_ : skorch History
        Per-epoch losses and validation accuracy.

    Examples
    --------
    >>> from skspec.datasets import make_spectra
    >>> from skspec.neural_network import RACNetClassifier
    >>> X, y = make_spectra(80, 64, random_state=0)
    >>> y = np.array(["F", "O"])[y]
    >>> clf = RACNetClassifier(module__channels=(4, 8), max_epochs=3, random_state=0)
    >>> clf.fit(X, y).classes_
    array(['F', 'O'], dtype='<U1')
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> clf.attention_maps(X[:2]).shape
    (2, 64)
    """

    _parameter_constraints: dict = {
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "min_epochs": [Interval(Integral, 0, None, closed="left")],
        "valid_size": [Interval(Real, 0, 1, closed="neither"), None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "augment_snr": [tuple, list, None],
        "sampler": [HasMethods(["fit_resample"]), None],
    }

    def __init__(
        self,
        module=RACNet,
        *,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr: float = 1e-3,
        max_epochs: int = 100,
        batch_size: int = 32,
        patience: int | None = 10,
        min_epochs: int = 10,
        valid_size: float | None = 0.3,
        class_weight="balanced",
        random_state=None,
        device="auto",
        verbose: int = 0,
        train_split=None,
        classes=None,
        augment_snr: tuple[float, float] | None = (5.0, 100.0),
        sampler=None,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            device=device,
            verbose=verbose,
            train_split=train_split,
            classes=classes,
            **kwargs,
        )
        self.patience = patience
        self.min_epochs = min_epochs
        self.valid_size = valid_size
        self.class_weight = class_weight
        self.random_state = random_state
        self.augment_snr = augment_snr
        self.sampler = sampler

    def set_params(self, **params):
        """Set parameters; ``sampler__*`` reach the sampler (as in sklearn meta-estimators).

        skorch would store an unknown ``sampler__k_neighbors`` as an
        attribute of the net instead.
        """
        nested = {k: params.pop(k) for k in list(params) if k.startswith("sampler__")}
        if "sampler" in params:
            super().set_params(sampler=params.pop("sampler"))
        if nested:
            if self.sampler is None:
                raise ValueError(f"cannot set {sorted(nested)}: sampler is None")
            self.sampler.set_params(**{k[len("sampler__"):]: v for k, v in nested.items()})
        if params:
            super().set_params(**params)
        return self

    @classmethod
    def paper(cls, **params) -> "RACNetClassifier":
        """A classifier with the paper's training recipe (``PAPER_PARAMS``).

        Keyword arguments override the recipe.

        Examples
        --------
        >>> from skspec.neural_network import RACNetClassifier
        >>> clf = RACNetClassifier.paper(random_state=0)
        >>> clf.lr, clf.patience, clf.valid_size
        (0.0001, 5, 0.3)
        """
        return cls(**{**PAPER_PARAMS, **params})

    # ---------------------------------------------------------- initialisation
    @property
    def _default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("valid_acc", EpochScoring(_valid_accuracy, name="valid_acc", lower_is_better=False)),
        ]
        if self.patience is not None:
            monitor = "train_loss" if self._no_validation() else "valid_loss"
            callbacks.append(
                ("early_stopping", _WarmEarlyStopping(monitor=monitor, patience=self.patience,
                                                      load_best=True, min_epochs=self.min_epochs))
            )
        callbacks.append(("print_log", PrintLog()))
        return callbacks

    def _no_validation(self) -> bool:
        return self.train_split is None and self.valid_size is None

    def initialize(self, n_features: int | None = None, classes=None):
        """Build the module, criterion and optimizer.

        ``fit`` calls this itself. To rebuild a trained classifier from saved
        weights, call it with the data's shape first, then load the weights:
        ``clf.initialize(n_features=2782, classes=["F", "G", "K", "O"])``
        followed by ``clf.load_params(f_params=...)`` or
        ``clf.module_.load_state_dict(state_dict)``.
        """
        if n_features is not None:
            self.n_features_in_ = int(n_features)
        if classes is not None:
            self.label_encoder_ = LabelEncoder().fit(np.asarray(classes))
        self._inference_cache_ = InferenceCache()
        self.device_ = self._resolve_device()
        with self._auto_device():
            return super().initialize()

    def initialize_module(self):
        kwargs = self.get_params_for("module")
        target = type(self.module) if isinstance(self.module, torch.nn.Module) else self.module
        if hasattr(self, "n_features_in_") and _accepts(target, "n_features"):
            kwargs.setdefault("n_features", self.n_features_in_)
        if hasattr(self, "label_encoder_") and _accepts(target, "n_classes"):
            kwargs.setdefault("n_classes", len(self.label_encoder_.classes_))
        if target is RACNet and "n_features" not in kwargs:
            raise ValueError(
                "RACNetClassifier does not know the spectrum length yet: call fit(X, y) "
                "or initialize(n_features=..., classes=...)"
            )
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        weight = getattr(self, "class_weight_", None)
        if weight is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(weight, dtype=torch.float32)
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    def __sklearn_is_fitted__(self):
        """Fitted once the net is initialised with its classes (by ``fit`` or ``initialize``).

        skorch before 1.4 sets attributes ending in ``_`` at construction,
        which sklearn's default check would take for fitted state.
        """
        return bool(getattr(self, "initialized_", False)) and hasattr(self, "label_encoder_")

    @property
    def classes_(self):
        if hasattr(self, "label_encoder_"):
            return self.label_encoder_.classes_
        return super().classes_

    # --------------------------------------------------------------- training
    def get_split_datasets(self, X, y=None, **fit_params):
        """Split into training and validation sets: the split ``fit`` drew (real rows only)."""
        if self.train_split is not None:
            return super().get_split_datasets(X, y, **fit_params)
        dataset = self.get_dataset(X, y)
        valid = getattr(self, "_fit_valid_", None)
        if valid is None:
            return dataset, None
        train = np.setdiff1d(np.arange(len(X)), valid)
        return Subset(dataset, train), Subset(dataset, valid)

    def _split_and_resample(self, X, y, synthetic, groups, split_seed):
        """Hold the real validation rows out, resample the rest; return the rows to fit on.

        Sets ``validation_indices_`` (rows of ``X``), ``n_synthetic_`` and the
        rows of the returned arrays that validate (``_fit_valid_``).
        """
        n = len(X)
        if synthetic is None:
            synthetic = np.zeros(n, dtype=bool)
        valid = None
        if self.train_split is None and self.valid_size is not None:
            _, valid = RealValidSplit(self.valid_size, random_state=split_seed).split_indices(y, synthetic, groups)
            if valid.size == 0:
                raise ValueError(
                    f"valid_size={self.valid_size} leaves no real spectrum for validation "
                    f"({n} rows); give more real spectra or set valid_size=None"
                )
        self.validation_indices_ = valid
        self.n_synthetic_ = int(synthetic.sum())
        self.__dict__.pop("sampler_", None)  # no stale sampler from an earlier fit
        if self.sampler is None:
            self._fit_valid_ = valid
            return X, y
        train = np.arange(n) if valid is None else np.setdiff1d(np.arange(n), valid)
        X_res, y_res, n_new, self.sampler_ = resample_training_rows(self.sampler, X[train], y[train])
        as_float32_spectra(X_res, name=f"the output of {type(self.sampler).__name__}")
        self.n_synthetic_ += n_new
        if valid is None:
            self._fit_valid_ = None
            return X_res, y_res
        self._fit_valid_ = np.arange(len(X_res), len(X_res) + len(valid))
        return np.concatenate([X_res, X[valid]]), np.concatenate([y_res, y[valid]])

    def _check_groups(self, groups, n_samples: int):
        if groups is None:
            return None
        groups = np.asarray(groups)
        if groups.shape != (n_samples,):
            raise ValueError(
                f"groups must hold one star id per spectrum, shape ({n_samples},), got shape {groups.shape}"
            )
        if self.train_split is not None:
            raise ValueError("groups are used by the built-in validation split; with a custom "
                             "train_split, split by star in it instead")
        return groups

    def _check_synthetic(self, mask, n_samples: int):
        if mask is None:
            return None
        mask = np.asarray(mask)
        if mask.dtype != bool or mask.shape != (n_samples,):
            raise ValueError(
                f"is_synthetic must be a boolean array of shape ({n_samples},), "
                f"got dtype {mask.dtype} and shape {mask.shape}"
            )
        return mask

    def _prepare_fit(self, X, y, is_synthetic, reset: bool = True):
        validate_parameter_constraints(
            self._parameter_constraints,
            {k: getattr(self, k) for k in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        self._check_augment_snr()
        X, y = validate_data(
            self, X, y, reset=reset, dtype=[np.float32, np.float64], ensure_all_finite=False, ensure_min_samples=2
        )
        check_spectra(X)
        check_classification_targets(y)
        return as_float32_spectra(X), y, self._check_synthetic(is_synthetic, len(X))

    def fit(self, X, y, *, groups=None, is_synthetic=None, **fit_params):
        """Fit RAC-Net on spectra ``X`` (n_spectra, n_pixels) and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
            Flux; float64 is cast to float32.
        y : array-like of shape (n_spectra,)
            Labels of any type (e.g. "O", "B", ...).
        groups : array-like of shape (n_spectra,), optional
            Star id of every spectrum (e.g. the ``object`` column): the
            validation split then holds out whole stars. In a pipeline pass
            ``pipe.fit(X, y, racnetclassifier__groups=ids)``; under sklearn's
            metadata routing request it with ``set_fit_request(groups=True)``.
        is_synthetic : array-like of bool, shape (n_spectra,), optional
            Rows that are synthetic already: they train and never validate.
        **fit_params
            Passed on to skorch (and the module's ``forward``).

        Returns
        -------
        self : RACNetClassifier
        """
        reset = not (self.warm_start and self.initialized_)
        X, y, synthetic = self._prepare_fit(X, y, is_synthetic, reset=reset)
        groups = self._check_groups(groups, len(X))
        if reset:
            self.label_encoder_ = LabelEncoder().fit(y if self.classes is None else np.asarray(self.classes))
        classes = self.label_encoder_.classes_
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            raise ValueError(f"y holds labels {unknown.tolist()} not in classes {classes.tolist()}")
        if len(classes) < 2:
            raise ValueError(
                f"y holds a single class ({classes[0].tolist()!r}); RACNetClassifier needs at least 2 classes"
            )
        rng = check_random_state(self.random_state)
        torch_seed, split_seed = draw_seed(rng), draw_seed(rng)
        X, y = self._split_and_resample(X, y, synthetic, groups, split_seed)
        y_enc = self.label_encoder_.transform(y).astype(np.int64)
        self.class_weight_ = self._class_weight(y)
        if reset:
            self.device_ = self._resolve_device()
        try:
            with self._auto_device(), self._seeded(torch_seed):
                if reset:
                    self.initialize()
                self._train(X, y_enc, **fit_params)
        finally:
            del self._fit_valid_
        return self

    def partial_fit(self, X, y=None, classes=None, *, groups=None, is_synthetic=None, **fit_params):
        """Train further on ``(X, y)`` (the labels must be among ``classes_``).

        The validation split and ``sampler`` work as in :meth:`fit`.
        """
        if not self.initialized_:
            return self.fit(X, y, groups=groups, is_synthetic=is_synthetic, **fit_params)
        X, y, synthetic = self._prepare_fit(X, y, is_synthetic, reset=False)
        groups = self._check_groups(groups, len(X))
        rng = check_random_state(self.random_state)
        torch_seed, split_seed = draw_seed(rng), draw_seed(rng)
        X, y = self._split_and_resample(X, y, synthetic, groups, split_seed)
        y_enc = self.label_encoder_.transform(y).astype(np.int64)
        try:
            with self._auto_device(), self._seeded(torch_seed):
                self._train(X, y_enc, **fit_params)
        finally:
            del self._fit_valid_
        return self

    def _train(self, X, y, **fit_params):
        """skorch's training (``partial_fit`` without initialisation), via its public hooks."""
        self.notify("on_train_begin", X=X, y=y)
        try:
            self.fit_loop(X, y, **fit_params)
        except KeyboardInterrupt:  # how skorch callbacks (early stopping) end training
            pass
        self.notify("on_train_end", X=X, y=y)

    def _check_augment_snr(self) -> None:
        _noise.check_augment_snr(self.augment_snr)

    def train_step_single(self, batch, **fit_params):
        """One training step; adds the ``augment_snr`` noise to the batch first."""
        if self.augment_snr is not None:
            Xi, yi = batch
            batch = (_noise._add_noise(Xi, *self.augment_snr), yi)
        return super().train_step_single(batch, **fit_params)

    def _seeded(self, seed: int):
        return seeded(self.random_state, seed, self.device)

    def _class_weight(self, y):
        if self.class_weight is None:
            return None
        classes = self.label_encoder_.classes_
        if isinstance(self.class_weight, dict):
            return np.array([float(self.class_weight.get(c, 1.0)) for c in classes])
        present = np.unique(y)
        weight = np.ones(len(classes))
        weight[np.searchsorted(classes, present)] = compute_class_weight("balanced", classes=present, y=y)
        return weight

    # ------------------------------------------------------------- prediction
    def _check_X_predict(self, X) -> np.ndarray:
        check_is_fitted(self, ["module_", "label_encoder_"])
        # names expected against got: "X has 60 features, but ... is expecting 64"
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64], ensure_all_finite=False)
        check_spectra(X)
        return as_float32_spectra(X)

    def _inference_module(self, probe: torch.Tensor) -> torch.nn.Module:
        """The module for prediction: a checked, cached :class:`InferenceRACNet` for a plain RACNet."""
        cache = getattr(self, "_inference_cache_", None)
        return inference_module(self.module_, probe, self._get_predict_nonlinearity(), cache)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (softmax of the logits), shape (n_spectra, n_classes).

        When the module is exactly a :class:`RACNet` (not a subclass, which
        may change the forward pass), runs an :class:`InferenceRACNet` copy
        of the net (batch norm folded into the convolutions, channels-last
        layout, fused oneDNN calls and micro-batches of 64 on CPU) in
        ``torch.inference_mode``: same argmax and probabilities within 1e-5
        of the plain evaluation-mode net, and about 3.7x faster on a 2-core
        CPU (1,200 spectra/s at 3,700 pixels, ``benchmarks/results/racnet.md``).
        The copy is checked on the first rows against the module's own
        forward pass once per set of weights (a RuntimeWarning and the
        module itself when they differ) and reused while the weights are
        unchanged. Any other module runs as is, in evaluation mode.
        """
        X = self._check_X_predict(X)
        nonlin = self._get_predict_nonlinearity()
        batch = max(int(self.batch_size), 256)
        out = []
        with self._auto_device(), torch.inference_mode():
            device = self._torch_device()
            module = None
            for start in range(0, len(X), batch):
                xb = torch.from_numpy(X[start : start + batch]).to(device)
                if module is None:
                    module = self._inference_module(xb)
                out.append(nonlin(module(xb)).float().cpu())
        return torch.cat(out).numpy() if out else np.empty((0, len(self.classes_)), dtype=np.float32)

    def predict(self, X) -> np.ndarray:
        """Predicted labels (from ``classes_``)."""
        proba = self.predict_proba(X)  # checks that the net is fitted
        return self.label_encoder_.inverse_transform(proba.argmax(axis=1))

    def attention_maps(self, X, target=None) -> np.ndarray:
        """Importance of each pixel for the decision, shape (n_spectra, n_pixels).

        Gradient x input: the gradient of the logit of ``target`` (default: each
        spectrum's predicted class) with respect to the input flux, times the
        flux, in absolute value and scaled so that each spectrum's maximum is
        1. High values mark the wavelengths that drive the decision; plot them
        with :func:`skspec.plotting.plot_attention`.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)
        target : label or None
            Class whose logit is explained; None uses the predicted class.
        """
        X = self._check_X_predict(X)
        index = None if target is None else int(self.label_encoder_.transform([target])[0])
        with self._auto_device():
            device = self._torch_device()
            return gradient_x_input(self.module_, X, device=device, batch_size=int(self.batch_size), target=index)
