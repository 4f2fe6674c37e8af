"""The ``skspec`` command line (also ``python -m skspec``).

Sub-commands live next to the code they drive; this module only wires them up,
and imports each one lazily so that ``skspec --help`` stays fast.

- ``skspec reproduce``: the paper's experiments on the bundled data
  (:mod:`skspec.experiments._reproduce`).
- ``skspec train``: fit the recommended pipeline and save it
  (:mod:`skspec.survey._cli`).
- ``skspec predict``: classify many FITS files into a catalogue
  (:mod:`skspec.survey._cli`).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from . import __version__

# sub-command name -> (module, function that adds its parser)
_COMMANDS = {
    "reproduce": ("skspec.experiments._cli", "add_parser"),
    "train": ("skspec.survey._cli", "add_train_parser"),
    "predict": ("skspec.survey._cli", "add_predict_parser"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skspec",
        description="Find rare stellar spectra (O stars first): LCGAN + RAC-Net.",
    )
    parser.add_argument("--version", action="version", version=f"skspec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, func) in _COMMANDS.items():
        try:
            add = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError) as exc:  # a sub-command not built yet
            stub = sub.add_parser(name, help=f"(unavailable: {exc})")
            stub.set_defaults(func=_unavailable(name, exc))
            continue
        add(sub)
    return parser


def _unavailable(name, exc):
    def run(args):
        raise SystemExit(f"skspec {name} is unavailable: {exc}")

    return run


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
