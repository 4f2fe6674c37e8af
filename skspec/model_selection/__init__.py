"""Cross-validation splitters that keep every star on one side of a split."""

from ._split import LeaveOneStarOut

__all__ = ["LeaveOneStarOut"]
