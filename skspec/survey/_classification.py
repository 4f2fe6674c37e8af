"""Turn a batch of read spectra into catalogue rows (one ``predict_proba`` call)."""

from __future__ import annotations

import numpy as np

def _classify(model, items: list, classes) -> list[dict]:
    """Catalogue rows for a batch of ``(row, flux)``; one ``predict_proba`` call."""
    good = [i for i, (_, flux) in enumerate(items) if flux is not None]
    proba = None
    if good:
        X = np.stack([items[i][1] for i in good])
        if hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(X), dtype=np.float64)
            labels = np.asarray(classes)[proba.argmax(axis=1)]
        else:
            labels = np.asarray(model.predict(X))
    rows = []
    where = {i: k for k, i in enumerate(good)}
    for i, (meta, _) in enumerate(items):
        row = dict(meta)
        k = where.get(i)
        row["pred_class"] = "" if k is None else str(labels[k])
        for j, c in enumerate(classes):
            row[f"prob_{c}"] = float(proba[k, j]) if (k is not None and proba is not None) else np.nan
        rows.append(row)
    return rows
