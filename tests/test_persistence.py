"""save_model / load_model: round trips, and files that must be refused."""

import io
import json
import shutil
import os
import pathlib
import zipfile

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
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


def _schema(path):
    """The skops schema (JSON tree) of a model file's model.skops."""
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(io.BytesIO(zf.read("model.skops"))) as sk:
        return json.loads(sk.read("schema.json"))


def _with_schema(path, schema):
    """A copy of a model file whose model.skops has another schema."""
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(io.BytesIO(zf.read("model.skops"))) as sk:
        members = {name: sk.read(name) for name in sk.namelist()}
    members["schema.json"] = json.dumps(schema).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as sk:
        for name, data in members.items():
            sk.writestr(name, data)
    return _rewrite(path, **{"model.skops": buffer.getvalue()})


def _nodes(node):
    """Every dict node of a skops schema, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


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
    assert manifest["kind"] == "classifier"
    assert manifest["estimator"] == "imblearn.pipeline.Pipeline"
    assert manifest["wavelength"] == {"array": "wavelength", "unit": "Angstrom",
                                      "medium": "vacuum"}
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert names[:3] == ["manifest.json", "model.skops", "arrays.npz"]
    assert sorted(names[3:]) == ["weights/0_module.pt", "weights/1_criterion.pt"]


def test_grid_is_required(tmp_path):
    """No silent adoption of the bundled grid because the pixel count matches."""
    from sklearn.neighbors import NearestCentroid

    from skspec.datasets import load_obafgkm
    from skspec.preprocessing import FluxNormalizer

    spectra = load_obafgkm()
    model = make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, spectra.target)
    with pytest.raises(ValueError, match="2782 pixels on a grid it does not record: pass the "
                                         "grid it was trained on as wavelength="):
        save_model(model, tmp_path / "m.skspec")
    assert not (tmp_path / "m.skspec").exists()
    again = load_model(save_model(model, tmp_path / "m.skspec", wavelength=spectra.wavelength))
    np.testing.assert_allclose(again.wavelength_, spectra.wavelength.value)
    # a loaded model keeps its grid when saved again
    resaved = load_model(save_model(again, tmp_path / "again.skspec"))
    np.testing.assert_array_equal(resaved.wavelength_, again.wavelength_)


def test_grid_from_a_fitted_resampler_step(spectra, tmp_path):
    from skspec.preprocessing import FluxNormalizer, WavelengthResampler

    X, y = spectra
    wave = np.linspace(4000.0, 5000.0, X.shape[1])
    model = make_pipeline(WavelengthResampler(np.linspace(4100.0, 4900.0, 32), wavelength=wave),
                          FluxNormalizer(), LogisticRegression(max_iter=200)).fit(X, _labels(y))
    again = load_model(save_model(model, tmp_path / "m.skspec"))
    np.testing.assert_array_equal(again.wavelength_, wave)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


class _Identity(TransformerMixin, BaseEstimator):
    """A transformer that does not record n_features_in_."""

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def transform(self, X):
        return X


def test_model_without_a_pixel_count_is_refused(spectra, tmp_path):
    """The grid check is not skipped when the first step lacks n_features_in_."""
    X, y = spectra
    model = make_pipeline("passthrough", _Identity(),
                          LogisticRegression(max_iter=200)).fit(X, _labels(y))
    with pytest.raises(ValueError, match="cannot tell how many pixels the model takes"):
        save_model(model, tmp_path / "m.skspec", wavelength=WAVE)


def test_grid_of_the_wrong_length_is_refused(linear, tmp_path):
    with pytest.raises(ValueError, match="fitted on 64 pixels but the wavelength grid has 2782"):
        save_model(linear, tmp_path / "m.skspec", wavelength=np.linspace(4000, 7000, 2782))


def test_refuses_to_overwrite(linear, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_model(linear, path, wavelength=WAVE)
    save_model(linear, path, wavelength=WAVE, overwrite=True)  # allowed when asked


def test_unfitted_model_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_model(LogisticRegression(), tmp_path / "m.skspec", wavelength=WAVE)


@pytest.mark.parametrize("ref", ["os.system", "builtins.eval", "skspec._persistence.os"])
def test_file_naming_a_foreign_callable_is_refused(linear, tmp_path, ref):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    schema = _schema(path)
    module, _, name = ref.rpartition(".")
    schema["__module__"], schema["__class__"] = module, name
    bad = _with_schema(path, schema)
    with pytest.raises(ValueError, match=f"refusing to load .*{ref}"):
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
    with pytest.raises(ValueError, match=f"format version 99 .* reads format version {FORMAT_VERSION}"):
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
    schema = _schema(path)
    # rename the first fitted attribute of an estimator to "fit"
    node = next(n for n in _nodes(schema) if n.get("__loader__") == "DictNode"
                and "n_features_in_" in n.get("content", {}))
    node["content"]["fit"] = node["content"].pop("n_features_in_")
    bad = _with_schema(path, schema)
    with pytest.raises(ValueError, match="'fit' of .* is not a fitted attribute name"):
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


def test_function_outside_the_function_allow_list_is_refused(spectra, tmp_path):
    from sklearn.feature_selection import SelectKBest, f_classif

    X, y = spectra
    model = make_pipeline(SelectKBest(f_classif, k=8), LogisticRegression()).fit(X, _labels(y))
    path = save_model(model, tmp_path / "m.skspec", wavelength=WAVE)
    schema = _schema(path)
    # the scoring function swapped for a function of an allowed package
    node = next(n for n in _nodes(schema) if n.get("__loader__") == "FunctionNode")
    node["__module__"], node["__class__"] = "skspec._persistence", "save_model"
    if isinstance(node.get("content"), dict):
        node["content"].update({"module_path": "skspec._persistence", "function": "save_model"})
    bad = _with_schema(path, schema)
    with pytest.raises(ValueError, match="refusing to load .*skspec._persistence.save_model"):
        load_model(bad)


def test_scoring_function_parameter_round_trips(spectra, tmp_path):
    from sklearn.feature_selection import SelectKBest, f_classif

    X, y = spectra
    model = make_pipeline(SelectKBest(f_classif, k=8), LogisticRegression()).fit(X, _labels(y))
    again = load_model(save_model(model, tmp_path / "m.skspec", wavelength=WAVE))
    assert again[0].score_func is f_classif
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


# --------------------------------------------------------------------------- #
# one format for every pipeline: forests, SVMs, GAN pipelines, callables
# --------------------------------------------------------------------------- #
def one_and_a_half_o(y):
    """The user guide's recipe: O grown to 1.5 times its real count."""
    return {"O": int(round(1.5 * np.sum(np.asarray(y) == "O")))}


def _trust():
    return [f"{one_and_a_half_o.__module__}.one_and_a_half_o"]


def test_random_forest_pipeline_round_trips(spectra, tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    from skspec.preprocessing import FluxNormalizer

    X, y = spectra
    model = make_pipeline(FluxNormalizer(), RandomForestClassifier(
        20, class_weight="balanced", random_state=0)).fit(X, _labels(y))
    again = load_model(save_model(model, tmp_path / "rf.skspec", wavelength=WAVE))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    assert len(again[-1].estimators_) == 20


@pytest.mark.parametrize("kind", ["rf", "svc"])
def test_callable_sampling_strategy_is_saved_by_reference(spectra, tmp_path, kind):
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.pipeline import make_pipeline as imb_pipeline
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.svm import SVC

    from skspec.preprocessing import FluxNormalizer

    X, y = spectra
    if kind == "rf":
        steps = [RandomOverSampler(sampling_strategy=one_and_a_half_o, random_state=0),
                 RandomForestClassifier(10, random_state=0)]
    else:
        steps = [SMOTE(sampling_strategy=one_and_a_half_o, k_neighbors=3, random_state=0),
                 SVC(random_state=0)]
    model = imb_pipeline(FluxNormalizer(), *steps).fit(X, _labels(y))
    path = tmp_path / "m.skspec"
    # the test module's function is neither skspec's nor allow-listed: asked for
    with pytest.raises(TypeError, match=r"sampling_strategy=.*pass trusted=\[.*one_and_a_half_o"):
        save_model(model, path, wavelength=WAVE)
    assert not path.exists()
    save_model(model, path, wavelength=WAVE, trusted=_trust())
    with pytest.raises(ValueError, match="refusing to load .*one_and_a_half_o.*trusted="):
        load_model(path)
    again = load_model(path, trusted=_trust())
    assert again.steps[1][1].sampling_strategy is one_and_a_half_o
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    # and it refits as saved
    np.testing.assert_array_equal(again.fit(X, _labels(y)).predict(X), model.predict(X))


def test_lambda_is_refused_with_the_reason(spectra, tmp_path):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline as imb_pipeline

    X, y = spectra
    model = imb_pipeline(RandomOverSampler(sampling_strategy=lambda y: {"O": 9}),
                         LogisticRegression()).fit(X, _labels(y))
    with pytest.raises(TypeError, match="by reference .*not a lambda"):
        save_model(model, tmp_path / "m.skspec", wavelength=WAVE, trusted=["x"])


def test_lcgan_pipeline_round_trips(spectra, tmp_path):
    from imblearn.pipeline import make_pipeline as imb_pipeline

    from skspec.neural_network import RACNetClassifier
    from skspec.over_sampling import LCGAN
    from skspec.preprocessing import FluxNormalizer

    X, y = spectra
    model = imb_pipeline(
        FluxNormalizer(),
        LCGAN(sampling_strategy={"O": 12}, n_iter=3, channels=4, batch_size=8,
              random_state=0, device="cpu"),
        RACNetClassifier(module__channels=(4, 4), max_epochs=2, random_state=0, device="cpu"),
    ).fit(X, _labels(y))
    again = load_model(save_model(model, tmp_path / "m.skspec", wavelength=WAVE))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    gan = again.steps[1][1]
    assert gan.get_params() == model.steps[1][1].get_params()
    assert not hasattr(gan, "generators_")  # acts only in fit: saved as parameters


def test_gan_sampler_file_is_the_model_format(spectra, tmp_path):
    from skspec.over_sampling import LCGAN

    X, y = spectra
    gan = LCGAN(sampling_strategy=one_and_a_half_o, n_iter=3, channels=4, batch_size=8,
                snapshot_every=2, random_state=0, device="cpu").fit(X, _labels(y))
    path = gan.save(tmp_path / "gan.skspec", trusted=_trust())
    manifest = read_manifest(path)
    assert manifest["kind"] == "sampler" and manifest["n_features"] == 64
    with zipfile.ZipFile(path) as zf:
        assert {"manifest.json", "model.skops"} <= set(zf.namelist())
    again = LCGAN.load(path, trusted=_trust())
    assert again.sampling_strategy is one_and_a_half_o
    np.testing.assert_array_equal(again.sample(4, "O", random_state=1),
                                  gan.sample(4, "O", random_state=1))
    np.testing.assert_array_equal(again.sample(4, "O", random_state=1, iteration=2),
                                  gan.sample(4, "O", random_state=1, iteration=2))
    with pytest.raises(ValueError, match=r"holds a LCGAN \(sampler\), not a classifier: load it with LCGAN.load"):
        load_model(path, trusted=_trust())


# --------------------------------------------------------------------------- #
# devices
# --------------------------------------------------------------------------- #
def _cuda_saved(racnet, tmp_path):
    """A model file whose net says device="cuda" (as if trained on a GPU)."""
    net = racnet.steps[-1][1]
    net.set_params(device="cuda")
    try:
        return save_model(racnet, tmp_path / "gpu.skspec", wavelength=WAVE)
    finally:
        net.set_params(device="cpu")


def test_gpu_trained_model_loads_on_the_cpu_by_default(racnet, spectra, tmp_path):
    path = _cuda_saved(racnet, tmp_path)
    again = load_model(path)
    assert again.steps[-1][1].device == "cpu"
    np.testing.assert_array_equal(again.predict_proba(spectra[0]),
                                  racnet.predict_proba(spectra[0]))
    assert load_model(path, device="auto").steps[-1][1].device in ("cpu", "cuda")


def test_cuda_without_a_gpu_says_use_the_cpu(racnet, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    path = _cuda_saved(racnet, tmp_path)
    with pytest.raises(ValueError, match=f"{path.name}.*no CUDA device.*--device cpu"):
        load_model(path, device="cuda")


# --------------------------------------------------------------------------- #
# damaged and inconsistent files
# --------------------------------------------------------------------------- #
def _flip_byte(path, member):
    """Flip one byte inside the compressed data of one archive member."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data = bytearray(pathlib.Path(path).read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    # local header extra field may differ from the central one: read its length
    name_len, extra_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28],
                                         "little"), \
        int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0xFF
    out = pathlib.Path(path).with_name("flipped.skspec")
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("member", ["model.skops", "arrays.npz", "manifest.json"])
def test_flipped_byte_names_the_file(linear, tmp_path, member):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    bad = _flip_byte(path, member)
    with pytest.raises(ValueError, match=f"flipped.skspec.*(damaged|not valid JSON)"):
        load_model(bad)


def test_weights_of_the_wrong_shape_are_refused(racnet, spectra, tmp_path):
    import torch

    from skspec.neural_network import RACNetClassifier

    X, y = spectra
    other = RACNetClassifier(module__channels=(4, 8), max_epochs=1, random_state=0,
                             device="cpu").fit(X, _labels(y))
    path = save_model(racnet, tmp_path / "m.skspec", wavelength=WAVE)
    buffer = io.BytesIO()
    torch.save(other.module_.state_dict(), buffer)
    bad = _rewrite(path, **{"weights/0_module.pt": buffer.getvalue()})
    with pytest.raises(ValueError, match="tampered.skspec: the weights in weights/0_module.pt "
                                         "do not fit the module"):
        load_model(bad)


@pytest.mark.parametrize("key, value, message", [
    ("classes", ["F", "X"], "manifest's classes"),
    ("n_features", 65, "n_features=65"),
])
def test_manifest_is_cross_checked(linear, tmp_path, key, value, message):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    manifest = _manifest(path)
    manifest[key] = value
    bad = _rewrite(path, **{"manifest.json": json.dumps(manifest)})
    with pytest.raises(ValueError, match=f"tampered.skspec: .*{message}"):
        load_model(bad)


def test_decreasing_grid_is_refused(linear, tmp_path):
    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    buffer = io.BytesIO()
    np.savez(buffer, wavelength=WAVE[::-1].copy())
    bad = _rewrite(path, **{"arrays.npz": buffer.getvalue()})
    with pytest.raises(ValueError, match="grid is not a strictly increasing"):
        load_model(bad)


# --------------------------------------------------------------------------- #
# the file on disk
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_file_mode_follows_the_umask(linear, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode
    assert [p.name for p in tmp_path.iterdir()] == ["m.skspec"]  # no temporary file left


def test_directory_is_never_replaced(linear, tmp_path):
    target = tmp_path / "models"
    target.mkdir()
    (target / "kept.txt").write_text("user data")
    for overwrite in (False, True):
        with pytest.raises(IsADirectoryError, match="is a directory"):
            save_model(linear, target, wavelength=WAVE, overwrite=overwrite)
    assert (target / "kept.txt").read_text() == "user data"


def test_raw_skorch_net_in_the_tree_is_refused(linear, tmp_path):
    """skorch's own __setstate__ unpickles (with torch_load_kwargs from the file):
    a net must come back through the weights files, never be built by skops."""
    import skops.io

    from skspec.neural_network import RACNetClassifier

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (pathlib.Path.touch, (marker,))

    path = save_model(linear, tmp_path / "m.skspec", wavelength=WAVE)
    net = RACNetClassifier.__new__(RACNetClassifier)
    vars(net).update(device="cpu", torch_load_kwargs={"weights_only": False},
                     cuda_dependent_attributes_=["evil_"], evil_=Payload())
    blob = skops.io.dumps(net)  # skorch's __getstate__ pickles evil_ into the state
    assert skops.io.get_untrusted_types(data=blob) == [
        "skspec.neural_network._classifier.RACNetClassifier"]
    bad = _rewrite(path, **{"model.skops": blob})
    with pytest.raises(ValueError, match="refusing to load .*RACNetClassifier itself; networks load only through"):
        load_model(bad)
    assert not marker.exists()


def test_novelty_detector_is_stored_in_the_same_file(tmp_path):
    import json
    import zipfile

    from sklearn.linear_model import LogisticRegression

    from skspec.candidates import NoveltyDetector
    from skspec.datasets import load_ofgk

    spectra = load_ofgk()
    model = LogisticRegression(max_iter=200).fit(spectra.data, spectra.target)
    det = NoveltyDetector(n_components=5, random_state=0).fit(spectra.data)
    path = save_model(model, tmp_path / "m.skspec", wavelength=spectra.wavelength,
                      novelty=det, metadata={"command": "skspec train"})
    assert read_manifest(path)["metadata"] == {"command": "skspec train"}
    again = load_model(path)
    assert type(again) is LogisticRegression
    np.testing.assert_allclose(again.novelty_.novelty_score(spectra.data[:5]),
                               det.novelty_score(spectra.data[:5]))
    with pytest.raises(TypeError, match="novelty must be a fitted NoveltyDetector"):
        save_model(model, tmp_path / "x.skspec", wavelength=spectra.wavelength, novelty=model)
    # a manifest that names a detector the file does not hold is refused
    plain = save_model(model, tmp_path / "p.skspec", wavelength=spectra.wavelength)
    edited = tmp_path / "edited.skspec"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(edited, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["novelty"] = "skspec.candidates._novelty.NoveltyDetector"
                data = json.dumps(manifest).encode()
            dst.writestr(name, data)
    with pytest.raises(ValueError, match="names a novelty detector that the file does not hold"):
        load_model(edited)


def test_meta_estimator_with_an_unfitted_net_template_round_trips(tmp_path):
    """RareClassThreshold(RACNetClassifier) holds the unfitted net as its ``estimator``.

    Saving refused it ("the skorch net is not initialized"), so skspec train
    of the recommended pipeline failed after the whole fit.
    """
    from skspec.candidates import RareClassThreshold
    from skspec.datasets import make_spectra
    from skspec.neural_network import RACNetClassifier

    X, y = make_spectra(80, 64, weights=[0.8, 0.2], random_state=0)
    net = RACNetClassifier(max_epochs=1, module__channels=(2, 2, 2, 2), device="cpu",
                           random_state=0)
    rule = RareClassThreshold(net, target_class=None, cv=2, random_state=0).fit(X, y)
    path = save_model(rule, tmp_path / "m.skspec", wavelength=np.linspace(4000, 5000, 64))
    again = load_model(path)
    np.testing.assert_allclose(again.predict_proba(X), rule.predict_proba(X), rtol=1e-6)
    assert not getattr(again.estimator, "initialized_", False)  # still a template
