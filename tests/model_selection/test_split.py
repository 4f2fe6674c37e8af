"""LeaveOneStarOut: one target star per split, no star on both sides, seeded."""

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

from skspec.model_selection import LeaveOneStarOut


@pytest.fixture
def stars():
    """5 O stars (two with 2 spectra), 20 F stars, 10 B stars (one with 3 spectra), 1 M star."""
    groups = (["o0", "o0", "o1", "o2", "o2", "o3", "o4"] + [f"f{i}" for i in range(20)]
              + ["b0", "b0", "b0"] + [f"b{i}" for i in range(1, 10)] + ["m0"])
    y = [g[0].upper() for g in groups]
    return np.array(y), np.array(groups)


def _splits(cv, y, groups):
    return list(cv.split(np.zeros((len(y), 1)), y, groups))


def test_one_split_per_target_star_with_all_its_spectra(stars):
    y, groups = stars
    cv = LeaveOneStarOut("O", random_state=0)
    splits = _splits(cv, y, groups)
    assert cv.get_n_splits(y=y, groups=groups) == len(splits) == 5
    held_out = []
    for train, test in splits:
        o_stars = set(groups[test][y[test] == "O"])
        assert len(o_stars) == 1
        star = o_stars.pop()
        held_out.append(star)
        np.testing.assert_array_equal(np.sort(test[y[test] == "O"]), np.flatnonzero(groups == star))
    assert sorted(held_out) == ["o0", "o1", "o2", "o3", "o4"]


def test_no_star_in_train_and_test_and_every_row_used(stars):
    y, groups = stars
    for train, test in _splits(LeaveOneStarOut("O", test_size=0.3, random_state=1), y, groups):
        assert not set(groups[train]) & set(groups[test])
        assert len(train) + len(test) == len(y)
        assert set(y[train]) == {"O", "F", "B", "M"}  # other O stars train; single M stays


def test_other_classes_get_their_share(stars):
    y, groups = stars
    for _, test in _splits(LeaveOneStarOut("O", test_size=0.2, random_state=0), y, groups):
        assert len(set(groups[test][y[test] == "F"])) == 4  # 20 F stars * 0.2
        assert len(set(groups[test][y[test] == "B"])) == 2  # 10 B stars * 0.2
        assert "M" not in set(y[test])  # one M star: never tested


def test_seeded(stars):
    y, groups = stars
    a = _splits(LeaveOneStarOut("O", random_state=3), y, groups)
    b = _splits(LeaveOneStarOut("O", random_state=3), y, groups)
    c = _splits(LeaveOneStarOut("O", random_state=4), y, groups)
    assert all(np.array_equal(t1, t2) for (_, t1), (_, t2) in zip(a, b))
    assert not all(np.array_equal(t1, t2) for (_, t1), (_, t2) in zip(a, c))


def test_works_in_cross_val_score_with_groups():
    rng = np.random.default_rng(0)
    y = np.array(["O"] * 6 + ["F"] * 30)
    X = rng.normal(size=(36, 5)) + (y == "O")[:, None] * 3
    groups = np.arange(36)
    scores = cross_val_score(SVC(), X, y, groups=groups, cv=LeaveOneStarOut("O", random_state=0))
    assert scores.shape == (6,)
    assert scores.min() > 0.8


def test_on_the_bundled_obafgkm_objects():
    from skspec.datasets import load_obafgkm

    data = load_obafgkm()
    y, groups = data.target, data.object
    splits = _splits(LeaveOneStarOut("O", random_state=0), y, groups)
    assert len(splits) == 10
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
        assert (y[test] == "O").sum() == 1


def test_groups_required(stars):
    y, _ = stars
    with pytest.raises(ValueError, match="needs groups"):
        _splits(LeaveOneStarOut("O"), y, None)


def test_y_required(stars):
    _, groups = stars
    with pytest.raises(ValueError, match="needs the class labels"):
        LeaveOneStarOut("O").get_n_splits(groups=groups)


def test_no_target_star_raises(stars):
    y, groups = stars
    with pytest.raises(ValueError, match="no star of target_class='W'"):
        _splits(LeaveOneStarOut("W"), y, groups)


def test_star_with_two_classes_raises(stars):
    y, groups = stars
    y = y.copy()
    y[1] = "B"  # o0's second spectrum
    with pytest.raises(ValueError, match="group 'o0' holds spectra of several classes"):
        _splits(LeaveOneStarOut("O"), y, groups)


def test_bad_test_size_raises(stars):
    y, groups = stars
    with pytest.raises(ValueError, match="test_size"):
        _splits(LeaveOneStarOut("O", test_size=1.5), y, groups)
