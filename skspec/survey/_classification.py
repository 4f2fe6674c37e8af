"""Turn a batch of read spectra into catalogue rows (one ``predict_proba`` call)."""

from __future__ import annotations

import numpy as np

from ._decision import _Decision


def _classify(model, items: list, classes, decision: _Decision | None = None) -> list[dict]:
    """Catalogue rows for a batch of ``(row, flux)``; one ``predict_proba`` call.

    ``decision`` (built once per run) holds the threshold, prior and novelty
    detector; by default the model's own (its saved rule and ``novelty_``).
    """
    if decision is None:
        decision = _Decision(model, classes)
    good = [i for i, (_, flux) in enumerate(items) if flux is not None]
    cols = decision.columns(np.stack([items[i][1] for i in good])) if good else None
    rows = []
    where = {i: k for k, i in enumerate(good)}
    for i, (meta, _) in enumerate(items):
        row = dict(meta)
        k = where.get(i)
        row["pred_class"] = "" if k is None else str(cols["pred_class"][k])
        proba = None if k is None else cols["proba"]
        for j, c in enumerate(classes):
            row[f"prob_{c}"] = np.nan if proba is None else float(proba[k, j])
        row["p_O"] = np.nan if k is None else float(cols["p_O"][k])
        row["is_candidate"] = False if k is None else _flag(cols["is_candidate"][k])
        row["rank"] = ""  # filled once the catalogue is complete (rank_catalogue)
        row["novelty"] = np.nan if k is None else float(cols["novelty"][k])
        row["unknown"] = "" if k is None else _flag(cols["unknown"][k])
        rows.append(row)
    return rows


def _flag(value):
    """A bool column's cell: True/False, or "" where it is not known."""
    return "" if isinstance(value, str) else bool(value)
