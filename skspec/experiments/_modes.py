"""How much work ``reproduce`` does in each mode (:data:`MODES`) and the survey conditions."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..pipeline import GAN_LEARNING_RATES, O_OVERSAMPLE_FACTOR, SURVEY_AUGMENTATION

__all__ = ["LIBRARY_RESOLUTION", "MODES", "SURVEY_RESOLUTION", "Settings"]

SURVEY_RESOLUTION = 1800  # LAMOST low-resolution spectra
LIBRARY_RESOLUTION = 2000  # about that of the bundled spectra (SDSS R~2000, STELIB ~3 A FWHM)


@dataclass(frozen=True)
class Settings:
    """How much work ``reproduce`` does; see :data:`MODES`."""

    n_seeds: int
    gan_iter: int
    snapshot_every: int
    racnet: dict = field(default_factory=dict)
    snr_levels: tuple = (None, 50, 20, 10, 5)
    max_splits: int | None = None  # None: every O star once
    gan_channels: int = 8
    gan_batch_size: int = 64
    lcgan: dict = field(default_factory=dict)  # extra LCGAN parameters
    # "no-noise": RAC-Net without over-sampling and without its training-time noise
    # augmentation (augment=None), the ablation of that default
    methods: tuple = ("none", "no-noise", "RandomOverSampler", "SMOTE", "SGAN", "LCGAN")
    baselines: tuple = ("SVC", "SMOTE+SVC", "RandomForest")
    n_generated: int = 200
    # over-samplers grow O to this many times its real count in the training fold;
    # None: up to the largest class (imblearn's "auto", the paper's balanced set)
    oversample: float | None = O_OVERSAMPLE_FACTOR
    # the extinction axis: every test spectrum also reddened at these E(B-V)
    # (skspec.augmentation.redden, G23, R(V) 3.1), clean otherwise
    ebv_levels: tuple = (0.5, 1.0, 1.5)
    # the headline column "survey": (E(B-V), S/N), at R = SURVEY_RESOLUTION; None: none
    survey: tuple | None = (1.0, 10)
    # the physical training augmentation every method is also measured with (its
    # "+aug" twin): SpectrumAugmenter ranges; RAC-Net draws them fresh every batch
    # (augment=, in place of its noise-only default), the baselines train on
    # augment_copies augmented copies of every training spectrum (AugmentationSampler)
    augmentation: dict = field(default_factory=lambda: dict(SURVEY_AUGMENTATION))
    # 5: AugmentationSampler's measured default (a plain SVC found 9/10 O stars at
    # E(B-V) 1.0, S/N 10 with 5 copies, 5/10 with 2); quick uses 1 for its time budget
    augment_copies: int = 5
    # which methods (names in methods or baselines) get a "+aug" twin; None: all
    augmented: tuple | None = None
    # with --data all: hold out every split_step-th O star only (None: all 28)
    split_step: int | None = None
    # the recommended pipeline (what skspec train fits) as its own row "recommended":
    # keyword arguments of skspec.pipeline.recommended_pipeline (quick: 2 augmented
    # copies instead of 5); None leaves it out
    recommended: dict | None = field(default_factory=dict)


MODES = {
    # for CI: a smoke test of every code path, numbers meaningless
    "tiny": Settings(
        n_seeds=2, gan_iter=6, snapshot_every=3, max_splits=2, n_generated=20,
        racnet={"module__channels": (4, 4), "max_epochs": 2, "patience": None},
        snr_levels=(None, 10), ebv_levels=(1.0,),
        # one baseline, the plain net and one GAN with their "+aug" twins: every code path
        augmented=("SVC", "none", "LCGAN"), augment_copies=1, recommended={"quick": True},
    ),
    # the default: every O star once, all methods, small networks and short GAN
    # training so that it ends in about 10 minutes on 2 CPU cores; one seed, so
    # ask for --seeds 3 (or --full) to see the spread over seeds
    # LCGAN learns at 10x the paper's rates here (TTUR ratio kept): on the real O
    # spectra 150 iterations then give a generated mean correlated 0.99 with the
    # real one, against 0.69 at the paper's 1e-4 / 1.5e-4 (which needs ~1000).
    # RAC-Net trained up to 15 epochs (patience 4; 8 since the survey evaluation, see
    # below) and the no-noise ablation is left to
    # --full: with 25 epochs / patience 6 and the ablation the ofgk run took 643 s on
    # 2 cores (20 / 5: 673 s), over the 10-minute budget. 25 / 6 did beat 12 / 4 in a
    # leave-one-O-star-out run on obafgkm, seed 0 (macro F1 0.74 / 0.77 / 0.77 against
    # 0.73 / 0.75 / 0.70 at clean / S/N 10 / S/N 5): pass --full for the better numbers.
    # min_epochs 8: with patience 4 alone, a net whose validation loss rose for its
    # first epochs stopped at epoch 5 and predicted one class (obafgkm, seed 1).
    # Over-sampling to 1.5x the real O count, not to the largest class: on obafgkm,
    # seed 0, RAC-Net+LCGAN had O recall 0.90 / 0.90 / 1.00 (clean / S/N 10 / S/N 5)
    # at 1.5x, 0.60 / 0.60 / 0.70 at 3x and 0.20 / 0.20 / 0.30 up to the largest class
    # (RAC-Net alone: 0.90 / 0.70 / 0.60); the balanced set drowns the 9 real O stars
    # in synthetic spectra of less variety than theirs
    "quick": Settings(
        n_seeds=1, gan_iter=150, snapshot_every=50, gan_batch_size=32, n_generated=100,
        lcgan=dict(GAN_LEARNING_RATES),
        racnet={"module__channels": (8, 8, 16, 16), "max_epochs": 8, "patience": 4,
                "min_epochs": 8},
        methods=("none", "RandomOverSampler", "SMOTE", "SGAN", "LCGAN"),
        # the survey evaluation (issue 18) doubles the fits: measured with cProfile on
        # one ofgk split (2-core VM, CPU time), RAC-Net fits are 60 % of the work, the
        # GANs 30 %. quick therefore trains the "+aug" twin of the baselines, of RAC-Net
        # and of RAC-Net+LCGAN (the recommended pipeline) only, and RAC-Net 8 epochs
        # (was 15; in the profiled split every net ran all 15 without early stopping,
        # so this is 8/15 of the training; at 10 epochs one split cost 122 s CPU, a run
        # ~10 min); --full trains every twin with the full settings. 8 epochs cost the
        # over-sampled nets their O precision (ofgk: 0.17 against 0.77 for RAC-Net alone,
        # a weighted, under-trained net leaning to O; the same with the sampler before or
        # inside the classifier): read the quick RAC-Net rows as a smoke run
        augmented=("SVC", "SMOTE+SVC", "RandomForest", "none", "LCGAN"),
        # one augmented copy per training spectrum for the baselines: 5 (the measured
        # default, --full) makes their fits on 6x the rows cost more than the nets here
        augment_copies=1,
        # --data all: 7 of the 28 O stars (every fourth in name order), for the time budget:
        # one split costs 140 s CPU (cProfile, 2-core VM), so 10 splits would take ~11 min
        split_step=4,
        recommended={"quick": True},
    ),
    # paper scale: 2000 GAN iterations, the default RAC-Net, ten seeds
    "full": Settings(
        n_seeds=10, gan_iter=2000, snapshot_every=250, n_generated=1000,
        racnet={},
    ),
}
