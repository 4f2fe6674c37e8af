import re

import numpy as np
import pytest
from astropy import units as u

from skspec.datasets import load_lamost_samples, load_obafgkm, load_ofgk, make_spectra


def test_obafgkm_matches_shared_table(shared_data):
    ref = np.load(shared_data / "obafgkm_train.npz")
    bunch = load_obafgkm()
    np.testing.assert_array_equal(bunch.data, ref["flux"])
    np.testing.assert_array_equal(bunch.target, ref["label"])
    # the shared table keeps the source's ids; the loader unpads HD/HR numbers, one id per star
    unpadded = [re.sub(r"^(HD|HR)0+(\d)", r"\1\2", str(o)) for o in ref["object"]]
    np.testing.assert_array_equal(bunch.object, unpadded)
    np.testing.assert_allclose(bunch.wavelength.to_value(u.AA), ref["wavelength"])


def test_ofgk_is_the_papers_subset(shared_data):
    ref = np.load(shared_data / "ofgk_train.npz")
    X, y = load_ofgk(return_X_y=True)
    np.testing.assert_array_equal(X, ref["flux"])
    np.testing.assert_array_equal(y, ref["label"])


def test_bunch_contents():
    b = load_ofgk()
    assert b.data.shape == (246, 2782) and b.data.dtype == np.float32
    assert list(b.target_names) == ["F", "G", "K", "O"]
    assert (b.target == "O").sum() == 10
    assert b.wavelength.unit == u.AA and b.wavelength.shape == (2782,)
    for key in ("subclass", "source", "object", "raw_file", "n_interp"):
        assert len(b[key]) == 246
    assert "Le Borgne" in b.DESCR and "Kesseli" in b.DESCR and "Yang" in b.DESCR
    assert np.isfinite(b.data).all() and (b.data > 0).all()


def test_loaders_return_copies():
    a = load_obafgkm()
    a.data[:] = 0
    assert load_obafgkm().data.max() > 0


def test_as_frame():
    pd = pytest.importorskip("pandas")
    b = load_obafgkm(as_frame=True)
    assert isinstance(b.data, pd.DataFrame) and b.data.shape == (348, 2782)
    assert isinstance(b.target, pd.Series)
    assert {"class", "object", "source"} <= set(b.frame.columns)


def test_lamost_samples_exist():
    files = load_lamost_samples().filenames
    assert len(files) == 7
    from astropy.io import fits

    for f in files:
        with fits.open(f) as hdul:
            assert hdul[0].header["COEFF0"] == pytest.approx(3.5682)


def test_make_spectra_is_seeded_and_has_lines():
    X1, y1 = make_spectra(40, 128, random_state=3)
    X2, y2 = make_spectra(40, 128, random_state=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    # class means differ where the lines are: absorption dips below the continuum
    m0, m1 = X1[y1 == 0].mean(0), X1[y1 == 1].mean(0)
    assert np.abs(m0 - m1).max() > 0.2
    with pytest.raises(ValueError, match="weights"):
        make_spectra(10, 16, weights=[1.0])


def test_one_object_id_per_star_so_star_grouped_splits_do_not_leak():
    # STELIB files HD 53929 twice, as HD053929 and HD53929: two ids put the star in
    # train and test of a LeaveOneStarOut split
    from skspec.model_selection import LeaveOneStarOut

    data = load_obafgkm()
    assert int((data.object == "HD53929").sum()) == 2
    assert len(set(data.object)) == len(data.object) - 1
    for train, test in LeaveOneStarOut(target_class="O", random_state=0).split(
            data.data, data.target, data.object):
        assert not set(data.object[train]) & set(data.object[test])
    assert set(load_obafgkm(as_frame=True).frame["object"]) == set(data.object)


@pytest.mark.parametrize(("n", "weights", "expected"),
                         [(20, [0.96, 0.04], [19, 1]), (10, [0.92, 0.08], [9, 1]),
                          (10, [0.18, 0.82], [2, 8]), (30, [0.5, 0.48, 0.02], [15, 14, 1])])
def test_make_spectra_rounds_class_counts_by_largest_remainder(n, weights, expected):
    _, y = make_spectra(n, 16, n_classes=len(weights), weights=weights, random_state=0)
    np.testing.assert_array_equal(np.bincount(y, minlength=len(weights)), expected)
