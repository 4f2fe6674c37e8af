"""RACNetClassifier: sklearn behaviour, determinism, persistence, bad input."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

from skspec.datasets import make_spectra
from skspec.neural_network import PAPER_PARAMS, RACNetClassifier

TINY = {"module__channels": (4, 4), "max_epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def letters():
    """80 spectra of 64 pixels, four string classes."""
    X, y = make_spectra(80, 64, n_classes=4, random_state=0)
    return X, np.array(["O", "F", "G", "K"])[y]


@pytest.fixture(scope="module")
def fitted(letters):
    X, y = letters
    return RACNetClassifier(**TINY).fit(X, y)


def test_string_labels_and_shapes(fitted, letters):
    X, y = letters
    assert fitted.classes_.tolist() == ["F", "G", "K", "O"]
    assert fitted.n_features_in_ == 64
    proba = fitted.predict_proba(X)
    assert proba.shape == (80, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    pred = fitted.predict(X)
    assert set(pred) <= set(fitted.classes_)
    np.testing.assert_array_equal(pred, fitted.classes_[proba.argmax(axis=1)])
    assert fitted.score(X, y) == pytest.approx(np.mean(pred == y))  # accuracy of these labels
    assert fitted.module_.n_features == 64 and fitted.module_.n_classes == 4


def test_module_params_reach_the_module(fitted):
    assert fitted.module_.channels == (4, 4)
    assert len(fitted.module_.stages) == 2


def test_float64_input_gives_float32_results(fitted, letters):
    X, _ = letters
    np.testing.assert_array_equal(fitted.predict_proba(X.astype(np.float64)), fitted.predict_proba(X))


def test_same_seed_same_model_and_global_rng_untouched(letters):
    X, y = letters
    torch.manual_seed(123)
    expected_draw = torch.rand(3)
    torch.manual_seed(123)
    a = RACNetClassifier(**TINY).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected_draw)  # fit did not consume the global stream
    b = RACNetClassifier(**TINY).fit(X.astype(np.float64), list(y))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.validation_indices_, b.validation_indices_)
    c = RACNetClassifier(**{**TINY, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_optimised_predict_matches_plain_eval(fitted, letters):
    # predict_proba folds batch norm into the convolutions; same answers as skorch's path
    X, _ = letters
    plain = torch.softmax(fitted.forward(X), dim=1).numpy()
    fast = fitted.predict_proba(X)
    np.testing.assert_allclose(fast, plain, atol=1e-5)
    np.testing.assert_array_equal(fast.argmax(1), plain.argmax(1))


def test_clone_and_pickle(fitted, letters):
    X, _ = letters
    fresh = clone(fitted)
    assert fresh.get_params()["module__channels"] == (4, 4)
    assert not hasattr(fresh, "label_encoder_")
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.device == "auto"
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    assert restored.classes_.tolist() == ["F", "G", "K", "O"]


def test_save_load_params_round_trip(fitted, letters, tmp_path):
    X, _ = letters
    path = tmp_path / "racnet.pt"
    fitted.save_params(f_params=path)
    params = {k: v for k, v in fitted.get_params(deep=False).items() if k != "_params_to_validate"}
    rebuilt = RACNetClassifier(**params)
    rebuilt.initialize(n_features=64, classes=fitted.classes_)
    rebuilt.load_params(f_params=path)  # skorch loads with torch.load(weights_only=True)
    np.testing.assert_array_equal(rebuilt.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(rebuilt.predict(X), fitted.predict(X))
    # the file is a plain state_dict: safe loading works by hand too
    state = torch.load(path, weights_only=True)
    by_hand = RACNetClassifier(**params).initialize(n_features=64, classes=list("FGKO"))
    by_hand.module_.load_state_dict(state)
    np.testing.assert_array_equal(by_hand.predict(X), fitted.predict(X))


def test_initialize_without_data_says_what_to_do():
    with pytest.raises(ValueError, match="initialize\\(n_features"):
        RACNetClassifier().initialize()


def test_grid_search_over_width(letters):
    X, y = letters
    grid = GridSearchCV(
        RACNetClassifier(**TINY), {"module__channels": [(2,), (4, 4)]}, cv=2, error_score="raise"
    ).fit(X, y)
    assert grid.best_params_["module__channels"] in [(2,), (4, 4)]
    assert len(grid.cv_results_["mean_test_score"]) == 2
    assert grid.predict(X[:3]).shape == (3,)


def test_cross_val_score(letters):
    X, y = letters
    from sklearn.model_selection import StratifiedKFold

    scores = cross_val_score(RACNetClassifier(**TINY), X, y, cv=2)
    # the same as fitting and scoring each fold by hand (seeded, so exactly)
    by_hand = [np.mean(RACNetClassifier(**TINY).fit(X[tr], y[tr]).predict(X[te]) == y[te])
               for tr, te in StratifiedKFold(2).split(X, y)]
    np.testing.assert_allclose(scores, by_hand)


def test_pipeline_with_normalizer_and_over_sampler():
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline

    from skspec.preprocessing import FluxNormalizer

    X, y = make_spectra(60, 64, weights=[0.85, 0.15], random_state=1)
    X = X + 1.0  # positive flux like real spectra
    y = np.array(["F", "O"])[y]
    pipe = make_pipeline(FluxNormalizer(), RandomOverSampler(random_state=0), RACNetClassifier(**TINY))
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (60,)
    assert pipe.classes_.tolist() == ["F", "O"]


def test_class_weight_balanced(letters):
    X, y = letters
    y = y.copy()
    y[:60] = "F"  # F dominant
    clf = RACNetClassifier(**TINY).fit(X, y)
    counts = np.array([np.sum(y == c) for c in clf.classes_])
    np.testing.assert_allclose(clf.class_weight_, len(y) / (len(counts) * counts))
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), clf.class_weight_, rtol=1e-6)
    plain = RACNetClassifier(**TINY, class_weight=None).fit(X, y)
    assert plain.class_weight_ is None and plain.criterion_.weight is None


def test_paper_preset(letters):
    X, y = letters
    clf = RACNetClassifier.paper(module__channels=(4,), max_epochs=2, random_state=0)
    for key, value in PAPER_PARAMS.items():
        if key != "max_epochs":
            assert clf.get_params()[key] == value
    assert clf.lr == 1e-4 and clf.patience == 5 and clf.valid_size == 0.3
    clf.fit(X, y)
    early = dict(clf.callbacks_)["early_stopping"]
    assert early.patience == 5 and early.load_best and early.monitor == "valid_loss"


def test_early_stopping_stops_and_restores_best(letters):
    X, y = letters
    clf = RACNetClassifier(module__channels=(4,), lr=0.5, max_epochs=30, patience=2, min_epochs=0,
                           random_state=0).fit(X, y)
    losses = clf.history[:, "valid_loss"]
    assert len(losses) < 30
    best = int(np.argmin(losses))
    assert len(losses) == best + 1 + 2  # stopped `patience` epochs after the best
    # the restored weights give the best epoch's validation loss
    Xv, yv = X[clf.validation_indices_], y[clf.validation_indices_]
    logits = clf.forward(Xv)
    target = torch.as_tensor(clf.label_encoder_.transform(yv))
    loss = clf.criterion_(logits, target).item()
    assert loss == pytest.approx(losses[best], rel=1e-4)


@pytest.mark.parametrize("min_epochs", [0, 5])
@pytest.mark.parametrize("patience", [1, 2])
def test_early_stopping_waits_min_epochs(min_epochs, patience):
    # a validation loss that only rises after epoch 1 (as in a slow start): training
    # ends `patience` epochs after the warm-up, not `patience` epochs after epoch 1
    from types import SimpleNamespace

    from skorch.history import History

    from skspec.neural_network._early_stopping import _WarmEarlyStopping

    net = SimpleNamespace(history=History(), module_=torch.nn.Linear(2, 2), verbose=0)
    early = _WarmEarlyStopping(patience=patience, load_best=True, min_epochs=min_epochs)
    early.on_train_begin(net)
    for epoch in range(1, 31):
        net.history.new_epoch()
        net.history.record("epoch", epoch)
        net.history.record("valid_loss", 1.0 + 0.1 * epoch)
        try:
            early.on_epoch_end(net)
        except KeyboardInterrupt:
            break
    assert epoch == max(min_epochs, 1) + patience and early.best_epoch_ == 1


def test_classifier_passes_min_epochs_to_early_stopping(letters):
    X, y = letters
    clf = RACNetClassifier(module__channels=(4,), max_epochs=1, patience=3, min_epochs=7,
                           random_state=0).fit(X, y)
    early = dict(clf.callbacks_)["early_stopping"]
    assert early.min_epochs == 7 and early.patience == 3 and early.load_best


def test_no_validation_split(letters):
    X, y = letters
    clf = RACNetClassifier(**TINY, valid_size=None).fit(X, y)
    assert clf.validation_indices_ is None
    assert dict(clf.callbacks_)["early_stopping"].monitor == "train_loss"
    assert "valid_loss" not in clf.history[-1]


def test_partial_fit_continues(fitted, letters):
    X, y = letters
    clf = pickle.loads(pickle.dumps(fitted))
    n_epochs = len(clf.history)
    clf.partial_fit(X, y)
    assert len(clf.history) == n_epochs + TINY["max_epochs"]


def test_attention_maps(fitted, letters):
    X, _ = letters
    maps = fitted.attention_maps(X[:5])
    assert maps.shape == (5, 64)
    assert np.all(maps >= 0) and np.allclose(maps.max(axis=1), 1.0)
    other = fitted.attention_maps(X[:5], target="O")
    assert other.shape == (5, 64)
    assert not fitted.module_.training


# ---------------------------------------------------------------- bad input
def test_nan_in_X_names_row(letters):
    X, y = letters
    X = X.copy()
    X[7, 3] = np.nan
    with pytest.raises(ValueError, match="row 7"):
        RACNetClassifier(**TINY).fit(X, y)


def test_nan_at_predict_names_row(fitted, letters):
    X = letters[0][:4].copy()
    X[2, 0] = np.inf
    with pytest.raises(ValueError, match="row 2"):
        fitted.predict(X)


def test_wrong_n_features_at_predict(fitted, letters):
    with pytest.raises(ValueError, match="X has 60 features, but RACNetClassifier is expecting 64 features"):
        fitted.predict(letters[0][:, :60])


def test_single_class(letters):
    X, _ = letters
    with pytest.raises(ValueError, match="single class \\('O'\\)"):
        RACNetClassifier(**TINY).fit(X, np.full(len(X), "O"))


def test_one_dimensional_X(letters):
    X, y = letters
    with pytest.raises(ValueError, match="2D array"):
        RACNetClassifier(**TINY).fit(X[0], y[:1])


def test_bad_parameter(letters):
    X, y = letters
    with pytest.raises(ValueError, match="valid_size"):
        RACNetClassifier(**TINY, valid_size=1.5).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        RACNetClassifier(**TINY, class_weight="auto").fit(X, y)


def test_predict_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RACNetClassifier().predict(np.zeros((2, 8), dtype=np.float32))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_auto_device_uses_cuda(letters):
    X, y = letters
    clf = RACNetClassifier(**TINY).fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.device == "auto" and clf.device_ == "cuda"
    assert clf.predict(X).shape == (80,)


def test_custom_module(letters):
    # any module taking n_features / n_classes works; RACNet-only defaults are not forced on it
    class Linear(torch.nn.Module):
        def __init__(self, n_features, n_classes):
            super().__init__()
            self.fc = torch.nn.Linear(n_features, n_classes)

        def forward(self, X):
            return self.fc(X)

    X, y = letters
    clf = RACNetClassifier(Linear, max_epochs=2, random_state=0).fit(X, y)
    assert "module__standardize" not in clf.get_params()
    assert clf.predict_proba(X).shape == (80, 4)
    assert clf.predict(X[:2]).dtype.kind == "U"


def test_noise_augmentation_level():
    from skspec.neural_network._noise import _add_noise

    torch.manual_seed(0)
    X = torch.full((2000, 100), -2.0)  # median |flux| = 2
    X[:, ::2] = 2.0
    noisy = _add_noise(X, 10.0, 10.0)  # sigma = 2 / 10
    assert abs(float((noisy - X).std()) - 0.2) < 0.005
    noisy = _add_noise(X, 5.0, 100.0)  # per-row S/N log-uniform in [5, 100]
    snr = 2.0 / (noisy - X).std(dim=1)
    assert 4.0 < float(snr.min()) and float(snr.max()) < 125  # 100 pixels: ~7% error on each std
    assert abs(float(snr.log().median()) - np.log(np.sqrt(5 * 100))) < 0.15


def test_noise_augmentation_trains_on_noise_only(letters, monkeypatch):
    from skspec.neural_network import _noise

    X, y = letters
    seen = []
    original = _noise._add_noise
    monkeypatch.setattr(_noise, "_add_noise", lambda *a: seen.append(len(a[0])) or original(*a))
    clf = RACNetClassifier(**TINY, augment_snr=(5, 50)).fit(X, y)
    n_train = len(X) - len(clf.validation_indices_)
    assert sum(seen) == TINY["max_epochs"] * n_train  # every training row, every epoch; no validation row
    n_calls = len(seen)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))  # prediction is noise-free
    assert len(seen) == n_calls
    again = RACNetClassifier(**TINY, augment_snr=(5, 50)).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))  # seeded
    n_calls = len(seen)
    plain = RACNetClassifier(**TINY, augment_snr=None).fit(X, y)  # no augmentation at all
    assert len(seen) == n_calls
    assert not np.allclose(clf.predict_proba(X), plain.predict_proba(X))


@pytest.mark.parametrize("bad", [(5,), (10, 5), (0, 5), (5, np.inf), "high"])
def test_noise_augmentation_bad_bounds(letters, bad):
    X, y = letters
    with pytest.raises((ValueError, TypeError), match="augment_snr"):
        RACNetClassifier(**TINY, augment_snr=bad).fit(X, y)


# ------------------------------------------------------ fast inference dispatch
def test_racnet_subclass_predicts_with_its_own_forward(letters):
    # a subclass may change the forward pass; the fast RACNet copy must not replace it
    from skspec.neural_network import RACNet

    class Shifted(RACNet):
        def forward(self, X):
            logits = super().forward(X)
            return logits + torch.arange(logits.shape[1], dtype=logits.dtype) * 3.0

    X, y = letters
    clf = RACNetClassifier(Shifted, **TINY).fit(X, y)
    expected = torch.softmax(clf.forward(X), dim=1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-6)


def test_fast_copy_that_disagrees_falls_back_with_a_warning(letters):
    import copy

    X, y = letters
    clf = copy.deepcopy(RACNetClassifier(**TINY).fit(X, y))
    plain_forward = clf.module_.forward
    clf.module_.forward = lambda X: plain_forward(X).flip(1)  # patched instance, still type RACNet
    expected = torch.softmax(clf.forward(X), dim=1).numpy()
    with pytest.warns(RuntimeWarning, match="InferenceRACNet differs"):
        got = clf.predict_proba(X)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_fast_copy_is_reused_until_the_weights_change(letters, monkeypatch):
    from skspec.neural_network import _inference

    X, y = letters
    clf = pickle.loads(pickle.dumps(RACNetClassifier(**TINY).fit(X, y)))
    built = []
    original = _inference.InferenceRACNet
    monkeypatch.setattr(_inference, "InferenceRACNet", lambda net: built.append(1) or original(net))
    first = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict_proba(X[:5]), first[:5])
    assert len(built) == 1
    with torch.no_grad():  # an in-place edit of the weights, as load_state_dict does
        clf.module_.head[-1].bias.add_(torch.tensor([5.0, 0.0, 0.0, 0.0]))
    changed = clf.predict_proba(X)
    assert len(built) == 2
    np.testing.assert_allclose(changed, torch.softmax(clf.forward(X), dim=1).numpy(), atol=1e-5)
    assert (changed.argmax(1) == 0).mean() > (first.argmax(1) == 0).mean()


# ------------------------------------------------------------------ device
def test_device_parameter_is_never_rewritten(letters):
    # another thread (a Dask worker thread, a monitor) must see the parameter as given
    # while fit and predict run; the resolved device is the fitted attribute device_
    import threading

    from skorch.callbacks import Callback

    seen = []

    class Watch(Callback):
        def on_epoch_end(self, net, **kwargs):
            t = threading.Thread(target=lambda: seen.append(net.get_params(deep=False)["device"]))
            t.start()
            t.join()

    X, y = letters
    clf = RACNetClassifier(**TINY, callbacks=[("watch", Watch())])
    before = clf.get_params(deep=False)
    clf.fit(X, y)
    assert seen == ["auto"] * TINY["max_epochs"]
    assert clf.device == "auto"
    assert clf.device_ == str(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    after = clf.get_params(deep=False)
    assert after.keys() == before.keys()
    assert {k: v for k, v in after.items() if k != "callbacks"} == {
        k: v for k, v in before.items() if k != "callbacks"}
    clf.predict_proba(X)
    clf.attention_maps(X[:2])
    assert clf.get_params(deep=False)["device"] == "auto"


def test_concurrent_predict_proba_on_one_model(fitted, letters):
    from concurrent.futures import ThreadPoolExecutor

    X, _ = letters
    expected = fitted.predict_proba(X)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: fitted.predict_proba(X), range(16)))
    for got in results:
        np.testing.assert_allclose(got, expected, atol=1e-6)
    assert fitted.device == "auto"


def test_flux_beyond_float32_is_refused_naming_rows(fitted, letters):
    X, y = letters
    big = X.astype(np.float64)
    big[[3, 9]] *= 1e39  # finite in float64, inf once cast to the net's float32
    with pytest.raises(ValueError, match=r"beyond the float32 range .* 2 spectra \(rows 3, 9\)"):
        fitted.predict_proba(big)
    with pytest.raises(ValueError, match=r"beyond the float32 range .* \(rows 3, 9\)"):
        RACNetClassifier(**TINY).fit(big, y)
