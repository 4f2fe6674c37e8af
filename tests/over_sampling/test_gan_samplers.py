"""LCGAN and SGAN: imblearn compatibility, determinism, learning, pipelines, bad input, I/O."""

import io
import pickle
import zipfile

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import check_param_validation, parametrize_with_checks
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score

from skspec.datasets import make_spectra
from skspec.over_sampling import LCGAN, SGAN
from skspec.over_sampling._lcgan import LCGenerator

TINY = {
    LCGAN: dict(n_iter=2, batch_size=8, noise_dim=8, channels=2, random_state=0),
    SGAN: dict(n_iter=2, batch_size=8, noise_dim=8, random_state=0),
}
SAMPLERS = [LCGAN, SGAN]


def tiny(cls, **params):
    return cls(**{**TINY[cls], **params})


@pytest.fixture(scope="module")
def data():
    """48 spectra of 32 pixels, classes 36:12, float32."""
    return make_spectra(48, 32, weights=[0.75, 0.25], random_state=0)


# ------------------------------------------------------------ imblearn checks
EXPECTED_FAILED = {
    "check_samplers_pandas_sparse": "spectra are dense: sparse input is refused with a TypeError",
}


@parametrize_with_checks(
    [tiny(LCGAN), tiny(SGAN)], expected_failed_checks=lambda est: EXPECTED_FAILED
)
def test_imblearn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", SAMPLERS)
def test_param_validation(cls):
    check_param_validation(cls.__name__, tiny(cls))


# -------------------------------------------------------------- basic output
@pytest.mark.parametrize("cls", SAMPLERS)
def test_synthetic_rows_after_real_ones_and_marked(cls, data):
    X, y = data
    X_res, y_res = tiny(cls).fit_resample(X, y)
    n_new = 36 - 12
    assert X_res.shape == (len(X) + n_new, X.shape[1])
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[len(X):], np.ones(n_new, dtype=y.dtype))


def test_dataframe_output_keeps_real_rows_first(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    X_df = pd.DataFrame(X, columns=[f"p{i}" for i in range(X.shape[1])])
    X_res, _ = tiny(LCGAN).fit_resample(X_df, pd.Series(y))
    assert isinstance(X_res, pd.DataFrame)
    assert len(X_res) == len(X) + 24
    np.testing.assert_array_equal(X_res.iloc[: len(X)].to_numpy(), X)


@pytest.mark.parametrize("cls", SAMPLERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(cls, dtype, data):
    X, y = data
    X_res, _ = tiny(cls).fit_resample(X.astype(dtype), y)
    assert X_res.dtype == dtype
    assert tiny(cls).fit(X.astype(dtype), y)  # fit alone works too


@pytest.mark.parametrize("cls", SAMPLERS)
def test_same_seed_bit_identical(cls, data):
    X, y = data
    a, _ = tiny(cls, random_state=3).fit_resample(X, y)
    b, _ = tiny(cls, random_state=3).fit_resample(X, y)
    c, _ = tiny(cls, random_state=4).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_global_torch_seed_untouched(data):
    X, y = data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    tiny(LCGAN).fit_resample(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_scale_round_trips(data):
    """Spectra far from unit scale come back on their own scale."""
    X, y = data
    X = X * 1e4 + 5e4
    X_res, _ = tiny(LCGAN).fit_resample(X, y)
    fake = X_res[len(X):]
    assert abs(fake.mean() - X[y == 1].mean()) < 0.2 * X[y == 1].std() + 1e4


@pytest.mark.parametrize("n_features", [1, 2, 5, 20, 37, 100, 3700])
def test_generator_reaches_any_length(n_features):
    gen = LCGenerator(n_features, noise_dim=16, channels=2)
    assert gen(torch.randn(3, 16)).shape == (3, n_features)


# ------------------------------------------------------------------ learning
@pytest.mark.parametrize(
    "cls, params",
    [
        (LCGAN, dict(generator_lr=1e-3, discriminator_lr=1.5e-3, n_iter=80)),
        (SGAN, dict(n_iter=80)),
    ],
)
def test_generated_spectra_have_the_lines(cls, params):
    """After a short seeded training the lines are where the real ones are.

    A generator that outputs noise or a constant fails: the generated mean
    must correlate with the real mean and be deep at the line pixels only.
    """
    X, y = make_spectra(80, 64, weights=[0.75, 0.25], line_depth=0.6, random_state=0)
    real = X[y == 1]
    real_mean = real.mean(0)
    lines = real_mean < 0.8 * np.median(real_mean)
    assert 3 <= lines.sum() <= 20
    sampler = cls(batch_size=32, noise_dim=32, random_state=0, **params)
    sampler.fit_resample(X, y)
    fake = sampler.sample(200, 1, random_state=0)
    fake_mean = fake.mean(0)
    assert np.corrcoef(fake_mean, real_mean)[0, 1] > 0.8
    assert fake_mean[lines].mean() < 0.85 * np.median(fake_mean[~lines])
    assert fake.std(0).mean() > 1e-3  # not one constant spectrum
    assert len(sampler.history_[1]["d_loss"]) == params["n_iter"]


# ---------------------------------------------------------------- pipelines
def _pipeline(**gan_params):
    from skspec.preprocessing import FluxNormalizer

    return Pipeline([
        ("norm", FluxNormalizer()),
        ("gan", tiny(LCGAN, **gan_params)),
        ("clf", LogisticRegression(max_iter=200)),
    ])


def test_sampler_runs_only_in_fit(data, monkeypatch):
    X, y = data
    calls = []
    original = LCGAN._fit_resample

    def counting(self, X, y):
        calls.append(len(X))
        return original(self, X, y)

    monkeypatch.setattr(LCGAN, "_fit_resample", counting)
    pipe = _pipeline().fit(X, y)
    assert calls == [len(X)]
    assert pipe.named_steps["clf"].n_features_in_ == X.shape[1]
    assert pipe.predict(X).shape == (len(X),)
    pipe.score(X, y)
    assert calls == [len(X)]


def _half_again(y):
    """Grow class 1 to 1.5 times its count in whatever fold the sampler sees."""
    return {1: int(round(1.5 * np.sum(y == 1)))}


@pytest.mark.parametrize("cls", SAMPLERS)
def test_callable_sampling_strategy_follows_the_fold(cls, data):
    # the user guide's recipe: a target set from the labels of each training fold
    X, y = data
    sampler = tiny(cls, sampling_strategy=_half_again)
    _, y_res = sampler.fit_resample(X, y)
    assert np.sum(y_res == 1) == 18 and np.sum(y_res == 0) == 36
    _, y_res = clone(sampler).fit_resample(X[:40], y[:40])
    assert np.sum(y_res == 1) == round(1.5 * np.sum(y[:40] == 1))
    pickle.loads(pickle.dumps(sampler))


def test_cross_val_score_and_grid_search(data):
    X, y = data
    from sklearn.model_selection import StratifiedKFold

    scores = cross_val_score(_pipeline(), X, y, cv=3)
    # each fold's pipeline resamples its own training rows only: the same scores by hand
    by_hand = [_pipeline().fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in StratifiedKFold(3).split(X, y)]
    np.testing.assert_allclose(scores, by_hand)
    search = GridSearchCV(_pipeline(), {"gan__n_iter": [1, 3]}, cv=2).fit(X, y)
    assert search.best_params_["gan__n_iter"] in (1, 3)
    assert search.predict(X).shape == (len(X),)


# ------------------------------------------------------- multi-class options
@pytest.fixture(scope="module")
def three_classes():
    return make_spectra(60, 24, n_classes=3, weights=[0.6, 0.3, 0.1], random_state=1)


def test_one_generator_per_class(three_classes):
    X, y = three_classes
    sampler = tiny(SGAN).fit(X, y)
    assert set(sampler.generators_) == {1, 2}
    assert sampler.generators_[1] is not sampler.generators_[2]
    _, y_res = tiny(SGAN).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [36, 36, 36]


@pytest.mark.parametrize("cls", SAMPLERS)
def test_conditional_shares_one_generator(cls, three_classes, tmp_path):
    X, y = three_classes
    sampler = tiny(cls, conditional=True)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [36, 36, 36]
    assert sampler.generators_[1] is sampler.generators_[2]
    # the class input matters: the two classes get different spectra from the same noise
    one, two = sampler.sample(4, 1, random_state=0), sampler.sample(4, 2, random_state=0)
    assert not np.array_equal(one, two)
    sampler.save(tmp_path / "cond.pt")
    loaded = cls.load(tmp_path / "cond.pt")
    np.testing.assert_array_equal(
        loaded.sample(5, 2, random_state=1), sampler.sample(5, 2, random_state=1)
    )


def test_small_class_sampled_with_replacement():
    X, y = make_spectra(30, 16, weights=[28, 2], random_state=0)
    X_res, y_res = tiny(LCGAN, batch_size=16).fit_resample(X, y)
    assert (y_res == 1).sum() == 28


def test_string_labels(data):
    X, y = data
    labels = np.array(["F", "O"])[y]
    sampler = tiny(LCGAN)
    _, y_res = sampler.fit_resample(X, labels)
    assert (y_res == "O").sum() == 36
    assert sampler.sample(2, "O").shape == (2, X.shape[1])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_flux(bad, data):
    X, y = data
    X = X.copy()
    X[5, 3] = bad
    with pytest.raises(ValueError, match=r"NaN or infinite flux in 1 spectrum \(row 5\)"):
        tiny(LCGAN).fit_resample(X, y)


@pytest.mark.parametrize("cls", SAMPLERS)
def test_flux_beyond_float32_is_refused(cls, data):
    # finite in float64, inf in the float32 the GANs train in: all-NaN rows came back
    X, y = data
    X = X.astype(np.float64) * 1e200
    with pytest.raises(ValueError, match=r"beyond the float32 range .* \(rows 0, 1, 2, 3, 4 and"):
        tiny(cls).fit_resample(X, y)


def test_single_sample_class():
    X, y = make_spectra(20, 16, random_state=0)
    y = np.r_[np.zeros(19, int), 1]
    with pytest.raises(ValueError, match="class 1 has 1 sample; a GAN needs at least 2"):
        tiny(LCGAN).fit_resample(X, y)


def test_three_d_input(data):
    X, y = data
    with pytest.raises(ValueError, match="dim 3"):
        tiny(LCGAN).fit_resample(X[:, None, :], y)


def test_unknown_class_in_sample(data):
    X, y = data
    sampler = tiny(LCGAN).fit(X, y)
    with pytest.raises(ValueError, match=r"class_label 7 has no generator; fitted classes: \[1\]"):
        sampler.sample(3, 7)
    with pytest.raises(ValueError, match="n_samples must be a non-negative integer"):
        sampler.sample(-1, 1)


def test_sampling_strategy_names_absent_class(data):
    X, y = data
    with pytest.raises(ValueError, match="not present in the data"):
        tiny(LCGAN, sampling_strategy={5: 40}).fit_resample(X, y)


def test_sample_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        tiny(LCGAN).sample(2, 1)


def test_cuda_requested_without_cuda(data):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available")
    X, y = data
    with pytest.raises(ValueError, match="CUDA is not available"):
        tiny(LCGAN, device="cuda").fit_resample(X, y)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_trains_on_cuda(data):
    X, y = data
    sampler = tiny(LCGAN, device="cuda")
    X_res, _ = sampler.fit_resample(X, y)
    assert next(sampler.generators_[1].parameters()).device.type == "cpu"
    assert np.isfinite(X_res).all()


# ------------------------------------------- snapshots, sample(), persistence
def test_snapshots_and_sample_at_iteration(data):
    X, y = data
    sampler = tiny(LCGAN, n_iter=4, snapshot_every=2).fit(X, y)
    assert [it for it, _ in sampler.snapshots_[1]] == [2, 4]
    final = sampler.sample(5, 1, random_state=0)
    np.testing.assert_array_equal(sampler.sample(5, 1, random_state=0, iteration=4), final)
    assert not np.array_equal(sampler.sample(5, 1, random_state=0, iteration=2), final)
    with pytest.raises(ValueError, match=r"no snapshot at iteration 3; kept iterations: \[2, 4\]"):
        sampler.sample(5, 1, iteration=3)
    assert sampler.history_[1]["iteration"] == [1, 2, 3, 4]


def test_verbose_progress_bar(data, capsys):
    X, y = data
    tiny(LCGAN, n_iter=12, verbose=1).fit_resample(X, y)
    assert "d_loss" in capsys.readouterr().err


@pytest.mark.parametrize("cls", SAMPLERS)
def test_save_load_round_trip(cls, data, tmp_path):
    X, y = data
    sampler = tiny(cls, n_iter=4, snapshot_every=2, sampling_strategy={1: 30}).fit(X, y)
    path = tmp_path / "gan.pt"
    sampler.save(path)
    loaded = cls.load(path)
    assert loaded.get_params() == sampler.get_params()
    np.testing.assert_array_equal(
        loaded.sample(6, 1, random_state=2), sampler.sample(6, 1, random_state=2)
    )
    np.testing.assert_array_equal(
        loaded.sample(6, 1, random_state=2, iteration=2),
        sampler.sample(6, 1, random_state=2, iteration=2),
    )
    assert loaded.history_ == sampler.history_
    assert loaded.sample(3, 1).dtype == np.float32
    # refuse to overwrite unless asked
    with pytest.raises(FileExistsError, match="overwrite=True"):
        sampler.save(path)
    sampler.save(path, overwrite=True)
    # a sampler refits after loading
    assert loaded.fit_resample(X, y)[0].shape == (len(X) + 18, X.shape[1])


def test_load_refuses_other_files(data, tmp_path):
    X, y = data
    path = tmp_path / "lc.pt"
    tiny(LCGAN).fit(X, y).save(path)
    with pytest.raises(ValueError, match="holds a LCGAN, not a SGAN"):
        SGAN.load(path)
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a skspec model file"):
        LCGAN.load(tmp_path / "other.pt")


class _Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_load_does_not_unpickle_objects(data, tmp_path, capsys):
    # the sampler file is skspec's model format: a pickled weights file is refused
    X, y = data
    path = tmp_path / "lc.skspec"
    tiny(LCGAN).fit(X, y).save(path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    weights = next(name for name in members if name.startswith("weights/"))
    buffer = io.BytesIO()
    torch.save({"x": _Payload()}, buffer)
    members[weights] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    with pytest.raises(ValueError, match="holds more than tensors"):
        LCGAN.load(path)
    assert "must never run" not in capsys.readouterr().out


@pytest.mark.parametrize("cls", SAMPLERS)
def test_pickle_and_clone(cls, data):
    X, y = data
    sampler = tiny(cls).fit(X, y)
    restored = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(
        restored.sample(4, 1, random_state=0), sampler.sample(4, 1, random_state=0)
    )
    fresh = clone(sampler)
    assert not hasattr(fresh, "generators_") and fresh.get_params() == sampler.get_params()


@pytest.mark.parametrize("cls", SAMPLERS)
def test_paper_preset(cls):
    sampler = cls.paper(random_state=1)
    assert sampler.n_iter == 2000 and sampler.noise_dim == 900 and sampler.random_state == 1
    assert sampler.snapshot_every == 100
    if cls is LCGAN:
        assert (sampler.generator_lr, sampler.discriminator_lr) == (1e-4, 1.5e-4)
        opt_g, opt_d = sampler._make_optimizers(*sampler._build_networks(16, 1))
        assert isinstance(opt_g, torch.optim.RMSprop) and isinstance(opt_d, torch.optim.RMSprop)


def test_racnet_classifier_gets_the_gan_rows_as_synthetic(data):
    from skspec.neural_network import RACNetClassifier

    X, y = data
    clf = RACNetClassifier(module__channels=(4,), max_epochs=1, random_state=0,
                           sampler=tiny(LCGAN)).fit(X, y)
    n_valid_0 = np.sum(y[clf.validation_indices_] == 0)
    n_valid_1 = np.sum(y[clf.validation_indices_] == 1)
    # "auto" grows class 1 to class 0's count among the training rows only
    assert clf.n_synthetic_ == (np.sum(y == 0) - n_valid_0) - (np.sum(y == 1) - n_valid_1)



# --------------------------------------------- discriminator targets, smoothing
class _ConstantLogitGAN(LCGAN):
    """An LCGAN whose discriminator says logit 1.0 for every row and never learns."""

    def _build_networks(self, n_features, n_labels):
        class G(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = torch.nn.Parameter(torch.zeros(n_features))

            def forward(self, z, labels=None):
                return self.w.expand(len(z), -1) + 0 * z[:, :1]

        class D(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.b = torch.nn.Parameter(torch.tensor(1.0))

            def forward(self, x, labels=None):
                return self.b.expand(len(x)) + 0 * x.sum(1)

        return G(), D()

    def _make_optimizers(self, generator, discriminator):
        return torch.optim.SGD(generator.parameters(), lr=0.0), torch.optim.SGD(discriminator.parameters(), lr=0.0)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_one_sided_label_smoothing_reaches_the_losses(data, smoothing):
    # BCE(logit c, target t) = softplus(c) - t c: the discriminator's real targets are
    # 1 - smoothing, its fake targets 0, and the generator's targets stay 1 (one-sided)
    X, y = data
    gan = _ConstantLogitGAN(n_iter=3, batch_size=8, noise_dim=8, label_smoothing=smoothing, random_state=0)
    gan.fit(X, y)
    history = gan.history_[1]
    c = 1.0
    softplus = np.log1p(np.exp(c))
    np.testing.assert_allclose(history["d_loss"], [(softplus - (1 - smoothing) * c) + softplus] * 3, rtol=1e-6)
    np.testing.assert_allclose(history["g_loss"], [softplus - c] * 3, rtol=1e-6)


def test_label_noise_moves_targets_towards_each_other():
    gan = LCGAN(label_smoothing=0.1, label_noise=0.2)
    gen = torch.Generator().manual_seed(0)
    real, fake = gan._targets(1000, gen, "cpu")
    assert real.shape == fake.shape == (1000,)
    assert float(real.max()) <= 0.9 and float(real.min()) >= 0.7 and float(real.std()) > 0.04
    assert float(fake.min()) >= 0.0 and float(fake.max()) <= 0.2 and float(fake.std()) > 0.04
    real, fake = LCGAN(label_smoothing=0.1, label_noise=0.0)._targets(5, gen, "cpu")
    np.testing.assert_array_equal(real.numpy(), np.full(5, 0.9, dtype=np.float32))
    np.testing.assert_array_equal(fake.numpy(), np.zeros(5, dtype=np.float32))


@pytest.mark.parametrize("length", [1, 2, 7, 64])
def test_upsample2_equals_linear_interpolation(length):
    from torch.nn import functional as F

    from skspec.over_sampling._lcgan import Upsample2

    torch.manual_seed(0)
    x = torch.randn(3, 4, length)
    expected = F.interpolate(x, scale_factor=2, mode="linear", align_corners=False)
    torch.testing.assert_close(Upsample2()(x), expected, rtol=1e-6, atol=1e-6)
