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
                 "confusion_matrices.png", "attention_map.png"):
        assert (out / name).stat().st_size > 0, name
    stored = json.loads((out / "results.json").read_text())
    assert set(stored["recognition"]) == {
        "SVC", "SMOTE+SVC", "RandomForest", "RACNet", "RACNet+RandomOverSampler",
        "RACNet+SMOTE", "RACNet+SGAN", "RACNet+LCGAN", "RACNet, no noise augmentation"}
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
    with pytest.raises(ValueError, match="'ofgk' or 'obafgkm'"):
        reproduce("xyz", mode="tiny", output=tmp_path / "r")


def test_cli_prints_the_report(tmp_path, capsys):
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
    keep = np.flatnonzero((np.asarray(bunch.target) == "O") | (np.arange(len(bunch.target)) % 4 == 0))
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
    settings = replace(MODES["tiny"], methods=methods, baselines=())
    out = _fit_split(task, X, y, wavelength, settings, "cpu")
    for gan in set(methods) - {"none"}:
        assert np.isfinite(out["gan"][gan]["fidelity"]["frechet_racnet"])
    # the report keeps the mode's order of methods
    labels = [m if m == "none" else f"RACNet+{m}" for m in methods]
    assert list(out["predictions"]) == [lb.replace("none", "RACNet") for lb in labels]
