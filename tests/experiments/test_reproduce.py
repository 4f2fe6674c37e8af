"""`skspec reproduce` end to end on tiny settings (numbers meaningless, paths exercised)."""

import json
import re

import pytest

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
