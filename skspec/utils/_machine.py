"""One line describing the machine, for benchmark files and reports."""

from __future__ import annotations

import os
import platform


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def describe_machine() -> str:
    """CPU model, core count, GPU (when torch sees one), Python and torch versions.

    Examples
    --------
    >>> from skspec.utils._machine import describe_machine
    >>> "cores" in describe_machine()
    True
    """
    parts = [f"{platform.node()}: {_cpu_model()}", f"{os.cpu_count()} cores"]
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        torch = None
    if torch is not None:
        parts.append(f"GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available()
                     else "no GPU")
    parts.append(f"Python {platform.python_version()}")
    if torch is not None:
        parts.append(f"torch {torch.__version__}")
    return ", ".join(parts)
