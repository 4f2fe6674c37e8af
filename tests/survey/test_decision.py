"""The O decision in the catalogue: p_O, is_candidate, rank, novelty, unknown, options."""

import numpy as np
import pandas as pd
import pytest

from skspec.candidates import NoveltyDetector, RareClassThreshold, rank_candidates
from skspec.survey import predict_files


@pytest.fixture(scope="module")
def spectra():
    from skspec.datasets import load_obafgkm

    return load_obafgkm()


@pytest.fixture(scope="module")
def rule(spectra):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skspec.preprocessing import FluxNormalizer

    pipe = make_pipeline(FluxNormalizer(), LogisticRegression(max_iter=300))
    rule = RareClassThreshold(pipe, cv=3, random_state=0)
    rule.fit(spectra.data, spectra.target, groups=spectra.object)
    rule.novelty_ = NoveltyDetector(random_state=0).fit(spectra.data, groups=spectra.object)
    return rule


@pytest.fixture(scope="module")
def files():
    from skspec.datasets import load_lamost_samples

    return load_lamost_samples().filenames


def test_columns_follow_the_rule_and_the_detector(rule, files):
    cat = predict_files(rule, files, verbose=0)
    cal = np.asarray(cat["p_O"], dtype=float)
    assert np.allclose(cal, cat["prob_O"])
    cand = cat["is_candidate"].astype(bool).to_numpy()
    unknown = cat["unknown"].astype(bool).to_numpy()
    assert not (cand & unknown).any()  # an unknown spectrum is never a candidate
    assert ((cat["pred_class"] == "O").to_numpy() == cand).all()
    assert np.allclose(cat["novelty"] > 1, unknown)
    assert (cat["rank"].to_numpy() == rank_candidates(cal, cand)).all()
    # a threshold of 0 makes every known spectrum a candidate
    everything = predict_files(rule, files, verbose=0, threshold=0.0)
    assert (everything["is_candidate"].astype(bool) == ~everything["unknown"].astype(bool)).all()


def test_prior_moves_p_O_not_the_candidates(rule, files):
    plain = predict_files(rule, files, verbose=0)
    survey = predict_files(rule, files, verbose=0, prior={"O": 1e-4})
    assert (survey["is_candidate"] == plain["is_candidate"]).all()
    assert (survey["p_O"] <= plain["p_O"] + 1e-12).all()
    assert survey["p_O"].max() < plain["p_O"].max() or plain["p_O"].max() == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"threshold": 1.5}, "threshold must be between 0 and 1"),
    ({"threshold": -0.1}, "threshold must be between 0 and 1"),
    ({"target_recall": 0.0}, r"target_recall must be in \(0, 1\]"),
    ({"prior": {"X": 1e-4}}, "prior names class 'X', which the model lacks"),
    ({"threshold": 0.5, "target_recall": 0.9}, "not both"),
])
def test_bad_options_fail_before_any_file_is_read(rule, files, tmp_path, kwargs, match):
    out = tmp_path / "cat.csv"
    with pytest.raises(ValueError, match=match):
        predict_files(rule, files, out, verbose=0, **kwargs)
    assert not out.exists()


def test_unreachable_target_recall_names_the_best_one(spectra, files):
    from sklearn.linear_model import LogisticRegression

    rule = RareClassThreshold(LogisticRegression(max_iter=200), calibration="isotonic", cv=3,
                              threshold=0.5, random_state=0)
    rule.fit(spectra.data, spectra.target, groups=spectra.object)
    if (rule.validation_scores_[rule.validation_is_target_] > 0).all():
        pytest.skip("isotonic calibration kept every O above 0 here")
    with pytest.raises(ValueError, match="best reachable recall"):
        predict_files(rule, files, verbose=0, target_recall=1.0)


def test_model_without_a_rule(spectra, files):
    from sklearn.ensemble import RandomForestClassifier

    rf = RandomForestClassifier(10, random_state=0).fit(spectra.data, spectra.target)
    cat = predict_files(rf, files, verbose=0)
    assert np.allclose(cat["p_O"], cat["prob_O"])  # uncalibrated P(O)
    assert ((cat["pred_class"] == "O") == cat["is_candidate"].astype(bool)).all()  # argmax
    assert cat["novelty"].isna().all() and (cat["unknown"] == "").all()
    with pytest.raises(ValueError, match="target_recall needs a model with a decision rule"):
        predict_files(rf, files, verbose=0, target_recall=0.9)
    with pytest.raises(ValueError, match="prior needs a model with a decision rule"):
        predict_files(rf, files, verbose=0, prior={"O": 1e-4})


@pytest.mark.parametrize("suffix", [".csv", ".fits", ".parquet"])
def test_rank_covers_every_run_of_a_resumed_catalogue(rule, files, tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    whole = predict_files(rule, files, verbose=0)
    out = tmp_path / f"cat{suffix}"
    predict_files(rule, files[:3], out, verbose=0)
    predict_files(rule, files, out, verbose=0)  # resumes: the other 4
    if suffix == ".csv":
        cat = pd.read_csv(out)
    elif suffix == ".parquet":
        cat = pd.read_parquet(out)
    else:
        from astropy.table import Table

        cat = Table.read(out).to_pandas()
        cat["file"] = cat["file"].str.decode("ascii")
    got = dict(zip(cat["file"], np.asarray(cat["rank"], dtype=float)))
    want = dict(zip(whole["file"], whole["rank"].astype(float)))
    assert got == want
