"""Recognition networks for spectra: RAC-Net and its scikit-learn classifier."""

from ._classifier import PAPER_PARAMS, RACNetClassifier
from ._valid_split import RealValidSplit
from ._racnet import ChannelAttention, InferenceRACNet, RACNet, RACStage, fold_batchnorm

__all__ = [
    "PAPER_PARAMS",
    "ChannelAttention",
    "InferenceRACNet",
    "RACNet",
    "RACNetClassifier",
    "RACStage",
    "RealValidSplit",
    "fold_batchnorm",
]
