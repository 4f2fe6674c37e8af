"""The model that ships with skspec: it loads, predicts as recorded, and is of this version."""

import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skspec.survey._bundled import _DIR, _NAME

pytestmark = pytest.mark.skipif(
    not (_DIR / _NAME).is_file(),
    reason="the bundled model is not built: python scripts/build_shipped_model.py")

import skspec
from skspec import load_model
from skspec._persistence import read_manifest
from skspec.survey import BUNDLED_MODEL_COMMAND, bundled_model_path, predict_files


def _major_minor(version):
    return tuple(re.findall(r"\d+", version)[:2])


def test_bundled_model_is_this_version_and_records_its_command():
    manifest = read_manifest(bundled_model_path())
    assert _major_minor(manifest["versions"]["skspec"]) == _major_minor(skspec.__version__)
    # the settings of the one documented command (the output name aside)
    recorded = manifest["metadata"]["command"].split(" -o ")[0]
    assert recorded == BUNDLED_MODEL_COMMAND.split(" -o ")[0].replace(" --overwrite", "")
    assert manifest["novelty"].endswith("NoveltyDetector")
    assert bundled_model_path().stat().st_size < 8e6  # a few MB at most (the SVC: ~5 MB)


def test_bundled_model_predicts_the_bundled_spectra_as_recorded():
    from skspec.datasets import load_lamost_samples

    model = load_model(bundled_model_path())
    assert hasattr(model, "novelty_") and hasattr(model, "threshold_")
    with open(bundled_model_path().with_name("recommended_expected.csv"), newline="") as fh:
        expected = {row["file"]: row for row in csv.DictReader(fh)}
    cat = predict_files(None, load_lamost_samples().filenames, verbose=0)
    assert len(cat) == len(expected) == 7
    for row in cat.itertuples():
        want = expected[Path(row.file).name]
        assert row.pred_class == want["pred_class"]
        assert str(row.is_candidate) == want["is_candidate"]
        assert str(row.unknown) == want["unknown"]
        assert np.isclose(row.p_O, float(want["p_O"]), rtol=1e-3, atol=1e-6)
        assert np.isclose(row.novelty, float(want["novelty"]), rtol=1e-3, atol=1e-6)


def test_skspec_predict_needs_no_model_argument(tmp_path):
    from skspec.datasets import load_lamost_samples

    files = load_lamost_samples().filenames[:2]
    out = tmp_path / "cat.csv"
    subprocess.run([sys.executable, "-m", "skspec", "predict", *files, "-o", str(out), "-q"],
                   check=True, capture_output=True)
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and all(r["pred_class"] for r in rows)
    assert {"p_O", "is_candidate", "rank", "novelty", "unknown"} <= set(rows[0])
