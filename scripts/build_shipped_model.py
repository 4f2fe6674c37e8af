"""Rebuild the model that ships with skspec, and record what it predicts.

Run from a checkout (5 to 15 minutes on 2 CPU cores: the pipeline is fitted
``--cv`` + 1 = 4 times)::

    python scripts/build_shipped_model.py
    python scripts/build_shipped_model.py --record-only   # keep the model, redo the csv

It runs the one command :data:`skspec.survey.BUNDLED_MODEL_COMMAND`
(``skspec train --quick`` of the recommended pipeline, seeded, on the CPU)
into ``skspec/datasets/data/model/recommended.skspec`` and writes
``recommended_expected.csv`` next to it: the bundled LAMOST sample files'
``pred_class``, ``p_O``, ``is_candidate``, ``novelty`` and ``unknown`` as this
model predicts them. ``tests/survey/test_bundled_model.py`` checks that the
shipped file still gives them.
"""

from __future__ import annotations

import csv
import os
import shlex
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")  # before torch: the same threads each build

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXPECTED_COLUMNS = ("file", "pred_class", "p_O", "is_candidate", "novelty", "unknown")


def main() -> int:
    import torch

    from skspec.cli import main as skspec
    from skspec.datasets import load_lamost_samples
    from skspec.survey import BUNDLED_MODEL_COMMAND, bundled_model_path, predict_files

    torch.use_deterministic_algorithms(True)
    os.chdir(ROOT)
    if "--record-only" not in sys.argv[1:]:
        status = skspec(shlex.split(BUNDLED_MODEL_COMMAND)[1:])
        if status:
            return status
    path = bundled_model_path()
    catalogue = predict_files(None, load_lamost_samples().filenames, verbose=0)
    expected = path.with_name("recommended_expected.csv")
    with open(expected, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPECTED_COLUMNS)
        for row in catalogue.sort_values("file").itertuples():
            writer.writerow([Path(row.file).name, row.pred_class, f"{row.p_O:.6g}",
                             row.is_candidate, f"{row.novelty:.6g}", row.unknown])
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) and {expected}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
