"""``skspec reproduce`` on the command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from ._reproduce import DATA, reproduce

logger = logging.getLogger(__name__)

def add_parser(subparsers):
    """Add ``skspec reproduce`` to the command line."""
    p = subparsers.add_parser(
        "reproduce", help="run the paper's experiments on the bundled spectra",
        description="Leave-one-O-star-out evaluation of LCGAN, SGAN, SMOTE, "
                    "RandomOverSampler and no augmentation with RAC-Net, plus plain "
                    "scikit-learn baselines, GAN-train/GAN-test, accuracy versus GAN "
                    "iteration, fidelity metrics and plots.")
    p.add_argument("--data", choices=tuple(DATA), default="ofgk",
                   help="ofgk: the paper's classes (default); obafgkm: all MK classes; "
                        "all: every bundled real spectrum (28 O stars with the MKCLASS "
                        "standards, 3900-5500 A), with the O/B border")
    speed = p.add_mutually_exclusive_group()
    speed.add_argument("--quick", dest="mode", action="store_const", const="quick",
                       help="minutes on 2 CPU cores (default)")
    speed.add_argument("--full", dest="mode", action="store_const", const="full",
                       help="paper-scale settings; use a GPU")
    speed.add_argument("--tiny", dest="mode", action="store_const", const="tiny",
                       help="seconds-long smoke test (numbers are meaningless)")
    p.set_defaults(mode="quick")
    p.add_argument("-o", "--output", default="skspec_results", help="output folder")
    p.add_argument("--overwrite", action="store_true", help="replace an existing report")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds")
    p.add_argument("--n-jobs", type=int, default=-1, help="parallel processes (default: all cores)")
    p.add_argument("--device", default="auto", help="torch device (default: auto)")
    p.set_defaults(func=_main)
    return p


def _main(args) -> int:
    try:
        reproduce(args.data, mode=args.mode, output=args.output, overwrite=args.overwrite,
                  n_seeds=args.seeds, n_jobs=args.n_jobs, device=args.device)
    except FileExistsError as exc:
        logger.error("skspec reproduce: %s", exc)
        return 1
    # the report is rendered from results.json: what is printed is what is stored
    sys.stdout.write((Path(args.output) / "report.md").read_text(encoding="utf-8"))
    return 0
