"""Fidelity metrics on constructed cases: FD, PRDC, memorisation, equivalent widths."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from skspec.metrics import (
    O_STAR_LINES,
    compare_equivalent_widths,
    equivalent_widths,
    frechet_distance,
    memorisation_check,
    precision_recall_density_coverage,
)


@pytest.fixture(scope="module")
def real():
    return np.random.default_rng(0).normal(size=(150, 30))


@pytest.fixture(scope="module")
def other(real):
    """Same distribution as ``real``, independent draw."""
    return np.random.default_rng(1).normal(size=real.shape)


def test_frechet_identical_is_zero(real):
    assert frechet_distance(real, real) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(real, real, embedding=None) == pytest.approx(0.0, abs=1e-8)


def test_frechet_mean_shift_is_its_squared_norm(real):
    shift = np.zeros(real.shape[1])
    shift[:4] = 1.5
    assert frechet_distance(real, real + shift, embedding=None) == pytest.approx(4 * 1.5**2, rel=1e-6)


def test_frechet_same_distribution_small_disjoint_large(real, other):
    same = frechet_distance(real, other)
    far = frechet_distance(real, other + 5.0)
    assert same < 0.15 * far
    assert far > 100


def test_frechet_scaled_covariance_matches_closed_form():
    # isotropic Gaussians: FD = d * (s1 - s2)^2 for standard deviations s1, s2
    rng = np.random.default_rng(2)
    a = rng.normal(size=(20000, 3))
    assert frechet_distance(a, 3 * a, embedding=None) == pytest.approx(3 * (1 - 3) ** 2, rel=0.02)


def test_frechet_callable_and_transformer_embeddings(real, other):
    pca = PCA(3).fit(real)
    by_transformer = frechet_distance(real, other, embedding=pca)
    by_callable = frechet_distance(real, other, embedding=pca.transform)
    assert by_transformer == pytest.approx(by_callable)
    assert frechet_distance(real, other, embedding="pca", n_components=3) == pytest.approx(by_callable)


def test_frechet_needs_two_spectra(real):
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(real, real[:1])


def test_frechet_width_mismatch_raises(real):
    with pytest.raises(ValueError, match="30 pixels, generated ones 29"):
        frechet_distance(real, real[:, :29])


def test_prdc_identical_sets_are_perfect(real):
    scores = precision_recall_density_coverage(real, real, k=5)
    assert scores["precision"] == scores["recall"] == scores["coverage"] == 1.0
    assert scores["density"] >= 1.0


def test_prdc_same_distribution_high_disjoint_zero(real, other):
    same = precision_recall_density_coverage(real, other, k=5, embedding=None)
    assert same["precision"] > 0.7 and same["recall"] > 0.7 and same["coverage"] > 0.7
    assert 0.6 < same["density"] < 1.4
    far = precision_recall_density_coverage(real, other + 10.0, k=5, embedding=None)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_prdc_mode_collapse_has_precision_but_no_recall(real):
    collapsed = real[:3].repeat(50, axis=0) + 1e-3 * np.random.default_rng(3).normal(size=(150, 30))
    scores = precision_recall_density_coverage(real, collapsed, k=5, embedding=None)
    assert scores["precision"] == 1.0
    assert scores["recall"] < 0.1
    assert scores["coverage"] < 0.2


def test_prdc_k_too_large_raises(real):
    with pytest.raises(ValueError, match="more than k"):
        precision_recall_density_coverage(real[:5], real, k=5)


def test_memorised_copies_are_flagged(real, other):
    copies = real[:20] + 1e-4
    check = memorisation_check(real, copies)
    assert check.fraction_memorised == 1.0
    np.testing.assert_array_equal(check.nearest_train, np.arange(20))
    assert check.median_ratio < 0.01
    fresh = memorisation_check(real, other)
    assert fresh.fraction_memorised < 0.15
    assert fresh.median_ratio > 0.7
    mixed = memorisation_check(real, np.vstack([other[:10], copies[:5]]))
    np.testing.assert_array_equal(np.flatnonzero(mixed.memorised)[-5:], np.arange(10, 15))


def _skspec_grid():
    """The bundled grid: log10 lambda = 3.5682 + 1e-4 k, k = 229..3010 (vacuum)."""
    return 10 ** (3.5682 + 1e-4 * np.arange(229, 3011))


@pytest.mark.parametrize("name", list(O_STAR_LINES))
def test_equivalent_width_of_a_gaussian_matches_the_analytic_value(name):
    wave = _skspec_grid()
    centre, half = O_STAR_LINES[name]
    sigma = half / 5
    depth = np.array([0.2, 0.5])[:, None]
    continuum = 3.0 + 1e-3 * (wave - 4000)  # sloped
    flux = continuum * (1 - depth * np.exp(-0.5 * ((wave - centre) / sigma) ** 2))
    ew = equivalent_widths(flux.astype(np.float32), wave, lines=[name])[name]
    np.testing.assert_allclose(ew, depth[:, 0] * sigma * np.sqrt(2 * np.pi), rtol=0.03)


def test_emission_line_has_negative_width():
    wave = _skspec_grid()
    centre = O_STAR_LINES["He II 4686"][0]
    flux = 1 + 0.8 * np.exp(-0.5 * ((wave - centre) / 1.0) ** 2)
    assert equivalent_widths(flux[None], wave, lines=["He II 4686"])["He II 4686"][0] < -1.5


def test_all_lines_by_default_and_custom_dict():
    wave = _skspec_grid()
    flux = np.ones((3, wave.size))
    widths = equivalent_widths(flux, wave)
    assert list(widths) == list(O_STAR_LINES)
    assert all(np.allclose(v, 0) for v in widths.values())
    custom = equivalent_widths(flux, wave, lines={"Na D": (5895.9, 5.0)})
    assert list(custom) == ["Na D"]


def test_line_outside_grid_raises():
    wave = np.linspace(5000, 6000, 500)
    with pytest.raises(ValueError, match="line 'H gamma' needs"):
        equivalent_widths(np.ones((1, 500)), wave, lines=["H gamma"])


def test_unknown_line_raises():
    with pytest.raises(ValueError, match="unknown lines"):
        equivalent_widths(np.ones((1, 2782)), _skspec_grid(), lines=["He III 9999"])


def test_compare_equivalent_widths_detects_weaker_generated_lines():
    wave = _skspec_grid()
    centre = O_STAR_LINES["He II 4541"][0]
    rng = np.random.default_rng(0)
    profile = np.exp(-0.5 * ((wave - centre) / 1.2) ** 2)
    real = 1 - rng.uniform(0.3, 0.5, (12, 1)) * profile
    generated = 1 - rng.uniform(0.05, 0.15, (40, 1)) * profile
    table = compare_equivalent_widths(real, generated, wave, lines=["He II 4541"])
    row = table["He II 4541"]
    assert row["real_mean"] == pytest.approx(0.4 * 1.2 * np.sqrt(2 * np.pi), rel=0.1)
    assert row["generated_mean"] < row["real_mean"]
    assert row["standardised_difference"] < -3


def test_bad_embedding_raises(real):
    with pytest.raises(ValueError, match="embedding must be 'pca'"):
        frechet_distance(real, real, embedding="umap")
