"""GAN samplers: condition_classes (one generator over sampled + context classes),
sample_dropout and the sampling-time smoothing."""

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter1d
from sklearn.base import clone

from skspec.datasets import make_spectra
from skspec.over_sampling import LCGAN, SGAN
from skspec.utils._torch import torch_generator

TINY = {
    LCGAN: dict(n_iter=3, batch_size=8, noise_dim=8, channels=2, random_state=0),
    SGAN: dict(n_iter=3, batch_size=8, noise_dim=8, random_state=0),
}
SAMPLERS = [LCGAN, SGAN]


def tiny(cls, **params):
    return cls(**{**TINY[cls], **params})


@pytest.fixture(scope="module")
def obf():
    """60 spectra of 24 pixels: 'F' 30, 'B' 20, 'O' 10 (string labels as in the data sets)."""
    X, y = make_spectra(60, 24, n_classes=3, weights=[0.5, 0.33, 0.17], random_state=1)
    return X, np.array(["F", "B", "O"])[y]


@pytest.mark.parametrize("cls", SAMPLERS)
def test_condition_classes_is_a_parameter(cls):
    sampler = tiny(cls, condition_classes=["B"], sample_dropout=True, sample_smoothing=1.5)
    params = clone(sampler).get_params()
    assert params["condition_classes"] == ["B"]
    assert params["sample_dropout"] is True and params["sample_smoothing"] == 1.5
    assert tiny(cls).get_params()["condition_classes"] is None


@pytest.mark.parametrize("cls", SAMPLERS)
def test_condition_classes_samples_only_the_requested_class(cls, obf):
    X, y = obf
    n = {c: int((y == c).sum()) for c in "OBF"}
    sampler = tiny(cls, sampling_strategy={"O": n["O"] + 15}, condition_classes=["B"])
    X_res, y_res = sampler.fit_resample(X, y)
    # real rows first and unchanged, then 15 new rows, all of them O
    assert X_res.shape == (len(X) + 15, X.shape[1])
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(X)], y)
    assert set(y_res[len(X):]) == {"O"}
    assert {c: int((y_res == c).sum()) for c in "OBF"} == {**n, "O": n["O"] + 15}
    # one generator learnt O and B, with the class as its condition
    assert sampler.generators_["O"] is sampler.generators_["B"]
    assert "F" not in sampler.generators_
    one = sampler.sample(4, "O", random_state=0)
    other = sampler.sample(4, "B", random_state=0)
    assert not np.array_equal(one, other)
    # the appended rows are the generator's O (same seed stream as fit_resample)
    again = tiny(cls, sampling_strategy={"O": n["O"] + 15}, condition_classes=["B"])
    np.testing.assert_array_equal(again.fit_resample(X, y)[0], X_res)


def test_condition_classes_differs_from_the_o_only_generator(obf):
    X, y = obf
    strategy = {"O": 25}
    alone = tiny(LCGAN, sampling_strategy=strategy).fit(X, y)
    with_b = tiny(LCGAN, sampling_strategy=strategy, condition_classes=["B"]).fit(X, y)
    assert set(alone.generators_) == {"O"}
    assert set(with_b.generators_) == {"O", "B"}
    assert with_b.generators_["O"].embed is not None  # a class input
    assert alone.generators_["O"].embed is None


@pytest.mark.parametrize("cls", SAMPLERS)
def test_condition_classes_seeded(cls, obf):
    X, y = obf
    a = tiny(cls, condition_classes=["B"], random_state=3).fit_resample(X, y)[0]
    b = tiny(cls, condition_classes=["B"], random_state=3).fit_resample(X, y)[0]
    c = tiny(cls, condition_classes=["B"], random_state=4).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_condition_class_that_is_also_sampled(obf):
    """A class both sampled and named as context is learnt once and sampled."""
    X, y = obf
    sampler = tiny(LCGAN, sampling_strategy={"O": 20, "B": 25}, condition_classes=["B", "F"])
    _, y_res = sampler.fit_resample(X, y)
    assert {c: int((y_res == c).sum()) for c in "OBF"} == {
        "O": 20, "B": 25, "F": int((y == "F").sum())}
    assert len(sampler._groups) == 1 and sorted(sampler._groups[0]["labels"]) == ["B", "F", "O"]


@pytest.mark.parametrize("cls", SAMPLERS)
def test_condition_classes_save_load_round_trip(cls, obf, tmp_path):
    X, y = obf
    sampler = tiny(cls, sampling_strategy={"O": 20}, condition_classes=("B",),
                   snapshot_every=1).fit(X, y)
    path = sampler.save(tmp_path / "gan.skspec")
    loaded = cls.load(path)
    assert loaded.get_params() == sampler.get_params()
    assert loaded.generators_["O"] is loaded.generators_["B"]
    for label in ("O", "B"):
        np.testing.assert_array_equal(loaded.sample(5, label, random_state=1),
                                      sampler.sample(5, label, random_state=1))
    np.testing.assert_array_equal(loaded.sample(5, "O", random_state=1, iteration=2),
                                  sampler.sample(5, "O", random_state=1, iteration=2))


def test_condition_classes_bad_input(obf):
    X, y = obf
    with pytest.raises(ValueError, match=r"condition_classes: class 'A' is not in y"):
        tiny(LCGAN, condition_classes=["A"]).fit(X, y)
    y_one_b = y.copy()
    y_one_b[y == "B"] = "F"
    y_one_b[np.flatnonzero(y == "B")[0]] = "B"
    with pytest.raises(ValueError, match=r"condition_classes: class 'B' has 1 sample"):
        tiny(LCGAN, sampling_strategy={"O": 20}, condition_classes=["B"]).fit(X, y_one_b)
    with pytest.raises(ValueError, match="condition_classes"):
        tiny(LCGAN, condition_classes="B").fit(X, y)  # a list of labels, not a string


# --------------------------------------------------------------- sample_dropout
def test_sample_dropout_seeded_and_leaves_torch_alone(obf):
    X, y = obf
    plain = tiny(LCGAN, sampling_strategy={"O": 20}, dropout=0.5).fit(X, y)
    noisy = clone(plain).set_params(sample_dropout=True).fit(X, y)
    # same training (sample_dropout acts at sampling only): same weights
    for a, b in zip(plain.generators_["O"].state_dict().values(),
                    noisy.generators_["O"].state_dict().values()):
        torch.testing.assert_close(a, b)
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    first = noisy.sample(30, "O", random_state=2)
    torch.testing.assert_close(torch.rand(3), expected)
    np.testing.assert_array_equal(first, noisy.sample(30, "O", random_state=2))
    assert not np.array_equal(first, noisy.sample(30, "O", random_state=3))
    assert not np.allclose(first, plain.sample(30, "O", random_state=2))
    assert not noisy.generators_["O"].training  # back in evaluation mode


def test_sample_dropout_keeps_the_noise(obf):
    """SGAN's generator has no dropout: sample_dropout leaves its spectra as they were."""
    X, y = obf
    sampler = tiny(SGAN, sampling_strategy={"O": 20}).fit(X, y)
    plain = sampler.sample(8, "O", random_state=4)
    np.testing.assert_array_equal(sampler.set_params(sample_dropout=True).sample(
        8, "O", random_state=4), plain)


# -------------------------------------------------------------------- smoothing
@pytest.mark.parametrize("cls", SAMPLERS)
def test_smoothing_is_a_gaussian_low_pass_of_the_generator(cls, obf):
    X, y = obf
    sampler = tiny(cls, sampling_strategy={"O": 20}, sample_smoothing=2.0).fit(X, y)
    generator = sampler.generators_["O"]
    z = torch.randn(6, sampler.noise_dim, generator=torch_generator(5))
    with torch.no_grad():
        raw = generator(z, None).double().numpy()
    group = sampler._groups[0]
    raw = raw * group["scale"] + group["center"]
    expected = gaussian_filter1d(raw, 2.0, axis=1, mode="nearest", truncate=3.0)
    np.testing.assert_allclose(sampler.sample(6, "O", random_state=5), expected,
                               rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    # a filter at sampling time only: training and weights do not change
    sharp = tiny(cls, sampling_strategy={"O": 20}).fit(X, y)
    assert sharp.history_["O"] == sampler.history_["O"]
    sharp_out = sharp.sample(6, "O", random_state=5)
    assert np.abs(np.diff(expected, 2, axis=1)).mean() < np.abs(np.diff(sharp_out, 2, axis=1)).mean()


def test_racnet_with_a_conditional_sampler_round_trips_save_model(obf, tmp_path):
    from skspec import load_model, save_model
    from skspec.neural_network import RACNetClassifier

    X, y = obf
    gan = tiny(LCGAN, sampling_strategy={"O": 15}, condition_classes=["B"],
               sample_smoothing=1.0, device="cpu")
    model = RACNetClassifier(module__channels=(4, 4), max_epochs=2, random_state=0,
                             device="cpu", sampler=gan).fit(X, y)
    assert model.n_synthetic_ > 0
    again = load_model(save_model(model, tmp_path / "m.skspec",
                                  wavelength=np.linspace(4000.0, 5000.0, X.shape[1])))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert again.sampler.get_params() == gan.get_params()
    assert again.sampler.condition_classes == ["B"]
