"""The recommended pipeline and the measured defaults: their configuration itself."""

import numpy as np
import pytest

from skspec.pipeline import (
    GAN_LEARNING_RATES,
    O_OVERSAMPLE_FACTOR,
    oversample_o,
    recommended_pipeline,
)

Y = np.array(["O"] * 10 + ["B"] * 30 + ["F"] * 60)
WAVE = np.linspace(3900.0, 5500.0, 300)  # the blue-violet grid of load_real_spectra


def test_measured_factor_is_one_and_a_half():
    # docs/user_guide/augmenting.rst: O recall 0.90 at 1.5x against 0.20 at the largest class
    assert O_OVERSAMPLE_FACTOR == 1.5
    assert oversample_o(Y) == {"O": 15}
    assert oversample_o(Y, factor=None) == {"O": 60}
    assert oversample_o(Y, factor=3) == {"O": 30}
    assert oversample_o(["F", "G"]) == {}


def test_oversample_o_is_a_callable_sampling_strategy():
    from imblearn.over_sampling import RandomOverSampler

    X = np.arange(len(Y) * 2, dtype=float).reshape(len(Y), 2)
    _, y_res = RandomOverSampler(sampling_strategy=oversample_o, random_state=0).fit_resample(X, Y)
    assert (y_res == "O").sum() == 15 and (y_res == "F").sum() == 60


def test_oversample_o_rejects_a_factor_below_one():
    with pytest.raises(ValueError, match="factor must be >= 1"):
        oversample_o(Y, factor=0.5)


def test_recommended_configuration():
    from sklearn.svm import SVC

    from skspec.augmentation import AugmentationSampler, SpectrumAugmenter
    from skspec.pipeline import AUGMENT_COPIES, SMOOTHING_RESOLUTION, SURVEY_AUGMENTATION, SVC_PARAMS
    from skspec.preprocessing import ContinuumNormalizer, FluxNormalizer, SpectrumDegrader

    model = recommended_pipeline(Y, wavelength=WAVE, random_state=3, device="cpu")
    assert [name for name, _ in model.steps] == ["augment", "continuum", "norm", "smooth", "svc"]
    augment, cont, norm, smooth, svc = (step for _, step in model.steps)
    # the physical augmentation as training copies, on the grid passed
    # (benchmarks/results/survey_targets.md), drawn with the pipeline's seed
    assert isinstance(augment, AugmentationSampler) and augment.n_copies == AUGMENT_COPIES == 5
    aug = augment.augmenter
    assert isinstance(aug, SpectrumAugmenter)
    assert (aug.ebv, aug.snr) == (SURVEY_AUGMENTATION["ebv"], SURVEY_AUGMENTATION["snr"])
    np.testing.assert_array_equal(np.asarray(aug.wavelength), WAVE)
    assert aug.random_state == 3 and augment.random_state == 3
    assert isinstance(cont, ContinuumNormalizer) and isinstance(norm, FluxNormalizer)
    np.testing.assert_array_equal(cont.wavelength, WAVE)
    assert isinstance(smooth, SpectrumDegrader)
    assert smooth.snr is None and smooth.resolution == SMOOTHING_RESOLUTION  # no noise at predict
    assert isinstance(svc, SVC) and (svc.C, svc.class_weight) == (SVC_PARAMS["C"], "balanced")


def test_recommended_racnet_configuration():
    model = recommended_pipeline(Y, wavelength=WAVE, classifier="racnet", random_state=3,
                                 device="cpu")
    assert [name for name, _ in model.steps] == ["continuum", "norm", "racnet"]
    net = model.named_steps["racnet"]
    gan = net.sampler  # inside the classifier: fitted on its training rows only
    assert gan.sampling_strategy == {"O": 15}  # 1.5x the real O, not the largest class
    assert gan.n_iter == 300
    assert (gan.generator_lr, gan.discriminator_lr) == (
        GAN_LEARNING_RATES["generator_lr"], GAN_LEARNING_RATES["discriminator_lr"])
    assert gan.random_state == 3 and net.random_state == 3 and net.device == "cpu"
    # RAC-Net keeps the classifier's measured defaults, its noise-only augmentation
    # included: rectified spectra carry no reddening to learn
    from skspec.neural_network import RACNetClassifier

    defaults = RACNetClassifier().get_params()
    for key in ("lr", "max_epochs", "patience", "class_weight", "augment", "augment_snr"):
        assert net.get_params()[key] == defaults[key], key


def test_recommended_needs_the_grid():
    with pytest.raises(ValueError, match="wavelength is required"):
        recommended_pipeline(Y)
    with pytest.raises(ValueError, match="wavelength is required"):
        recommended_pipeline(Y, classifier="racnet")


def test_unknown_classifier_and_svc_paper():
    with pytest.raises(ValueError, match="classifier must be"):
        recommended_pipeline(Y, wavelength=WAVE, classifier="knn")
    with pytest.raises(ValueError, match="paper's RAC-Net"):
        recommended_pipeline(Y, preset="paper", classifier="svc")


def test_quick_shrinks_copies_gan_and_net_only():
    model = recommended_pipeline(Y, wavelength=WAVE, quick=True)
    assert model.named_steps["augment"].n_copies == 2
    assert model.named_steps["augment"].augmenter.ebv == (0.0, 2.0)  # quick keeps the physics
    net = recommended_pipeline(Y, wavelength=WAVE, quick=True, classifier="racnet")
    net = net.named_steps["racnet"]
    gan = net.sampler
    assert gan.sampling_strategy == {"O": 15}
    assert (gan.n_iter, gan.channels) == (30, 4)
    assert net.max_epochs == 8 and net.module__channels == (4, 8, 8, 16)


def test_recommended_pipeline_fits_and_reads_lines_not_colour():
    # a sloped continuum (the colour) must not decide: two classes that differ only in a
    # line, each seen with one continuum slope in training, are told apart with the
    # slopes swapped; a plain SVC on the flux learns the slope instead
    from imblearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    from skspec.preprocessing import FluxNormalizer

    rng = np.random.default_rng(0)
    wave = np.linspace(3900.0, 5500.0, 200)
    line = np.exp(-0.5 * ((wave - 4541.0) / 4.0) ** 2)

    def spectra(n, depth, slope):
        cont = 1.0 + slope * (wave - 3900.0) / 1600.0
        return cont * (1.0 - depth * line) * (1.0 + 0.01 * rng.standard_normal((n, wave.size)))

    X = np.vstack([spectra(30, 0.4, 1.0), spectra(30, 0.0, -0.5)])
    y = np.array(["O"] * 30 + ["B"] * 30)
    X_swapped = np.vstack([spectra(10, 0.4, -0.5), spectra(10, 0.0, 1.0)])
    y_swapped = np.array(["O"] * 10 + ["B"] * 10)
    model = recommended_pipeline(y, wavelength=wave, quick=True).fit(X, y)
    assert (model.predict(X_swapped) == y_swapped).mean() >= 0.9
    plain = make_pipeline(FluxNormalizer(), SVC(class_weight="balanced")).fit(X, y)
    assert (plain.predict(X_swapped) == y_swapped).mean() <= 0.5


def test_paper_preset_keeps_the_papers_settings():
    from skspec.neural_network import PAPER_PARAMS

    model = recommended_pipeline(Y, preset="paper")
    net = model.named_steps["racnet"]
    gan = net.sampler
    assert gan.sampling_strategy == {"O": 60}  # the paper's balanced set
    assert (gan.n_iter, gan.noise_dim, gan.generator_lr, gan.discriminator_lr) == (
        2000, 900, 1e-4, 1.5e-4)
    params = net.get_params()
    for key, value in PAPER_PARAMS.items():  # the paper's recipe, sampler aside
        assert params[key] == value, key
    # no physical augmentation and no grid needed: the paper's recipe as it was
    from skspec.augmentation import SpectrumAugmenter

    assert not isinstance(net.augment, SpectrumAugmenter)
    wave_given = recommended_pipeline(Y, wavelength=WAVE, preset="paper")
    assert wave_given.named_steps["racnet"].augment == net.augment


def test_without_o_there_is_no_gan():
    model = recommended_pipeline(np.array(["F", "G"] * 10), wavelength=WAVE, classifier="racnet")
    assert model.named_steps["racnet"].sampler is None


def test_unknown_preset():
    with pytest.raises(ValueError, match="preset must be one of"):
        recommended_pipeline(Y, wavelength=WAVE, preset="best")


def test_every_entry_point_uses_the_one_pipeline_and_factor():
    # skspec train, reproduce's over-samplers and its SMOTE+SVC baseline: one rule
    from skspec.experiments import MODES
    from skspec.experiments._methods import _make_baseline, _make_pipeline
    from skspec.survey import _cli

    assert _cli.recommended_pipeline is recommended_pipeline
    for mode in ("quick", "full"):
        assert MODES[mode].oversample == O_OVERSAMPLE_FACTOR
    smote = _make_baseline("SMOTE+SVC", Y, 0).named_steps["smote"]
    assert smote.sampling_strategy == {"O": 15}
    for method in ("SMOTE", "LCGAN"):
        sampler = _make_pipeline(method, Y, MODES["quick"], 0, "cpu").named_steps["clf"].sampler
        strategy = sampler.sampling_strategy
        assert strategy == {"O": 15}, method


def test_survey_augmenter_holds_a_plain_angstrom_grid_that_a_saved_model_can_hold():
    # skspec train passed load_real_spectra().wavelength (a Quantity) and save_model's
    # skops writer failed on it after the whole fit
    import astropy.units as u
    import skops.io

    from skspec.pipeline import survey_augmenter

    aug = survey_augmenter(np.array([390.0, 450.0, 550.0]) * u.nm, random_state=0)
    assert type(aug.wavelength) is np.ndarray
    np.testing.assert_allclose(aug.wavelength, [3900.0, 4500.0, 5500.0])
    skops.io.loads(skops.io.dumps(aug), trusted=skops.io.get_untrusted_types(
        data=skops.io.dumps(aug)))


def test_o_margin_wraps_the_svc_only_when_there_is_an_o_b_border():
    from sklearn.svm import SVC

    from skspec.candidates import RareClassMargin
    from skspec.pipeline import O_MARGIN, SVC_PARAMS

    assert O_MARGIN == 0.0  # measured: no margin beats the SVC's own decision on every score
    assert isinstance(recommended_pipeline(Y, wavelength=WAVE).named_steps["svc"], SVC)
    y = np.asarray(Y)
    step = recommended_pipeline(y, wavelength=WAVE, o_margin=0.75).named_steps["svc"]
    assert isinstance(step, RareClassMargin)
    assert (step.target_class, tuple(step.neighbours), step.margin) == ("O", ("B",), 0.75)
    assert step.estimator.C == SVC_PARAMS["C"]
    # without B there is no border to move: the plain SVC
    no_b = np.where(y == "B", "A", y)
    assert isinstance(recommended_pipeline(no_b, wavelength=WAVE, o_margin=0.75).named_steps["svc"],
                      SVC)
    with pytest.raises(ValueError, match="o_margin must be >= 0"):
        recommended_pipeline(y, wavelength=WAVE, o_margin=-0.1)
