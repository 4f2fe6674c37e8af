"""Done-when check on real files: predict a LAMOST folder, then vet it (needs ../shared/data)."""

import csv
from pathlib import Path

import pytest

from skspec.survey._bundled import _DIR, _NAME

pytestmark = pytest.mark.skipif(
    not (_DIR / _NAME).is_file(),
    reason="the bundled model is not built: python scripts/build_shipped_model.py")

from skspec.survey import predict_files


def test_the_lamost_quasar_is_unknown_not_an_o_candidate(shared_data):
    folder = shared_data / "raw" / "lamost_cmost_tests"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not there")
    cat = predict_files(None, [folder], verbose=0)
    qso = cat[cat["survey_class"] == "QSO"]
    assert len(qso) == 1
    assert bool(qso["is_candidate"].iloc[0]) is False
    assert qso["pred_class"].iloc[0] != "O"


def test_the_lamost_quasar_is_flagged_unknown_by_the_bundled_model(shared_data):
    folder = shared_data / "raw" / "lamost_cmost_tests"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not there")
    cat = predict_files(None, [folder], verbose=0)
    qso = cat[cat["survey_class"] == "QSO"]
    assert bool(qso["unknown"].iloc[0]) is True


def test_predict_then_vet_a_lamost_folder(shared_data, tmp_path):
    from skspec.cli import main

    folder = shared_data / "raw" / "lamost_dr1"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not there")
    files = sorted(str(p) for p in folder.glob("*.fits*"))[:20]
    out = tmp_path / "cat.csv"
    assert main(["predict", *files, "-o", str(out), "-q"]) == 0
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    ranks = sorted(int(r["rank"]) for r in rows if r["is_candidate"] == "True")
    assert ranks == list(range(1, len(ranks) + 1))
    assert main(["vet", str(out), "-o", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "index.html").is_file()
