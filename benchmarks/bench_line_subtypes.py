"""O subtype from log W' = log EW(He I 4471) / EW(He II 4541) on the MKCLASS O standards.

Reads the MKCLASS standard spectra (Gray & Corbally 2014; two-column ASCII,
air wavelengths, 1 A/px) from ``shared/data/raw/mkclass`` with
:func:`skspec.io.read_mkclass`, measures the O/B
criterion lines with :func:`skspec.metrics.measure_lines` (noise from the
continuum scatter: the files carry no errors), estimates the subtype with
:func:`skspec.metrics.estimate_o_subtype` and compares it with the standard's
type from its file name (``tTTT``: TTT/10 = 1 -> O4 ... 6 -> O9, 7 -> B0).

Usage::

    python benchmarks/bench_line_subtypes.py [--data ../shared/data/raw/mkclass]
        [--out benchmarks/results/line_subtypes.md]
"""

from __future__ import annotations

import argparse
import glob
import os
import time

import numpy as np

from skspec.io import read_mkclass
from skspec.metrics import estimate_o_subtype, line_flags, measure_lines
from skspec.utils._machine import describe_machine

_LUM = {0: "Ia", 10: "Ib", 20: "II", 25: "II-III", 30: "III", 40: "IV", 50: "V"}


def _read(path):
    spec = read_mkclass(path)  # vacuum wavelengths; flux 0 (no data) is masked
    flux = np.where(spec.mask, np.nan, np.asarray(spec.flux, dtype=np.float64))
    return spec.wavelength.to_value("AA"), flux


def _name(code, lum):
    sub = code + 3 if code < 7 else None  # 1 -> O4 ... 6 -> O9
    if sub is not None:
        return f"O{sub:g} {_LUM.get(lum, lum)}"
    b = {7.0: "B0", 7.7: "B0.7", 8.0: "B1", 8.5: "B1.5", 9.0: "B2", 10.0: "B3"}.get(code, f"code {code}")
    return f"{b} {_LUM.get(lum, lum)}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data", "raw", "mkclass"))
    parser.add_argument("--out", default=os.path.join(here, "results", "line_subtypes.md"))
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = []
    for lib in ("libnor36", "libr36"):
        for path in sorted(glob.glob(os.path.join(args.data, lib, "t*.rbn"))):
            base = os.path.basename(path)
            code, lum = int(base[1:4]) / 10, int(base[5:7])
            if code > 10:  # O and early B only (B0-B3)
                continue
            wave, flux = _read(path)
            m = measure_lines(flux, wave)
            est = estimate_o_subtype(m)
            fl = line_flags(m)
            rows.append(dict(lib=lib, file=base, truth=_name(code, lum), true_code=code + 3 if code < 7 else np.nan,
                             is_o=code < 6.5, log_w=float(est["log_w_prime"][0]),
                             log_w_err=float(est["log_w_prime_err"][0]), subtype=str(est["subtype"][0]),
                             est_code=float(est["subtype_code"][0]), flag=str(est["flag"][0]),
                             he_ii_absent=bool(fl["he_ii_absent"][0]),
                             em4686=bool(fl["he_ii_4686_emission"][0])))
    elapsed = time.perf_counter() - t0
    lines = [
        "# O subtype from log W' on the MKCLASS standards",
        "",
        f"`benchmarks/bench_line_subtypes.py`, {time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"machine: {describe_machine()} (shared, noisy VM), "
        f"{elapsed:.1f} s for everything.",
        "",
        "Data: MKCLASS standards (Gray & Corbally 2014) from `shared/data/raw/mkclass/`: `libnor36` "
        "(flux-normalised) and `libr36` (rectified) copies of the same 18 O standards (O4-O9, one per "
        "type and luminosity class) and the B0-B3 standards. Resolution 3.6 A FWHM, 1 A/px, no noise "
        "array (errors from the continuum scatter). Calibration: Conti & Alschuler (1971) / Mathys "
        "(1988), valid O4-O9.7.",
        "",
    ]
    for lib in ("libnor36", "libr36"):
        sel = [r for r in rows if r["lib"] == lib]
        o = [r for r in sel if r["is_o"]]
        within1 = [r for r in o if np.isfinite(r["est_code"]) and abs(r["est_code"] - r["true_code"]) <= 1.0]
        within05 = [r for r in o if np.isfinite(r["est_code"]) and abs(r["est_code"] - r["true_code"]) <= 0.5]
        no_sub = [r for r in o if not np.isfinite(r["est_code"])]
        b = [r for r in sel if not r["is_o"]]
        b_sub = [r for r in b if np.isfinite(r["est_code"])]
        b_absent = [r for r in b if r["he_ii_absent"]]
        o_absent = [r for r in o if r["he_ii_absent"]]
        bias = np.nanmean([r["est_code"] - r["true_code"] for r in o])
        lines += [
            f"## {lib}",
            "",
            f"- O standards: **{len(within1)}/{len(o)} within one subtype**, {len(within05)}/{len(o)} "
            f"within half a subtype, {len(no_sub)} without an estimate; mean (estimate - true) = {bias:+.2f} subtypes.",
            f"- `he_ii_absent` on O standards: {len(o_absent)}/{len(o)}; on B0-B3 standards: {len(b_absent)}/{len(b)}.",
            f"- B0-B3 standards given an O subtype (He II 4541 EW > max(2 sigma, 0.1 A) and log W' <= 0.90): "
            f"{len(b_sub)}/{len(b)}" + (f" ({', '.join(r['truth'] + ' -> ' + r['subtype'] for r in b_sub)})" if b_sub else "") + ".",
            "",
            "| file | MK type | log W' | err | estimate | flag | He II absent | He II 4686 em. |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in sel:
            lines.append(f"| {r['file']} | {r['truth']} | {r['log_w']:+.2f} | {r['log_w_err']:.2f} | "
                         f"{r['subtype'] or '-'} | {r['flag'] or '-'} | {'yes' if r['he_ii_absent'] else ''} | "
                         f"{'yes' if r['em4686'] else ''} |")
        lines.append("")
    # with noise: Gaussian, sigma = median flux / SNR, passed as ivar
    rng = np.random.default_rng(0)
    lines += ["## With noise (libnor36 O standards, 20 noise draws each, noise passed as ivar)", "",
              "| S/N per 1 A pixel | within one subtype | within half a subtype | no estimate | "
              "he_ii_absent on O |", "|---|---|---|---|---|"]
    o_paths = [os.path.join(args.data, "libnor36", r["file"]) for r in rows if r["lib"] == "libnor36" and r["is_o"]]
    o_true = [r["true_code"] for r in rows if r["lib"] == "libnor36" and r["is_o"]]
    for snr in (100, 50, 30, 20, 10):
        w1 = w05 = none = absent = total = 0
        for path, true in zip(o_paths, o_true):
            wave, flux = _read(path)
            sig = np.nanmedian(flux) / snr
            noisy = flux[None, :] + rng.normal(0, sig, (20, flux.size))
            ivar = np.where(np.isfinite(noisy), 1 / sig**2, 0.0)
            m = measure_lines(noisy, wave, ivar=ivar)
            est = estimate_o_subtype(m)["subtype_code"]
            diff = np.abs(est - true)
            w1 += int(np.sum(diff <= 1.0))
            w05 += int(np.sum(diff <= 0.5))
            none += int(np.sum(~np.isfinite(est)))
            absent += int(line_flags(m)["he_ii_absent"].sum())
            total += est.size
        lines.append(f"| {snr} | {w1 / total:.2f} | {w05 / total:.2f} | {none / total:.2f} | {absent / total:.2f} |")
    lines.append("")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    return text


if __name__ == "__main__":
    print(main())
