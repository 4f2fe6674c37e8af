"""The O/B border: late O against early B by luminosity class, and the stars behind the errors.

With B stars in the data (``obafgkm``, ``all``) the hard part of recognising O
stars is the border: late-O (O9-O9.7) stars missed and early-B (B0-B1) stars
taken for O. This module counts both from the stored predictions, by
luminosity class, and names the O stars missed and the B stars taken for O.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["border_report", "spectral_classes"]

#: conditions the border is reported at, where the run has them
BORDER_LEVELS = ("clean", "snr10", "survey")

_TYPE = re.compile(r"^\s*([OBAFGKM])\s*(\d+(?:\.\d+)?)?")
_LUMINOSITY = re.compile(r"(Iab|Ia|Ib|III|II|IV|V)")


def spectral_classes(subclass, spectral_type=None, luminosity_class=None):
    """``(letter, number, luminosity)`` arrays from the data set's fields.

    ``spectral_type`` and ``luminosity_class`` (``load_real_spectra``) are used
    when given; otherwise both are parsed from ``subclass`` ("O9.5Iae" ->
    O, 9.5, Ia; "O6/O7" -> O, 6, ""). Unknown numbers are NaN, unknown
    luminosity classes "".
    """
    types = subclass if spectral_type is None else spectral_type
    letters, numbers, lums = [], [], []
    for i, text in enumerate(np.asarray(types, dtype=str)):
        m = _TYPE.match(text)
        letters.append(m.group(1) if m else "")
        numbers.append(float(m.group(2)) if m and m.group(2) else np.nan)
        if luminosity_class is not None:
            lums.append(str(np.asarray(luminosity_class)[i]))
        else:
            rest = text[m.end():] if m else text
            rest = rest.split("/")[-1] if rest.startswith("/") else rest
            lm = _LUMINOSITY.search(rest)
            lums.append(lm.group(1) if lm else "")
    return np.asarray(letters), np.asarray(numbers, dtype=float), np.asarray(lums)


def border_report(runs, y, classes, objects, tests_by_run) -> dict:
    """Border counts per method and condition, pooled over seeds and splits.

    Returns ``{method: {condition: {...}}}`` with ``late_O`` and ``early_B``
    (``{luminosity class: {"O": n, "B": n, "other": n}}``: how the late-O
    (O9-O9.7) and early-B (B0-B1) test spectra were classified),
    ``o_missed`` (``{O star: [spectra not called O, spectra tested]}``, stars
    missed at least once) and ``b_as_o`` (``{B star: [spectra called O,
    spectra tested]}``). Empty when the data have no B stars.
    """
    letters, numbers, lums = classes
    if not (y == "B").any():
        return {}
    late_o = (y == "O") & (numbers >= 9)
    early_b = (y == "B") & (numbers <= 1)
    methods = list(runs[0]["predictions"])
    levels = [lv for lv in BORDER_LEVELS if lv in runs[0]["predictions"][methods[0]]]
    report = {}
    for method in methods:
        report[method] = {}
        for level in levels:
            groups = {"late_O": {}, "early_B": {}}
            o_tested, o_missed, b_tested, b_as_o = {}, {}, {}, {}
            for r in runs:
                test = tests_by_run[(r["seed"], r["split"])]
                for i, pred in zip(test, r["predictions"][method][level]):
                    called = pred if pred in ("O", "B") else "other"
                    for name, mask in (("late_O", late_o), ("early_B", early_b)):
                        if mask[i]:
                            cell = groups[name].setdefault(lums[i] or "?", {"O": 0, "B": 0,
                                                                            "other": 0})
                            cell[called] += 1
                    star = str(objects[i])
                    if y[i] == "O":
                        o_tested[star] = o_tested.get(star, 0) + 1
                        o_missed[star] = o_missed.get(star, 0) + (pred != "O")
                    elif y[i] == "B":
                        b_tested[star] = b_tested.get(star, 0) + 1
                        b_as_o[star] = b_as_o.get(star, 0) + (pred == "O")
            report[method][level] = {
                **{name: dict(sorted(g.items())) for name, g in groups.items()},
                "o_missed": {s: [n, o_tested[s]] for s, n in sorted(o_missed.items()) if n},
                "b_as_o": {s: [n, b_tested[s]] for s, n in sorted(b_as_o.items()) if n},
            }
    return report


def _cells(groups: dict) -> str:
    """"Ia 1/2, V 3/3": spectra called O out of those tested, per luminosity class."""
    if not groups:
        return "none tested"
    return ", ".join(f"{lc} {c['O']}/{c['O'] + c['B'] + c['other']}" for lc, c in groups.items())


def _names(stars: dict, limit: int = 6) -> str:
    if not stars:
        return "none"
    items = sorted(stars.items(), key=lambda kv: (-kv[1][0], kv[0]))
    text = ", ".join(f"{s} ({n}/{t})" for s, (n, t) in items[:limit])
    return text + (f", and {len(items) - limit} more" if len(items) > limit else "")


def border_lines(border: dict) -> list[str]:
    """The report's section on the O/B border (nothing without B stars)."""
    if not border:
        return []
    lines = ["", "## The O/B border", "",
             "Late O (O9-O9.7) and early B (B0-B1) test spectra, pooled over seeds and "
             "splits: how many were called O, out of those tested, by luminosity class "
             "(? = not given); the O stars missed and the B stars taken for O, by name "
             "(spectra wrong / tested).", ""]
    levels = list(next(iter(border.values())))
    for level in levels:
        lines += [f"### {level}", "",
                  "| method | late O called O | early B called O | O stars missed | "
                  "B stars taken for O |", "|---|---|---|---|---|"]
        for method, by_level in border.items():
            b = by_level[level]
            lines.append(f"| {method} | {_cells(b['late_O'])} | {_cells(b['early_B'])} | "
                         f"{_names(b['o_missed'])} | {_names(b['b_as_o'])} |")
        lines.append("")
    return lines
