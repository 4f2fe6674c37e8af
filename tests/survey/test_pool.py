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
    import ctypes, gc, json, sys, threading
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
                    mmapped=mmapped(),
                    ours=sorted(t.name for t in threading.enumerate() if "skspec" in t.name))

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
    open_sink = _predict._open_sink

    def held_sink(*args):  # the workers have classified a batch; the parent hangs on here
        sink = open_sink(*args)

        def write(rows):
            open(sys.argv[1] + ".started", "w").close()
            time.sleep(600)

        sink.write = write
        return sink

    if __name__ == "__main__":
        _predict._open_sink = held_sink
        predict_files(model, load_lamost_samples().filenames, sys.argv[1], verbose=0,
                      n_jobs=2, batch_size=1)
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


READER = """
    import json, sys
    from skspec.survey._pool import _init_worker, _read_chunk
    from skspec.utils._resampling import default_grid

    _init_worker(default_grid(), 0.1, "flux_conserving", 1)
    rows = _read_chunk(sys.argv[1:])
    heavy = sorted(m for m in ("sklearn", "scipy", "pandas", "torch") if m in sys.modules)
    print(json.dumps([heavy, [row["error"] for row, _ in rows]]))
"""


def test_reader_processes_import_no_sklearn_scipy_pandas_or_torch():
    # a spawned reader is a fresh interpreter: what it imports is its start-up
    # time (sklearn alone took 3.3 s of the ~10 s the first -j 2 batch waited)
    import json

    from skspec.datasets import load_lamost_samples

    files = [str(f) for f in load_lamost_samples().filenames[:2]]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(READER), *files],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    heavy, errors = json.loads(result.stdout.splitlines()[-1])
    assert errors == ["", ""]
    assert heavy == []


def test_read_ahead_keeps_order_raises_where_the_error_was_and_stops():
    import threading

    from skspec.survey._pool import _ReadAhead

    def broken():
        yield from range(5)
        raise ValueError("file 5 is bad")

    got = []
    ahead = _ReadAhead(broken(), 2)
    with pytest.raises(ValueError, match="file 5 is bad"):
        for item in ahead:
            got.append(item)
    ahead.close()
    assert got == [0, 1, 2, 3, 4]

    def endless():
        i = 0
        while True:
            yield i
            i += 1

    ahead = _ReadAhead(endless(), 3)
    first = [item for _, item in zip(range(10), ahead)]
    ahead.close()  # the caller stops early (an error in classification, Ctrl-C)
    assert first == list(range(10))
    assert not any(t.name == "skspec-read-ahead" for t in threading.enumerate())
