"""GAN over-sampler benchmark: LocallyConnected1d vs Conv1d, GAN iterations/s, O-star fit.

Usage::

    .venv/bin/python benchmarks/bench_gan.py                 # layer + GAN rates, ~3 min
    .venv/bin/python benchmarks/bench_gan.py --ostars        # + LCGAN on the 10 O spectra
    .venv/bin/python benchmarks/bench_gan.py --parts layer   # rerun one section, keep the rest

(a) LocallyConnected1d / Conv1d time ratio, 16 -> 16 channels, k = 3,
    L = 1,850, batch 64, forward alone and forward + backward (gradients of
    input, weight and bias via ``torch.autograd.grad``). Several ways of
    writing a locally connected layer are timed in interleaved rounds
    against Conv1d; the ratio is taken within each round (the machine is
    shared and noisy) and the median over rounds is reported.
(b) LCGAN and SGAN training iterations per second at 3,700 pixels, batch 64:
    a fit of ``n_iter = 5 + N`` minus a fit of ``n_iter = 5`` (setup and
    sampling cancel), on the CPU with one thread and on CUDA when present.
(c) ``--ostars``: LCGAN with default settings on the 10 O spectra of
    ``load_ofgk()`` after FluxNormalizer (L2): fit time and how close the
    generated spectra are (correlation of the generated mean with the real
    mean, depth of the Balmer lines). Also at the paper's 2,000 iterations
    when ``--paper`` is given (slow).

Results go to ``benchmarks/results/gan.md``.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from skspec.nn import LocallyConnected1d

from skspec.utils._machine import describe_machine

RESULTS = Path(__file__).resolve().parent / "results" / "gan.md"
LAYER_NOTES = """What won (kept in `skspec/nn/_layers.py`): a custom `autograd.Function`.
Forward: one copy of the input into a zero-padded channels-last buffer (B, L, C), in
which every window is `k*C` contiguous numbers, so `as_strided` gives all windows as a
(L_out, B, k*C) view with no unfold copy, and one `baddbmm` over positions adds the
bias. Backward by hand: weight gradient = one `bmm` on the same strided view; input
gradient = one `baddbmm_` per tap into contiguous slices of a position-major buffer
(the first tap writes with `bmm(out=...)`, so the buffer is never zero-filled). The
automatic backward of the same strided view (`as_strided` backward) was 2-3x slower,
the `F.unfold` copy dominated the naive version, and per-tap einsum does k small
batched products instead of one."""
B, C_IN, C_OUT, K, L = 64, 16, 16, 3, 1850


# ------------------------------------------------------------ (a) the layer
class NaiveUnfold(nn.Module):
    """F.unfold copy of every window + bmm over positions (the first version)."""

    def __init__(self, lc: LocallyConnected1d):
        super().__init__()
        self.lc = lc

    def forward(self, x):
        cols = F.unfold(x.unsqueeze(-1), (K, 1))  # (B, C*k, L_out), a copy
        out = torch.bmm(cols.permute(2, 0, 1), self.lc.weight.transpose(1, 2))
        return out.permute(1, 2, 0) + self.lc.bias


class EinsumView(nn.Module):
    """einsum over Tensor.unfold (a strided view, no explicit copy); autograd backward."""

    def __init__(self, lc):
        super().__init__()
        self.lc = lc

    def forward(self, x):
        win = x.unfold(2, K, 1)  # (B, C, L_out, k) view
        w = self.lc.weight.view(self.lc.output_length, C_OUT, C_IN, K)
        return torch.einsum("bclk,lock->bol", win, w) + self.lc.bias


class PerTap(nn.Module):
    """sum over taps k of x[..., k:k+L_out] contracted with W_k (no window copy)."""

    def __init__(self, lc):
        super().__init__()
        self.lc = lc

    def forward(self, x):
        lo = self.lc.output_length
        w = self.lc.weight.view(lo, C_OUT, C_IN, K)
        out = self.lc.bias
        for j in range(K):
            out = out + torch.einsum("bcl,loc->bol", x[:, :, j:j + lo], w[..., j])
        return out


def _median_ratios(variants: dict, x, rounds: int, backward: bool) -> dict:
    grad_out = torch.randn(B, C_OUT, L - K + 1)
    ratios = {name: [] for name in variants}
    times = {name: [] for name in variants}
    for _ in range(rounds):
        per_round = {}
        for name, module in variants.items():
            params = [x, *module.parameters()]
            t0 = time.perf_counter()
            if backward:
                torch.autograd.grad(module(x), params, grad_out)
            else:
                with torch.no_grad():
                    module(x)
            per_round[name] = time.perf_counter() - t0
        for name in variants:
            times[name].append(per_round[name])
            ratios[name].append(per_round[name] / per_round["Conv1d"])
    return {name: (float(np.median(times[name])), float(np.median(ratios[name])))
            for name in variants}


def bench_layer(rounds: int) -> tuple[dict, dict]:
    torch.manual_seed(0)
    lc = LocallyConnected1d(C_IN, C_OUT, K, L)
    variants = {
        "Conv1d": nn.Conv1d(C_IN, C_OUT, K),
        "LocallyConnected1d (skspec)": lc,
        "unfold + bmm (naive)": NaiveUnfold(lc),
        "einsum on unfold view": EinsumView(lc),
        "per-tap einsum": PerTap(lc),
    }
    x = torch.randn(B, C_IN, L, requires_grad=True)
    ref = NaiveUnfold(lc)(x)
    for name, module in variants.items():  # every formulation computes the same thing
        if name != "Conv1d":
            torch.testing.assert_close(module(x), ref, rtol=1e-4, atol=1e-4)
    for module in variants.values():  # warm-up
        torch.autograd.grad(module(x), [x], torch.ones(B, C_OUT, L - K + 1))
    fwd = _median_ratios(variants, x, rounds, backward=False)
    both = _median_ratios(variants, x, rounds, backward=True)
    return fwd, both


# --------------------------------------------------------- (b) GAN rates
def bench_gan(cls, device: str, n_pixels: int = 3700, n_iter: int = 20) -> float:
    rng = np.random.default_rng(0)
    X = rng.normal(1.0, 0.1, size=(40, n_pixels)).astype(np.float32)
    y = np.r_[np.zeros(30, int), np.ones(10, int)]

    def fit(n):
        sampler = cls(n_iter=n, batch_size=64, random_state=0, device=device,
                      sampling_strategy={1: 11})
        t0 = time.perf_counter()
        sampler.fit(X, y)
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    fit(2)  # warm-up
    base = min(fit(5) for _ in range(2))
    full = min(fit(5 + n_iter) for _ in range(2))
    return n_iter / max(full - base, 1e-9)


# --------------------------------------------------------- (c) O spectra
def bench_ostars(n_iter: int | None) -> dict:
    from skspec.datasets import load_ofgk
    from skspec.over_sampling import LCGAN
    from skspec.preprocessing import FluxNormalizer

    bunch = load_ofgk()
    X = FluxNormalizer(norm="l2").fit_transform(bunch.data)
    y = np.asarray(bunch.target)
    wave = bunch.wavelength.to_value("AA")
    real = X[y == "O"]
    params = {} if n_iter is None else {"n_iter": n_iter}
    sampler = LCGAN(random_state=0, sampling_strategy={"O": 110}, **params)
    t0 = time.perf_counter()
    X_res, _ = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - t0
    fake = X_res[len(X):]
    fake_mean, real_mean = fake.mean(0), real.mean(0)
    result = {
        "n_iter": sampler.n_iter,
        "seconds": seconds,
        "corr_mean": float(np.corrcoef(fake_mean, real_mean)[0, 1]),
        "corr_each": float(np.median([np.corrcoef(f, real_mean)[0, 1] for f in fake])),
        "mean_abs_diff": float(np.abs(fake_mean - real_mean).mean() / real_mean.mean()),
        "std_ratio": float(fake.std(0).mean() / real.std(0).mean()),
        "lines": {},
    }
    for name, centre in [("Hβ 4861", 4861.3), ("Hγ 4340", 4340.5), ("Hδ 4102", 4101.7)]:
        core = np.argmin(np.abs(wave - centre))
        side = (np.abs(wave - centre) > 30) & (np.abs(wave - centre) < 80)
        result["lines"][name] = (
            float(fake_mean[core] / fake_mean[side].mean()),
            float(real_mean[core] / real_mean[side].mean()),
        )
    return result


def _layer_section(rounds: int) -> list[str]:
    lines = [f"## LocallyConnected1d vs Conv1d ({C_IN}->{C_OUT} channels, k={K}, "
             f"L={L}, batch {B}, CPU, median of {rounds} interleaved rounds)", ""]
    fwd, both = bench_layer(rounds)
    lines += ["| formulation | forward ms | forward / Conv1d | fwd+bwd ms | fwd+bwd / Conv1d |",
              "|---|---:|---:|---:|---:|"]
    for name in fwd:
        lines.append(f"| {name} | {fwd[name][0] * 1e3:.1f} | {fwd[name][1]:.2f}x | "
                     f"{both[name][0] * 1e3:.1f} | {both[name][1]:.2f}x |")
    ours = "LocallyConnected1d (skspec)"
    lines += ["", f"skspec's layer: **{fwd[ours][1]:.2f}x** Conv1d forward (target <= 3x), "
              f"**{both[ours][1]:.2f}x** forward+backward (target <= 1.5x).", "", LAYER_NOTES]
    return lines


def _gan_section() -> list[str]:
    from skspec.over_sampling import LCGAN, SGAN

    lines = ["## GAN training iterations per second (3,700 pixels, batch 64)", "",
             "| sampler | device | iterations/s |", "|---|---|---:|"]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        for cls in (LCGAN, SGAN):
            rate = bench_gan(cls, device)
            lines.append(f"| {cls.__name__} | {device} | {rate:.2f} |")
            print(lines[-1], flush=True)
    return lines


def _ostars_section(paper: bool) -> list[str]:
    lines = ["## LCGAN on the 10 real O spectra of `load_ofgk()` (FluxNormalizer L2)", "",
             "Default settings, `random_state=0`, 100 spectra generated. Line depth = flux at "
             "the line centre / mean flux 30-80 Å either side (1 = no line).", "",
             "| n_iter | fit s | corr(gen mean, real mean) | median corr(gen, real mean) | "
             "mean abs diff / mean | std gen / std real | Hβ 4861 gen (real) | "
             "Hγ 4340 | Hδ 4102 |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n_iter in [None] + ([2000] if paper else []):
        r = bench_ostars(n_iter)
        depth = " | ".join(f"{g:.3f} ({t:.3f})" for g, t in r["lines"].values())
        lines.append(f"| {r['n_iter']} | {r['seconds']:.0f} | {r['corr_mean']:.3f} | "
                     f"{r['corr_each']:.3f} | {r['mean_abs_diff']:.3f} | "
                     f"{r['std_ratio']:.2f} | {depth} |")
        print(lines[-1], flush=True)
    return lines


def _read_sections(path: Path) -> dict:
    """Sections of an earlier results file, keyed by their ``<!-- section: x -->`` mark."""
    sections, key = {}, None
    if path.exists():
        for line in path.read_text().splitlines():
            found = re.match(r"<!-- section: (\w+) -->", line)
            if found:
                key = found.group(1)
                sections[key] = []
            elif key is not None:
                sections[key].append(line)
    return sections


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["layer", "gan"],
                        choices=["layer", "gan", "ostars"],
                        help="what to run; the other sections of the results file are kept")
    parser.add_argument("--ostars", action="store_true", help="same as adding 'ostars' to --parts")
    parser.add_argument("--paper", action="store_true", help="also the 2,000-iteration O fit")
    parser.add_argument("--rounds", type=int, default=15, help="rounds for the layer timing")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    parts = set(args.parts) | ({"ostars"} if args.ostars else set())

    sections = _read_sections(RESULTS)
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    stamp = [f"Measured {date} on {describe_machine()}.", ""]
    runners = {"layer": lambda: _layer_section(args.rounds), "gan": _gan_section,
               "ostars": lambda: _ostars_section(args.paper)}
    for key in ["layer", "gan", "ostars"]:
        if key in parts:
            body = runners[key]()
            sections[key] = [body[0], "", *stamp, *body[2:], ""]

    lines = ["# GAN over-sampler benchmark (`benchmarks/bench_gan.py`)", "",
             "The machine is shared by several jobs (load average 5-10 on 2 cores during "
             "these runs); compare ratios from the same run, not absolute times across runs.",
             ""]
    for key in ["layer", "gan", "ostars"]:
        if key in sections:
            lines += [f"<!-- section: {key} -->", *sections[key]]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines).rstrip() + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
