"""skspec: find rare stellar spectra in large spectroscopic surveys.

A scikit-learn compatible toolkit after Yang, Wu, Luo & Zou (2021),
"Spectra Recognition Model for O-type Stars Based on Data Augmentation":
flux normalisation, GAN over-samplers (LCGAN, SGAN) for rare classes and the
RAC-Net recognition network.

``import skspec`` is light: torch is imported only by the modules that need it.
"""

__version__ = "0.1.0.dev0"

__all__ = [
    "datasets",
    "experiments",
    "io",
    "metrics",
    "model_selection",
    "neural_network",
    "nn",
    "over_sampling",
    "pipeline",
    "plotting",
    "preprocessing",
    "survey",
    "__version__",
    "load_model",
    "predict_files",
    "save_model",
]


def __getattr__(name):
    # save_model / load_model / predict_files pull in torch: import them only when asked for.
    if name in ("save_model", "load_model"):
        from . import _persistence

        return getattr(_persistence, name)
    if name == "predict_files":
        from .survey import predict_files

        return predict_files
    raise AttributeError(f"module 'skspec' has no attribute {name!r}")
