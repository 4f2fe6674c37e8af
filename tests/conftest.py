"""Shared fixtures: small seeded data so the suite stays fast on 2 CPU cores."""

import os
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pytest_configure(config):
    try:  # two cores on CI: one intra-op thread per test process avoids oversubscription
        import torch

        torch.set_num_threads(int(os.environ.get("SKSPEC_TEST_THREADS", "1")))
    except ImportError:  # pragma: no cover
        pass


@pytest.fixture(scope="session")
def shared_data():
    """The ../shared/data folder beside the checkout (raw FITS files)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not there")
    return SHARED_DATA


@pytest.fixture(scope="session")
def spectra():
    """60 synthetic spectra of 64 pixels, two classes 54:6, float32."""
    from skspec.datasets import make_spectra

    return make_spectra(60, 64, weights=[0.9, 0.1], random_state=0)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
