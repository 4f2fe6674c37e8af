"""save_model / load_model: round trips, and files that must be refused."""

import io
import json
import shutil
import os
import pathlib
import zipfile

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skspec import load_model, save_model
from skspec._persistence import FORMAT_VERSION, read_manifest

WAVE = np.linspace(4000.0, 5000.0, 64)


def _labels(y):
    return np.array(["F", "O"])[y]


@pytest.fixture(scope="module")
def linear(spectra):
    from skspec.preprocessing import FluxNormalizer

    X, y = spectra
    return make_pipeline(FluxNormalizer(), LogisticRegression(max_iter=200)).fit(X, _labels(y))


@pytest.fixture(scope="module")
def racnet(spectra):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline as imb_pipeline

    from skspec.neural_network import RACNetClassifier
    from skspec.preprocessing import FluxNormalizer

    X, y = spectra
    model = imb_pipeline(
        FluxNormalizer(),
        RandomOverSampler(random_state=0),
        RACNetClassifier(module__channels=(4, 4), max_epochs=2, random_state=0, device="cpu"),
    )
    return model.fit(X, _labels(y))


def _rewrite(path, **replace):
    """Copy a model file, replacing some archive members."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members.update(replace)
    out = pathlib.Path(path).with_name("tampered.skspec")
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def _manifest(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


def test_round_trip_linear_pipeline(linear, spectra, tmp_path):
    X, _ = spectra
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    again = load_model(path)
    np.testing.assert_array_equal(again.predict_proba(X), linear.predict_proba(X))
    np.testing.assert_array_equal(again.predict(X), linear.predict(X))
    np.testing.assert_array_equal(again.wavelength_, WAVE)
    assert type(again) is type(linear) and again is not linear


def test_round_trip_racnet_pipeline(racnet, spectra, tmp_path):
    X, _ = spectra
    path = save_model(racnet, tmp_path / "m.skspec", wavelength=WAVE)
    again = load_model(path, device="cpu")
    np.testing.assert_array_equal(again.predict_proba(X), racnet.predict_proba(X))
    assert list(again.classes_) == ["F", "O"]
    # the sampler only acts in fit: kept as parameters, without fitted state
    sampler = again.steps[1][1]
    assert sampler.random_state == 0 and not hasattr(sampler, "sampling_strategy_")


def test_manifest_records_versions_classes_and_grid(racnet, tmp_path):
    import torch

    path = save_model(racnet, tmp_path / "m.skspec", wavelength=WAVE)
    manifest = read_manifest(path)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["versions"]["torch"] == torch.__version__
    assert manifest["classes"] == ["F", "O"] and manifest["n_features"] == 64
    with zipfile.ZipFile(path) as zf:
        assert all(n in ("manifest.json", "arrays.npz") or n.startswith("weights/")
                   for n in zf.namelist())


def test_default_grid_is_the_bundled_one(tmp_path):
    from sklearn.neighbors import NearestCentroid

    from skspec.datasets import load_obafgkm
    from skspec.preprocessing import FluxNormalizer

    spectra = load_obafgkm()
    model = make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, spectra.target)
    again = load_model(save_model(model, tmp_path / "m.skspec"))
    np.testing.assert_allclose(again.wavelength_, spectra.wavelength.value)


def test_grid_of_the_wrong_length_is_refused(linear, tmp_path):
    with pytest.raises(ValueError, match="fitted on 64 pixels but the wavelength grid has 2782"):
        save_model(linear, tmp_path / "m.skspec")


def test_refuses_to_overwrite(linear, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_model(linear, path, wavelength=WAVE)
    save_model(linear, path, wavelength=WAVE, overwrite=True)  # allowed when asked


def test_unfitted_model_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_model(LogisticRegression(), tmp_path / "m.skspec", wavelength=WAVE)


def test_estimator_with_compiled_state_is_refused(spectra, tmp_path):
    from sklearn.tree import DecisionTreeClassifier

    X, y = spectra
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="tree_"):
        save_model(tree, tmp_path / "m.skspec", wavelength=WAVE)
    assert not (tmp_path / "m.skspec").exists()


@pytest.mark.parametrize("ref", ["os:system", "builtins:eval", "skspec._persistence:os"])
def test_manifest_naming_a_foreign_callable_is_refused(linear, tmp_path, ref):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    manifest = _manifest(path)
    manifest["estimator"]["__estimator__"] = ref
    bad = _rewrite(path, **{"manifest.json": json.dumps(manifest)})
    with pytest.raises(ValueError, match="refusing to load"):
        load_model(bad)


def test_pickled_torch_payload_is_refused(racnet, tmp_path):
    import torch

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (pathlib.Path.touch, (marker,))

    path = save_model(racnet, tmp_path / "m.skspec", wavelength=WAVE)
    weights = next(n for n in zipfile.ZipFile(path).namelist() if n.endswith("module.pt"))
    buffer = io.BytesIO()
    torch.save({"x": Payload()}, buffer)
    bad = _rewrite(path, **{weights: buffer.getvalue()})
    with pytest.raises(ValueError, match="refusing to load .*holds more than tensors"):
        load_model(bad)
    assert not marker.exists()


def test_object_array_payload_is_refused(linear, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    buffer = io.BytesIO()
    np.savez(buffer, a0=np.array([os.getcwd, 1], dtype=object), wavelength=WAVE)
    bad = _rewrite(path, **{"arrays.npz": buffer.getvalue()})
    with pytest.raises(ValueError, match="refusing to load"):
        load_model(bad)


def test_other_format_version_is_refused(linear, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    manifest = _manifest(path)
    manifest["format_version"] = 99
    bad = _rewrite(path, **{"manifest.json": json.dumps(manifest)})
    with pytest.raises(ValueError, match="format version 99 .* reads format version 1"):
        load_model(bad)


def test_other_skspec_version_is_refused(linear, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    manifest = _manifest(path)
    manifest["versions"]["skspec"] = "7.3.0"
    bad = _rewrite(path, **{"manifest.json": json.dumps(manifest)})
    with pytest.raises(ValueError, match="written by skspec 7.3.0.*same major.minor"):
        load_model(bad)


def test_other_library_version_warns(linear, spectra, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    manifest = _manifest(path)
    manifest["versions"]["sklearn"] = "0.1.0"
    other = _rewrite(path, **{"manifest.json": json.dumps(manifest)})
    with pytest.warns(UserWarning, match="sklearn 0.1.0 ->"):
        model = load_model(other)
    np.testing.assert_array_equal(model.predict(spectra[0]), linear.predict(spectra[0]))


def test_state_shadowing_a_method_is_refused(linear, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    manifest = _manifest(path)

    def add_fit(node):  # give the first estimator with a fitted state a "fit" attribute
        if isinstance(node, dict):
            if node.get("state"):
                node["state"]["fit"] = 1
                return True
            return any(add_fit(v) for v in node.values())
        if isinstance(node, list):
            return any(add_fit(v) for v in node)
        return False

    assert add_fit(manifest)
    bad = _rewrite(path, **{"manifest.json": json.dumps(manifest)})
    with pytest.raises(ValueError, match="'fit' is not a fitted attribute name"):
        load_model(bad)


def test_callbacks_are_not_rebuilt_from_the_file(racnet, spectra, tmp_path):
    from skorch.callbacks import Checkpoint

    net = racnet.steps[-1][1]
    net.set_params(callbacks=[Checkpoint(dirname=str(tmp_path / "ckpt"))])
    path = save_model(racnet, tmp_path / "m.skspec", wavelength=WAVE)
    net.set_params(callbacks=None)
    shutil.rmtree(tmp_path / "ckpt")  # skorch made it when the callback was set
    loaded = load_model(path)
    assert not (tmp_path / "ckpt").exists()  # Checkpoint.initialize would create it
    assert loaded.steps[-1][1].callbacks is None
    np.testing.assert_allclose(loaded.predict_proba(spectra[0]), racnet.predict_proba(spectra[0]),
                               rtol=1e-5, atol=1e-6)


def test_not_a_model_file(tmp_path):
    path = tmp_path / "model.skspec"
    path.write_text("hello")
    with pytest.raises(ValueError, match="not a skspec model file"):
        load_model(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.skspec")


def test_function_outside_the_function_allow_list_is_refused(linear, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    manifest = _manifest(path)
    # a class-valued parameter swapped for a function of an allowed package
    manifest["estimator"]["params"]["memory"] = {"__ref__": "skspec._persistence:save_model"}
    bad = _rewrite(path, **{"manifest.json": json.dumps(manifest)})
    with pytest.raises(ValueError, match="refusing to load .*save_model"):
        load_model(bad)


def test_scoring_function_parameter_round_trips(spectra, tmp_path):
    from sklearn.feature_selection import SelectKBest, f_classif

    X, y = spectra
    model = make_pipeline(SelectKBest(f_classif, k=8), LogisticRegression()).fit(X, _labels(y))
    again = load_model(save_model(model, tmp_path / "m.skspec", wavelength=WAVE))
    assert again[0].score_func is f_classif
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
