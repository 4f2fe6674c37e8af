"""`skspec reproduce` end to end on tiny settings (numbers meaningless, paths exercised)."""

import json
import re

import numpy as np
import pytest
import torch

from skspec.cli import main
from skspec.experiments import reproduce


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce") / "results"
    results = reproduce("ofgk", mode="tiny", output=out, n_seeds=1, n_jobs=1, verbose=0)
    return out, results


def test_writes_report_json_and_figures(tiny_run):
    out, results = tiny_run
    for name in ("report.md", "results.json", "generated_vs_real.png", "accuracy_vs_iteration.png",
                 "extinction_curve.png",
                 "confusion_matrices.png", "attention_map.png"):
        assert (out / name).stat().st_size > 0, name
    stored = json.loads((out / "results.json").read_text())
    assert set(stored["recognition"]) == {
        "SVC", "SMOTE+SVC", "RandomForest", "RACNet", "RACNet+RandomOverSampler",
        "RACNet+SMOTE", "RACNet+SGAN", "RACNet+LCGAN", "RACNet, no noise augmentation",
        # the tiny mode's "+aug" twins: a baseline, the plain net and a GAN pipeline
        "SVC +aug", "RACNet +aug", "RACNet+LCGAN +aug",
        # what skspec train fits, its augmentation its own
        "recommended (skspec train)"}
    # the extinction axis and the headline "survey" column, for every method
    for by_level in stored["recognition"].values():
        assert list(by_level) == ["clean", "snr10", "ebv1", "survey"]
        assert set(by_level["survey"]) == {"recall_O", "precision_O", "f1_macro",
                                           "average_precision_O"}
    assert set(stored["gan"]) == {"LCGAN", "SGAN"}
    assert stored["protocol"]["n_seeds"] == 1


def test_report_prints_the_numbers_the_json_holds(tiny_run):
    out, _ = tiny_run
    stored = json.loads((out / "results.json").read_text())
    report = (out / "report.md").read_text()
    for method, by_level in stored["recognition"].items():
        recall = by_level["clean"]["recall_O"]["median"]
        row = re.search(rf"^\| {re.escape(method)} \| ([^|]+) \|", report, re.M)
        assert row is not None, method
        assert row.group(1).strip() == f"{recall:.2f}"
    lcgan = stored["gan"]["LCGAN"]["gan_test"]["median"]
    assert re.search(rf"^\| LCGAN \| .* \| {lcgan:.2f} \|$", report, re.M)


def test_protocol_holds_out_o_stars_and_states_it(tiny_run):
    out, results = tiny_run
    report = (out / "report.md").read_text()
    held_out = results["protocol"]["held_out_o_stars"]
    assert len(held_out) == 2
    for star in held_out:
        assert star in report
    assert "Leave-one-O-star-out" in report and "1 seeds" in report


def test_refuses_to_overwrite(tiny_run, capsys):
    out, _ = tiny_run
    before = (out / "report.md").read_text()
    with pytest.raises(FileExistsError, match="--overwrite"):
        reproduce("ofgk", mode="tiny", output=out, n_seeds=1)
    assert main(["reproduce", "--tiny", "-o", str(out)]) == 1
    assert (out / "report.md").read_text() == before


def test_rejects_unknown_data(tmp_path):
    with pytest.raises(ValueError, match="'ofgk', 'obafgkm', 'all'"):
        reproduce("xyz", mode="tiny", output=tmp_path / "r")


def test_cli_prints_the_report(tmp_path, capsys, monkeypatch):
    from dataclasses import replace

    from skspec.experiments import _reproduce

    # the command line path only: one baseline and the plain net (tiny_run covers the rest)
    small = replace(_reproduce.MODES["tiny"], methods=("none",), baselines=("SVC",),
                    augmented=())
    monkeypatch.setitem(_reproduce.MODES, "tiny", small)
    out = tmp_path / "cli"
    assert main(["reproduce", "--tiny", "--seeds", "1", "--n-jobs", "1", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed == (out / "report.md").read_text()
    assert "O recall" in printed


@pytest.mark.parametrize("device", [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")),
])
def test_feature_embedding_follows_the_classifier_device(device):
    # the Frechet distance in RAC-Net feature space embeds numpy spectra with the
    # classifier's own module: on a GPU-trained net the input must go to the GPU,
    # and batch norm must use its running statistics (one row = the same row in a batch)
    from skspec.datasets import load_ofgk
    from skspec.experiments._gan_quality import _feature_embedding
    from skspec.neural_network import RACNetClassifier
    from skspec.preprocessing import FluxNormalizer

    bunch = load_ofgk()
    X = FluxNormalizer().fit_transform(bunch.data[::10])
    y = np.asarray(bunch.target)[::10]
    clf = RACNetClassifier(module__channels=(4, 4), max_epochs=1, patience=None,
                           random_state=0, device=device).fit(X, y)
    clf.module_.train()  # as a net may be left after training
    embed = _feature_embedding(clf)
    batch = embed(X[:5])
    assert isinstance(batch, np.ndarray) and batch.shape[0] == 5
    np.testing.assert_allclose(embed(X[:1])[0], batch[0], rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module")
def small_split():
    """One leave-one-O-star-out split of a quarter of ofgk, for split-level tests."""
    from skspec.datasets import load_ofgk
    from skspec.model_selection import LeaveOneStarOut

    bunch = load_ofgk()
    target = np.asarray(bunch.target)
    keep = np.flatnonzero((target == "O") | (np.arange(len(target)) % 4 == 0))
    X, y = bunch.data[keep], np.asarray(bunch.target)[keep]
    groups = np.asarray(bunch.object)[keep]
    train, test = next(LeaveOneStarOut("O", test_size=0.2, random_state=0).split(X, y, groups))
    task = {"seed": 0, "split": 0, "train": train, "test": test, "first_seed": 0,
            "test_object": str(groups[test][y[test] == "O"][0])}
    return task, X, y, bunch.wavelength.value


@pytest.mark.parametrize("methods", [("LCGAN",), ("SGAN", "none")])
def test_gan_fidelity_without_none_first(small_split, methods):
    # the RAC-Net feature embedding for the Frechet distance came from the "none"
    # method's net only when "none" ran before the GANs: a mode without it, or
    # with it after them, raised NameError
    from dataclasses import replace

    from skspec.experiments import MODES
    from skspec.experiments._split import _fit_split

    task, X, y, wavelength = small_split
    settings = replace(MODES["tiny"], methods=methods, baselines=(), augmented=(), recommended=None)
    out = _fit_split(task, X, y, wavelength, settings, "cpu")
    for gan in set(methods) - {"none"}:
        assert np.isfinite(out["gan"][gan]["fidelity"]["frechet_racnet"])
    # the report keeps the mode's order of methods
    labels = [m if m == "none" else f"RACNet+{m}" for m in methods]
    assert list(out["predictions"]) == [lb.replace("none", "RACNet") for lb in labels]


def test_test_conditions_extinction_axis_and_survey(small_split):
    # every test spectrum also reddened at each E(B-V) with the one redden(), and the
    # "survey" column: reddened, then R 1800 and S/N 10; the S/N levels keep the draws
    # they had before the new conditions were added
    from dataclasses import replace

    from skspec.augmentation import redden
    from skspec.experiments import MODES
    from skspec.experiments._conditions import test_conditions
    from skspec.preprocessing import degrade
    from skspec.utils._random import draw_seed

    task, X, y, wavelength = small_split
    X_test = X[task["test"]]
    settings = replace(MODES["quick"], snr_levels=(None, 10), ebv_levels=(0.5, 1.0, 1.5))
    tests = test_conditions(X_test, wavelength, settings, np.random.RandomState(7))
    assert list(tests) == ["clean", "snr10", "ebv0.5", "ebv1", "ebv1.5", "survey"]
    rng = np.random.RandomState(7)
    seeds = [draw_seed(rng) for _ in range(3)]  # clean, snr10, survey
    np.testing.assert_array_equal(tests["clean"], X_test)
    np.testing.assert_array_equal(tests["snr10"], degrade(
        X_test, snr=10, resolution=1800, wavelength=wavelength, input_resolution=2000,
        random_state=seeds[1]))
    for ebv in (0.5, 1.0, 1.5):
        np.testing.assert_array_equal(tests[f"ebv{ebv:g}"], redden(X_test, wavelength, ebv))
    np.testing.assert_array_equal(tests["survey"], degrade(
        redden(X_test, wavelength, 1.0), snr=10, resolution=1800, wavelength=wavelength,
        input_resolution=2000, random_state=seeds[2]))
    # reddening makes the blue end fainter relative to the red end
    ratio = tests["ebv1.5"] / X_test
    assert (ratio[:, 0] < ratio[:, -1]).all()


def test_every_method_gets_the_same_augmentation_twin():
    from dataclasses import replace

    from skspec.augmentation import AugmentationSampler, SpectrumAugmenter
    from skspec.experiments import MODES
    from skspec.experiments._methods import (
        _augmenter, _make_baseline, _make_classifier, _variants)

    settings = MODES["quick"]
    y = np.array(["O"] * 9 + ["F"] * 30)
    wave = np.geomspace(3900, 7400, 50)
    aug = _augmenter(settings, wave, 0)
    assert isinstance(aug, SpectrumAugmenter)
    assert (aug.ebv, aug.snr) == ((0.0, 2.0), (5.0, 100.0))
    full = MODES["full"]
    for name in full.baselines + full.methods:  # --full: every method has its twin
        assert _variants(name, full) == ((False,) if name == "no-noise" else (False, True))
    # quick: the baselines, RAC-Net and the recommended RAC-Net+LCGAN (time budget)
    for name in settings.baselines + ("none", "LCGAN"):
        assert _variants(name, settings) == (False, True), name
    assert _variants("SGAN", settings) == (False,)
    assert _variants("SMOTE", replace(settings, augmented=("SVC",))) == (False,)
    for name in settings.baselines:
        first = _make_baseline(name, y, 0, augmenter=aug).steps[0][1]
        assert isinstance(first, AugmentationSampler) and first.augmenter is aug, name
        assert not isinstance(_make_baseline(name, y, 0).steps[0][1], AugmentationSampler)
    assert _make_classifier("none", settings, 0, "cpu", aug).augment is aug
    assert _make_classifier("none", settings, 0, "cpu").augment == "noise"


def test_a_gan_is_trained_once_for_both_twins(small_split, monkeypatch):
    # the over-sampler runs once per split (inside the plain twin's classifier, on its
    # training rows), and the "+aug" twin trains on the very same synthetic rows
    from dataclasses import replace

    from skspec.experiments import MODES
    from skspec.experiments._split import _fit_split
    from skspec.neural_network import RACNetClassifier
    from skspec.over_sampling import LCGAN

    calls, synthetic = [], []
    fit_resample, fit = LCGAN.fit_resample, RACNetClassifier.fit

    def counting(self, X, y, **kw):
        calls.append(len(X))
        return fit_resample(self, X, y, **kw)

    def recording(self, X, y, **kw):
        result = fit(self, X, y, **kw)
        if self.sampler is not None:
            synthetic.append((self.n_synthetic_, len(self.validation_indices_)))
        return result

    monkeypatch.setattr(LCGAN, "fit_resample", counting)
    monkeypatch.setattr(RACNetClassifier, "fit", recording)
    task, X, y, wavelength = small_split
    settings = replace(MODES["tiny"], methods=("LCGAN",), baselines=(), augmented=None)
    out = _fit_split(task, X, y, wavelength, settings, "cpu")
    assert len(calls) == 1
    assert {"RACNet+LCGAN", "RACNet+LCGAN +aug"} <= set(out["predictions"])
    assert len(synthetic) == 2 and synthetic[0] == synthetic[1] and synthetic[0][0] > 0
    # the GAN learnt from the classifier's training rows only, not its validation rows
    assert calls[0] == len(task["train"]) - synthetic[0][1]
    # one O score per test spectrum and condition, for the average precision
    assert len(out["scores"]["RACNet+LCGAN +aug"]["survey"]) == len(task["test"])


def test_average_precision_pools_the_splits_of_a_seed():
    from sklearn.metrics import average_precision_score

    from skspec.experiments._aggregate import _average_precision

    y = np.array(["O", "F", "O", "F", "F", "F"])
    tests = [np.array([0, 1, 4]), np.array([2, 3, 5])]
    scores = [[0.9, 0.2, 0.6], [0.3, 0.4, 0.1]]
    expected = average_precision_score([1, 0, 0, 1, 0, 0], [0.9, 0.2, 0.6, 0.3, 0.4, 0.1])
    assert _average_precision(y, tests, scores) == pytest.approx(expected)
    assert np.isnan(_average_precision(y, [np.array([1])], [[0.5]]))


def test_spectral_classes_parse_the_subclass():
    from skspec.experiments._border import spectral_classes

    letters, numbers, lums = spectral_classes(["O9.5Iae", "O6/O7", "B0.5IV", "B1", "O8V+..."])
    assert letters.tolist() == ["O", "O", "B", "B", "O"]
    np.testing.assert_array_equal(numbers, [9.5, 6, 0.5, 1, 8])
    assert lums.tolist() == ["Ia", "", "IV", "", "V"]
    # load_real_spectra's own fields win
    _, numbers, lums = spectral_classes(["x", "y"], ["O9", "B0.7"], ["Ib", "III"])
    np.testing.assert_array_equal(numbers, [9, 0.7])
    assert lums.tolist() == ["Ib", "III"]


def test_border_report_counts_late_o_and_early_b_by_class_and_name():
    from skspec.experiments._border import border_lines, border_report, spectral_classes

    y = np.array(["O", "O", "B", "B", "B", "F"])
    classes = spectral_classes(["O9.5Ia", "O5V", "B0V", "B1III", "B5V", "F0"])
    objects = np.array(["late", "early", "b0", "b1", "b5", "f"])
    tests = {(0, 0): np.array([0, 2, 4, 5]), (0, 1): np.array([1, 3, 5])}
    runs = [{"seed": 0, "split": 0, "predictions": {"m": {"clean": ["B", "O", "O", "F"]}}},
            {"seed": 0, "split": 1, "predictions": {"m": {"clean": ["O", "B", "F"]}}}]
    border = border_report(runs, y, classes, objects, tests)["m"]["clean"]
    assert border["late_O"] == {"Ia": {"O": 0, "B": 1, "other": 0}}
    assert border["early_B"] == {"III": {"O": 0, "B": 1, "other": 0},
                                 "V": {"O": 1, "B": 0, "other": 0}}
    assert border["o_missed"] == {"late": [1, 1]}
    assert border["b_as_o"] == {"b0": [1, 1], "b5": [1, 1]}
    text = "\n".join(border_lines({"m": {"clean": border}}))
    assert "## The O/B border" in text and "late (1/1)" in text and "V 1/1" in text
    assert border_report(runs, np.array(["O", "O", "F", "F", "F", "F"]), classes, objects,
                         tests) == {}


def test_quick_all_holds_out_every_fourth_o_star():
    from skspec.datasets import load_real_spectra
    from skspec.experiments import MODES
    from skspec.experiments._reproduce import _tasks

    real = load_real_spectra()
    y, groups = np.asarray(real.target), np.asarray(real.object)
    quick = _tasks("all", real.data, y, groups, MODES["quick"], [0], 0.2)
    assert [t["split"] for t in quick] == list(range(0, 28, 4))
    assert len(_tasks("all", real.data, y, groups, MODES["full"], [0], 0.2)) == 28
    # the split step is for the 28-star data set only
    assert len(_tasks("obafgkm", real.data, y, groups, MODES["quick"], [0], 0.2)) == 28


def test_all_data_reports_the_o_b_border(tmp_path, monkeypatch):
    from dataclasses import replace

    from skspec.experiments import _reproduce

    small = replace(_reproduce.MODES["tiny"], methods=("none",), baselines=("SVC",),
                    augmented=(), n_seeds=1)
    monkeypatch.setitem(_reproduce.MODES, "tiny", small)
    results = reproduce("all", mode="tiny", output=tmp_path / "all", n_jobs=1, verbose=0)
    assert results["protocol"]["loader"] == "load_real_spectra"
    assert results["protocol"]["n_o_stars"] == 28
    # the recommended pipeline's row gets its border report too
    assert set(results["border"]) == {"SVC", "RACNet", "recommended (skspec train)"}
    assert set(results["border"]["SVC"]) == {"clean", "snr10", "survey"}
    report = (tmp_path / "all" / "report.md").read_text()
    assert "## The O/B border" in report and "late O called O" in report


def test_record_predicts_once_for_all_conditions_as_predict_does():
    # _record runs each model once over every condition and takes the labels from the
    # probabilities where there are any: they must be what predict gives per condition
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.svm import SVC

    from skspec.experiments._split import _record

    rng = np.random.RandomState(0)
    X, y = rng.rand(60, 5), np.array(["O", "F", "G"] * 20)
    tests = {"a": rng.rand(7, 5), "b": rng.rand(9, 5)}
    for model in (RandomForestClassifier(20, random_state=0).fit(X, y), SVC().fit(X, y)):
        out = {"predictions": {}, "scores": {}, "timing": {}}
        _record(out, "m", model, tests, 0.0)
        for key, Xt in tests.items():
            assert out["predictions"]["m"][key] == model.predict(Xt).tolist()
            assert len(out["scores"]["m"][key]) == len(Xt)


def test_one_split_at_a_time_keeps_the_callers_threads_and_caps_are_scoped(monkeypatch):
    # reproduce(n_jobs=None) used to run every fit with torch at one thread in the
    # caller's process; the cap now applies only when splits share the cores
    import os

    import torch
    from threadpoolctl import threadpool_info

    from skspec.experiments import _split

    seen = []

    def fake_fit_split(*args):
        blas = [p["num_threads"] for p in threadpool_info()]
        seen.append((torch.get_num_threads(), blas))
        return {}

    monkeypatch.setattr(_split, "_fit_split", fake_fit_split)
    before = torch.get_num_threads()
    blas_before = [p["num_threads"] for p in threadpool_info()]
    assert _split._threads_per_split(None, 10) is None
    assert _split._threads_per_split(1, 10) is None
    assert _split._threads_per_split(2, 1) is None  # one task: no sharing
    assert _split._threads_per_split(2, 10) == max(1, (os.cpu_count() or 1) // 2)

    _split._run_split(None, None, None, None, None, "cpu", None)
    assert seen[-1] == (before, blas_before)
    _split._run_split(None, None, None, None, None, "cpu", 1)
    assert seen[-1][0] == 1 and all(n == 1 for n in seen[-1][1])
    assert torch.get_num_threads() == before
    assert [p["num_threads"] for p in threadpool_info()] == blas_before
