"""RAC-Net benchmarks: inference speed on this CPU and recognition quality.

Usage::

    .venv/bin/python benchmarks/bench_racnet.py speed     # ~2 min, 2 threads
    .venv/bin/python benchmarks/bench_racnet.py quality   # ~10-15 min, 1 thread

Each part rewrites its own section of ``benchmarks/results/racnet.md``.

speed
    Inference spectra/s and achieved GFLOP/s of the default RACNet at 3,700
    pixels, batch 256, for a naive evaluation (``module.eval()`` under
    ``torch.no_grad``) and for each optimisation, measured in the same run
    so ratios are fair on a shared machine; checks that every variant gives
    the same argmax and probabilities within 1e-5. Also the time of one
    training epoch on the bundled ``load_obafgkm()`` data.
quality
    The paper's recipe (``RACNetClassifier.paper()``) against the defaults on
    ``load_obafgkm()`` after ``FluxNormalizer``: 5-fold StratifiedGroupKFold
    over stars (``object``), pooled out-of-fold O recall, O precision and
    macro F1 over the seven classes.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

import numpy as np
import torch

from skspec.utils._machine import describe_machine

RESULTS = Path(__file__).resolve().parent / "results" / "racnet.md"
N_PIXELS, BATCH, N_CLASSES = 3700, 256, 4


def write_section(title: str, body: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# RAC-Net benchmarks\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text.rstrip() + "\n")


# ----------------------------------------------------------------------- speed
def count_flops(net, n_pixels: int) -> float:
    """Multiply-adds x 2 of the convolutions and linear layers per spectrum."""
    flops = 0.0

    def conv_hook(mod, inp, out):
        nonlocal flops
        flops += 2.0 * out.shape[1] * out.shape[2] * mod.in_channels * mod.kernel_size[0]

    def lin_hook(mod, inp, out):
        nonlocal flops
        flops += 2.0 * mod.in_features * mod.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in net.modules() if isinstance(m, torch.nn.Conv1d)]
    hooks += [m.register_forward_hook(lin_hook) for m in net.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        net(torch.zeros(1, n_pixels))
    for h in hooks:
        h.remove()
    return flops


def best_rates(variants: dict, X: torch.Tensor, rounds: int) -> dict:
    """(wall-clock spectra/s, spectra per CPU-second) of each variant, best of
    ``rounds``; variants interleaved so a burst of load from other jobs hits
    all of them alike. CPU time (all threads of this process) is less
    sensitive to other jobs time-slicing the cores than wall-clock time."""
    for fn in variants.values():  # warm-up
        fn(X)
    wall = dict.fromkeys(variants, np.inf)
    cpu = dict.fromkeys(variants, np.inf)
    for _ in range(rounds):
        for name, fn in variants.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn(X)
            wall[name] = min(wall[name], time.perf_counter() - t0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
    return {name: (len(X) / wall[name], len(X) / cpu[name]) for name in variants}


def chunked(fn, size: int):
    """Run ``fn`` on micro-batches of ``size`` rows (feature maps stay in cache)."""

    def run(x):
        return torch.cat([fn(x[i : i + size]) for i in range(0, len(x), size)])

    return run


def speed(threads: int, rounds: int, use_compile: bool) -> None:
    from skspec.neural_network import InferenceRACNet, RACNet, fold_batchnorm

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = RACNet(N_PIXELS, N_CLASSES)
    # a few training steps so that batch-norm statistics are not the identity
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    Xtr = torch.randn(64, N_PIXELS).cumsum(1) / 50
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(Xtr), torch.arange(64) % N_CLASSES).backward()
        opt.step()
    net.eval()
    X = torch.randn(BATCH, N_PIXELS).cumsum(1) / 50
    flops = count_flops(net, N_PIXELS)

    def probs(module, mode=torch.inference_mode):
        def run(x):
            with mode():
                return torch.softmax(module(x), -1)

        return run

    fused = fold_batchnorm(net)
    variants = {
        "naive: module.eval(), torch.no_grad": probs(net, torch.no_grad),
        "torch.inference_mode": probs(net),
        "+ BN folded into conv": probs(fused),
        "naive, micro-batches of 64": chunked(probs(net, torch.no_grad), 64),
        "InferenceRACNet, whole batch (micro_batch=None)": probs(InferenceRACNet(net, micro_batch=None)),
    }
    for size in (32, 64, 128):
        label = "InferenceRACNet (default)" if size == 64 else f"InferenceRACNet, micro_batch={size}"
        variants[label] = probs(InferenceRACNet(net, micro_batch=size))
    notes = []
    try:
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(net, X[:8]).eval()))
        variants["TorchScript trace + freeze + optimize_for_inference"] = probs(frozen)
    except Exception as exc:  # noqa: BLE001 - report, do not fail the benchmark
        notes.append(f"TorchScript failed: {type(exc).__name__}: {str(exc)[:150]}")
    if use_compile:
        try:
            import torch._inductor.config as inductor_config

            inductor_config.freezing = True
            compiled = torch.compile(fused, dynamic=False)
            t0 = time.perf_counter()
            probs(compiled)(X)
            notes.append(f"torch.compile (inductor, freezing) took {time.perf_counter() - t0:.0f} s to compile")
            variants["BN folded + torch.compile (inductor)"] = probs(compiled)
        except Exception as exc:  # noqa: BLE001
            notes.append(f"torch.compile failed: {type(exc).__name__}: {str(exc)[:150]}")

    naive = "naive: module.eval(), torch.no_grad"
    ref = variants[naive](X)

    # what RACNetClassifier.predict_proba does end to end (numpy in, input checks included)
    from skspec.neural_network import RACNetClassifier

    # same network as above (default: input standardised), so the outputs must agree
    clf = RACNetClassifier(random_state=0)
    clf.initialize(n_features=N_PIXELS, classes=list("FGKO"))
    clf.module_.load_state_dict(net.state_dict())
    variants["`RACNetClassifier.predict_proba` (numpy in, checks included)"] = lambda x: torch.from_numpy(
        clf.predict_proba(x.numpy())
    )

    rates = best_rates(variants, X, rounds)
    wall0, cpu0 = rates[naive]
    rows = []
    for name, fn in variants.items():
        out = fn(X)
        same = bool((out.argmax(1) == ref.argmax(1)).all())
        diff = float((out - ref).abs().max())
        wall, cpu = rates[name]
        rows.append(
            f"| {name} | {wall:,.0f} | {wall / wall0:.2f}x | {cpu:,.0f} | {cpu / cpu0:.2f}x | "
            f"{wall * flops / 1e9:.1f} | {same} | {diff:.1e} |"
        )

    # one training epoch on the bundled data (defaults of RACNetClassifier)
    from skspec.datasets import load_obafgkm
    from skspec.preprocessing import FluxNormalizer

    data = load_obafgkm()
    Xd = FluxNormalizer().fit_transform(data.data)
    clf = RACNetClassifier(max_epochs=1, patience=None, random_state=0)
    t0 = time.perf_counter()
    clf.fit(Xd, data.target)
    epoch = time.perf_counter() - t0
    n_valid = len(clf.validation_indices_)

    body = f"""Machine: {describe_machine()}. `torch.set_num_threads({threads})`. The machine is shared with
other jobs (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end of this run), so absolute
numbers move from run to run: compare the ratios within this table, all measured in the same
run with the variants interleaved (best of {rounds} rounds each). Default RACNet (channels
16,16,32,32,64,64,128,128, 4 classes), {N_PIXELS} pixels, one call on a batch of {BATCH};
{flops / 1e6:.1f} MFLOP per spectrum (2 x multiply-adds of the convolutions and linear layers).
"same argmax" and "max abs diff" compare the softmax probabilities with the naive run.

| variant | spectra/s (wall) | vs naive | spectra per CPU-s | vs naive (CPU time) | GFLOP/s (wall) | same argmax | max abs diff of probabilities |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

{" ".join(notes)}

One training epoch of `RACNetClassifier()` on `load_obafgkm()` after `FluxNormalizer`
({len(Xd) - n_valid} training + {n_valid} validation spectra, 2,782 pixels, {threads} threads):
{epoch:.1f} s (includes building the net).
"""
    write_section("Speed", body)
    print(body)


# --------------------------------------------------------------------- quality
def quality(n_splits: int, max_epochs: int, ablation: bool = False) -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.model_selection import StratifiedGroupKFold

    from skspec.datasets import load_obafgkm
    from skspec.neural_network import RACNetClassifier
    from skspec.preprocessing import FluxNormalizer

    torch.set_num_threads(1)
    data = load_obafgkm()
    X = FluxNormalizer().fit_transform(data.data)
    y, groups = np.asarray(data.target), np.asarray(data.object)
    configs = {
        "paper (Adam 1e-4, patience 5)": lambda: RACNetClassifier.paper(random_state=0),
        "defaults": lambda: RACNetClassifier(random_state=0, max_epochs=max_epochs),
    }
    if ablation:  # one change at a time from the defaults
        configs = {
            "defaults but class_weight=None": lambda: RACNetClassifier(
                random_state=0, max_epochs=max_epochs, class_weight=None
            ),
        }
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=0)
    rows = []
    for name, make in configs.items():
        pred = np.empty_like(y)
        epochs, t0, c0 = [], time.perf_counter(), time.process_time()
        for train, test in cv.split(X, y, groups):
            clf = make().fit(X[train], y[train])
            pred[test] = clf.predict(X[test])
            epochs.append(len(clf.history))
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        rec = recall_score(y, pred, labels=["O"], average="macro", zero_division=0)
        prec = precision_score(y, pred, labels=["O"], average="macro", zero_division=0)
        f1 = f1_score(y, pred, average="macro")
        n_o = int(((pred == "O") & (y == "O")).sum())
        rows.append(
            f"| {name} | {rec:.2f} ({n_o}/{int((y == 'O').sum())}) | {prec:.2f} | {f1:.3f} | "
            f"{np.mean(y == pred):.3f} | {min(epochs)}-{max(epochs)} | {cpu / 60:.1f} ({sec / 60:.1f}) |"
        )
        print(rows[-1], flush=True)
    body = f"""Machine: {describe_machine()}, 1 thread. `load_obafgkm()` (348 spectra, 7 classes, 10 O)
after `FluxNormalizer()` (L2), {n_splits}-fold `StratifiedGroupKFold` over `object` (shuffle,
seed 0), one seed (random_state=0); scores pooled over the out-of-fold predictions.
Defaults: lr 1e-3, patience 10, class_weight="balanced", per-spectrum standardised
input (module__standardize=True), batch 32, max_epochs {max_epochs} here.

| recipe | O recall | O precision | macro F1 (7 classes) | accuracy | epochs trained | CPU minutes (wall) |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}
"""
    write_section("Recognition quality" + (": ablation" if ablation else ""), body)
    print(body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["speed", "quality"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compile", action="store_true", help="also try torch.compile (minutes)")
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--ablation", action="store_true", help="quality: one change from the defaults")
    args = parser.parse_args()
    if args.part == "speed":
        speed(args.threads, args.rounds, args.compile)
    else:
        quality(args.splits, args.max_epochs, args.ablation)
