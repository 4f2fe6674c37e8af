"""The fast pieces of ContinuumNormalizer's fit equal the plain computations they replace."""

import numpy as np
import pytest

from skspec.preprocessing._continuum import (
    _BandedGram,
    _design_matrix,
    _local_noise,
    _masked_median,
    _SortedMedian,
)


def _reference_median(a, keep):
    """Median over the kept pixels by sorting (inf where none is kept)."""
    out = np.full(len(a), np.inf)
    for i, (row, k) in enumerate(zip(a, keep)):
        if k.any():
            out[i] = np.median(row[k])
    return out


def _cases(rng):
    a = np.abs(rng.standard_normal((40, 37)))
    a[3] = 1.0  # ties everywhere
    a[4, ::2] = 0.0  # zeros (their bits as int64 are 0)
    a[5] = np.round(a[5], 1)  # some ties
    keep = rng.random(a.shape) < 0.6
    keep[0] = True  # all kept (odd count)
    keep[1] = False  # none kept: inf
    keep[2] = False
    keep[2, 7] = True  # one kept
    keep[6] = False
    keep[6, [0, -1]] = True  # two kept, at the ends (even count)
    return a, keep


def test_masked_median_equals_a_sorted_median():
    a, keep = _cases(np.random.default_rng(0))
    got = _masked_median(a, keep)
    expected = _reference_median(a, keep)
    np.testing.assert_array_equal(got, expected)
    # every dropped pixel on the same side too (all dropped first or last)
    keep = np.ones_like(keep)
    keep[:, :10] = False
    np.testing.assert_array_equal(_masked_median(a, keep), _reference_median(a, keep))


@pytest.mark.parametrize("even", [True, False])
def test_sorted_median_equals_a_sorted_median(even):
    a, keep = _cases(np.random.default_rng(1))
    if even:
        a, keep = a[:, 1:], keep[:, 1:]
    steps = _SortedMedian(a)
    np.testing.assert_array_equal(steps.full(), np.median(a, axis=1))
    np.testing.assert_array_equal(steps.median(None, keep), _reference_median(a, keep))
    rows = np.array([0, 2, 5, 6, 39])  # a subset of the rows, as the fit's active rows
    np.testing.assert_array_equal(steps.median(rows, keep[rows]), _reference_median(a[rows], keep[rows]))


@pytest.mark.parametrize("n_pixels, spacing, degree", [(1493, 200.0, 3), (64, 3.0, 3), (50, 10.0, 2),
                                                       (12, 100.0, 3), (5, 1.0, 3), (300, 7.0, 1)])
def test_banded_gram_equals_the_dense_products(n_pixels, spacing, degree):
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(0, 1600, n_pixels)) if n_pixels > 100 else np.arange(n_pixels, dtype=float)
    basis = _design_matrix(x, spacing, degree)
    w = (rng.random((7, n_pixels)) < 0.7).astype(float)
    banded = _BandedGram(basis)
    gram = np.zeros((7, basis.shape[1], basis.shape[1]))
    banded.add_to(gram, w)
    expected = np.einsum("rp,pi,pj->rij", w, basis, basis)
    np.testing.assert_allclose(gram, expected, rtol=1e-12, atol=1e-12)
    y = rng.standard_normal((7, n_pixels))
    np.testing.assert_allclose(banded.project(w * y), (w * y) @ basis, rtol=1e-12, atol=1e-12)


def test_local_noise_follows_a_noise_that_changes_along_the_spectrum():
    rng = np.random.default_rng(3)
    sigma = np.linspace(0.01, 0.3, 1493)  # S/N 100 at the blue end, about 3 at the red
    rect = 1.0 + rng.standard_normal((200, sigma.size)) * sigma
    measured = _local_noise(rect)
    assert measured.shape == rect.shape
    # median over the 200 spectra: within 10 % of the truth (a block median takes the
    # noise as constant over 51 pixels; 10 % of the pixels at each end skipped)
    ratio = (np.median(measured, axis=0) / sigma)[150:-150]
    assert np.abs(ratio - 1).max() < 0.1, ratio


@pytest.mark.parametrize("n_pixels", [1, 2, 30])
def test_local_noise_of_short_spectra(n_pixels):
    """Fewer pixels than a block: one noise for the whole row; one pixel: none measurable."""
    rect = 1.0 + 0.1 * np.random.default_rng(4).standard_normal((500, n_pixels))
    measured = _local_noise(rect)
    assert measured.shape == rect.shape
    if n_pixels == 1:
        assert (measured == 0).all()
    else:
        assert (measured == measured[:, :1]).all()
        assert abs(np.median(measured) / 0.1 - 1) < (0.35 if n_pixels == 2 else 0.1)
