"""The worker pool: it leaves the caller's process as it was, and dies with its parent."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STATE = """
    import ctypes, gc, json, sys
    import torch
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import make_pipeline
    from skspec.datasets import load_lamost_samples, load_obafgkm
    from skspec.preprocessing import FluxNormalizer
    from skspec.survey import predict_files

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc_usable_size.argtypes = [ctypes.c_void_p]

    def mmapped():  # glibc serves 40 MB with mmap unless mallopt raised the threshold
        p = libc.malloc(40 * 2**20)
        mapped = libc.malloc_usable_size(p) % 4096 == 4096 - 16
        libc.free(ctypes.c_void_p(p))
        return mapped

    marker = ["the caller's frozen object"]

    def state():  # frozen objects are in no generation gc.get_objects lists
        frozen = not any(o is marker for o in gc.get_objects())
        return dict(frozen=frozen, enabled=gc.isenabled(),
                    threshold=gc.get_threshold(), threads=torch.get_num_threads(),
                    mmapped=mmapped())

    spectra = load_obafgkm()
    model = make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, spectra.target)
    files = load_lamost_samples().filenames[:3]
    torch.set_num_threads(2)
    gc.set_threshold(1000, 20, 20)
    gc.freeze()  # the caller's own frozen objects
    before = state()
    predict_files(model, files, sys.argv[1], verbose=0, n_jobs=int(sys.argv[2]))
    print(json.dumps([before, state()]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc, /proc")
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_predict_files_leaves_the_caller_process_as_it_was(tmp_path, n_jobs):
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(STATE),
                             str(tmp_path / "c.csv"), str(n_jobs)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    before, after = json.loads(result.stdout.splitlines()[-1])
    assert before["frozen"] and before["mmapped"]
    assert after == before


HELD = """
    import os, sys, time
    from sklearn.neighbors import NearestCentroid
    from sklearn.pipeline import make_pipeline
    from skspec.datasets import load_lamost_samples, load_obafgkm
    from skspec.preprocessing import FluxNormalizer
    from skspec.survey import _predict, predict_files

    spectra = load_obafgkm()
    model = make_pipeline(FluxNormalizer(), NearestCentroid()).fit(spectra.data, spectra.target)
    classify = _predict._classify

    def held(*args):  # the workers have read a chunk; the parent hangs on here
        open(sys.argv[1] + ".started", "w").close()
        time.sleep(600)

    _predict._classify = held
    predict_files(model, load_lamost_samples().filenames, sys.argv[1], verbose=0, n_jobs=2,
                  chunk_size=1, batch_size=1)
"""


def _marked(mark):
    """Process ids whose environment holds ``mark`` (the run and its workers)."""
    pids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if mark.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                    pids.append(int(pid))
            except OSError:
                pass
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_when_the_run_is_killed(tmp_path):
    mark = f"SKSPEC_TEST_RUN={uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
           mark.split("=")[0]: mark.split("=")[1]}
    out = tmp_path / "c.csv"
    run = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HELD), str(out)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not Path(str(out) + ".started").exists():
            assert run.poll() is None and time.monotonic() < deadline, "the run did not start"
            time.sleep(0.1)
        workers = [p for p in _marked(mark) if p != run.pid]
        assert len(workers) >= 2
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 10
        while (alive := [p for p in _marked(mark) if p in workers]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive, "orphaned workers"
    finally:
        run.kill()
        for pid in _marked(mark):
            os.kill(pid, signal.SIGKILL)
